package com.aurous.server.api;

import com.aurous.server.auth.AuthenticatedKey;
import com.aurous.server.ratelimit.RateDecision;
import com.aurous.server.ratelimit.RateLimitSettings;
import com.aurous.server.ratelimit.RequestRateLimiter;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * Right after authentication on every /v1 route: counts the request against its team's window
 * quota (or its key's own, when the key has one) and puts the IETF RateLimit-Policy / RateLimit
 * fields on the response before anything else can answer it, so successes and errors alike carry
 * them. Over the quota: 429 rate_limited with Retry-After, and the route never runs.
 */
public final class RateLimiting {
  /** The policy names clients see: the team's shared quota, or a key's own. */
  static final String TEAM_POLICY = "team";
  static final String KEY_POLICY = "key";

  private final RateLimitSettings settings;
  private final RequestRateLimiter limiter;

  public RateLimiting(RateLimitSettings settings, RequestRateLimiter limiter) {
    this.settings = settings;
    this.limiter = limiter;
  }

  public void handle(RoutingContext ctx) {
    AuthenticatedKey key = Authentication.key(ctx);
    long quota = settings.requestLimit(key.limits());
    if (quota == 0) {
      ctx.next();
      return;
    }
    boolean own = key.limits().requestsPerWindow() != null;
    String bucket = own ? "key:" + key.keyId() : "team:" + key.team().id();
    limiter.acquire(bucket, own ? KEY_POLICY : TEAM_POLICY, quota).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      RateDecision d = ar.result();
      HttpServerResponse res = ctx.response();
      res.putHeader(RateDecision.POLICY_HEADER, d.policyHeader()).putHeader(RateDecision.LIMIT_HEADER, d.limitHeader());
      if (d.admitted()) {
        ctx.next();
      } else {
        ctx.fail(new RateLimited("You sent more than " + d.quota() + " requests in " + d.windowSeconds()
            + " seconds; retry after " + d.resetSeconds() + " seconds.", d.resetSeconds()));
      }
    });
  }

  /** 429 rate_limited in the error envelope, with Retry-After: a request rate or the concurrent-generation limit was reached. */
  public static final class RateLimited extends ApiException implements RetryLater {
    private final int retryAfterSeconds;

    RateLimited(String message, int retryAfterSeconds) {
      super(429, "rate_limit", "rate_limited", message, null);
      this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    public int retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }
}
