package com.aurous.server.api;

import com.aurous.server.auth.AuthenticatedKey;
import com.aurous.server.auth.Team;
import com.aurous.server.auth.KeyCache;
import io.vertx.ext.web.RoutingContext;

/** X-Api-Key on every /v1 route: a missing, unknown or revoked key is 401, nothing more said. */
public final class Authentication {
  public static final String HEADER = "X-Api-Key";
  private static final String KEY = "aurous.key";

  private final KeyCache keys;

  public Authentication(KeyCache keys) {
    this.keys = keys;
  }

  public void handle(RoutingContext ctx) {
    String key = ctx.request().getHeader(HEADER);
    if (key == null || key.isBlank()) {
      ctx.fail(ApiException.unauthorized("Send your API key in the X-Api-Key header."));
      return;
    }
    // Two keys name two callers (and a proxy may have added one): whose request this is cannot be guessed.
    if (ctx.request().headers().getAll(HEADER).size() > 1) {
      ctx.fail(ApiException.unauthorized("Send exactly one X-Api-Key header."));
      return;
    }
    keys.authenticate(key.trim()).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else if (ar.result() == null) {
        ctx.fail(ApiException.unauthorized("The API key is not valid, or has been revoked."));
      } else {
        ctx.put(KEY, ar.result());
        ctx.next();
      }
    });
  }

  public static Team team(RoutingContext ctx) {
    AuthenticatedKey key = ctx.get(KEY);
    return key == null ? null : key.team();
  }

  /** The authenticated key (id, team, rate-limit overrides); null before authentication. */
  public static AuthenticatedKey key(RoutingContext ctx) {
    return ctx.get(KEY);
  }
}
