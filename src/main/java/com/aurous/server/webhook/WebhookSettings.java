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
        c.integer("webhooks.poll_interval_ms"),
        c.integer("webhooks.lease_seconds"),
        c.integer("webhooks.max_in_flight"),
        c.integer("webhooks.attempt_timeout_ms"),
        c.integer("webhooks.max_attempts"),
        c.integer("webhooks.retry_delay_ms"),
        c.integer("webhooks.breaker_max_failures"),
        c.integer("webhooks.breaker_reset_ms"),
        c.bool("api.allow_insecure_urls"));
  }
}
