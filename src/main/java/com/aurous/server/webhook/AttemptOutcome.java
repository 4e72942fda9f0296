package com.aurous.server.webhook;

/**
 * What one real attempt came to: a status code when the receiver answered, an error otherwise (or
 * both, for a non-2xx answer); {@code hostFailure} when it counts against the host's breaker.
 */
record AttemptOutcome(Integer statusCode, String error, boolean hostFailure) {
  boolean success() {
    return error == null && statusCode != null && statusCode >= 200 && statusCode < 300;
  }

  /**
   * The outcome as a metrics label, one of a fixed few whatever the receiver answers:
   * succeeded, http_3xx, http_4xx, http_5xx, timeout, connection_error, refused, dns_error, internal.
   */
  String kind() {
    if (statusCode != null) {
      return success() ? "succeeded" : "http_" + Math.min(5, Math.max(1, statusCode / 100)) + "xx";
    }
    if (error == null) {
      return "internal";
    }
    if (error.startsWith("refused:")) {
      return "refused";
    }
    if (error.startsWith("dns:")) {
      return "dns_error";
    }
    if (error.startsWith("connection:")) {
      return "connection_error";
    }
    if (error.startsWith("internal:")) {
      return "internal";
    }
    return "timeout";
  }
}
