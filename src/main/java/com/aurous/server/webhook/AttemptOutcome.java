package com.aurous.server.webhook;

/**
 * What one real attempt came to: a status code when the receiver answered, an error otherwise (or
 * both, for a non-2xx answer); {@code hostFailure} when it counts against the host's breaker.
 */
record AttemptOutcome(Integer statusCode, String error, boolean hostFailure) {
  boolean success() {
    return error == null && statusCode != null && statusCode >= 200 && statusCode < 300;
  }
}
