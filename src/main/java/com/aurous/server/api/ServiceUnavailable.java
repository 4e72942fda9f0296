package com.aurous.server.api;

/**
 * 503 in the error envelope while PostgreSQL is unreachable: nothing was decided or stored, so
 * the same request may simply be sent again after Retry-After (with the same Idempotency-Key).
 */
public final class ServiceUnavailable extends ApiException implements RetryLater {
  private final int retryAfterSeconds;

  public ServiceUnavailable(int retryAfterSeconds) {
    super(503, "api_error", "service_unavailable",
        "The database is unavailable; nothing was changed. Retry after " + retryAfterSeconds + " seconds.", null);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  @Override
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
