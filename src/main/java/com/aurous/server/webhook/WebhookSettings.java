package com.aurous.server.webhook;

import com.aurous.server.config.ServerConfig;

/** The {@code webhooks.*} configuration, read once (ServerConfig has validated the ranges). */
public record WebhookSettings(
    boolean enabled,
    int pollIntervalMs,
    int leaseSeconds,
    int maxInFlight,
    int attemptTimeoutMs,
    int maxAttempts,
    int retryDelayMs,
    int breakerMaxFailures,
    int breakerResetMs,
    boolean allowInsecureUrls) {

  public static WebhookSettings from(ServerConfig c) {
    return new WebhookSettings(
        c.bool("webhooks.enabled"),
        c.intIn("webhooks.poll_interval_ms", 10, 600_000),
        c.intIn("webhooks.lease_seconds", 2, 3600),
        c.intIn("webhooks.max_in_flight", 1, 10_000),
        c.intIn("webhooks.attempt_timeout_ms", 100, 120_000),
        c.intIn("webhooks.max_attempts", 1, 20),
        c.intIn("webhooks.retry_delay_ms", 0, 3_600_000),
        c.intIn("webhooks.breaker_max_failures", 1, 1000),
        c.intIn("webhooks.breaker_reset_ms", 100, 3_600_000),
        c.bool("api.allow_insecure_urls"));
  }
}
