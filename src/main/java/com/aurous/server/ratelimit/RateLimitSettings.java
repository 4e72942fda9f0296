package com.aurous.server.ratelimit;

import com.aurous.server.auth.KeyLimits;
import com.aurous.server.config.ServerConfig;

/**
 * The rate_limits section: a per-team request quota per fixed window, a per-team ceiling on open
 * (pending or processing) generations, and how quota leases are cut. 0 means unlimited; a key's
 * own value ({@link KeyLimits}) replaces the default for requests made with that key.
 */
public record RateLimitSettings(long requestsPerWindow, int windowSeconds, long concurrentGenerations,
    int concurrentRetryAfterSeconds, int leasePercent, long leaseMax) {

  public static RateLimitSettings from(ServerConfig config) {
    return new RateLimitSettings(config.longInteger("rate_limits.requests_per_window"),
        config.integer("rate_limits.window_s"),
        config.longInteger("rate_limits.concurrent_generations"),
        config.integer("rate_limits.concurrent_retry_after_s"),
        config.integer("rate_limits.lease_percent"),
        config.longInteger("rate_limits.lease_max"));
  }

  /** Requests per window for a request made with a key of these limits; 0: unlimited. */
  public long requestLimit(KeyLimits key) {
    return key.requestsPerWindow() != null ? key.requestsPerWindow() : requestsPerWindow;
  }

  /** Open generations the team may have when a create comes with a key of these limits; 0: unlimited. */
  public long concurrentLimit(KeyLimits key) {
    return key.concurrentGenerations() != null ? key.concurrentGenerations() : concurrentGenerations;
  }
}
