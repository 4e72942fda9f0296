package com.aurous.server.webhook;

import com.aurous.server.net.PinnedResolver;

/**
 * Turns what happened to an attempt into its recorded outcome, and decides which outcomes count
 * against the destination host in its circuit breaker: only those that mean the host is down or
 * overloaded (no answer in time, no connection, 5xx, 408, 429). A 3xx or another 4xx is the
 * receiver answering: a failed attempt, but no reason to hold back other deliveries to it.
 */
final class OutcomeClassifier {
  private OutcomeClassifier() {}

  static AttemptOutcome answered(int statusCode) {
    if (statusCode >= 200 && statusCode < 300) {
      return new AttemptOutcome(statusCode, null, false);
    }
    boolean redirect = statusCode >= 300 && statusCode < 400;
    String error = redirect ? "HTTP " + statusCode + " (redirects are not followed)" : "HTTP " + statusCode;
    return new AttemptOutcome(statusCode, error, statusCode >= 500 || statusCode == 408 || statusCode == 429);
  }

  /** A send that got no answer: it timed out, or the connection failed. */
  static AttemptOutcome unanswered(Throwable e) {
    if (e instanceof WebhookSender.AttemptTimeout) {
      return new AttemptOutcome(null, e.getMessage(), true);
    }
    return new AttemptOutcome(null, "connection: " + (e.getMessage() == null ? e.toString() : e.getMessage()), true);
  }

  /** The target did not resolve to a safe address, so nothing was sent. */
  static AttemptOutcome unresolved(String host, Throwable e) {
    if (e instanceof PinnedResolver.RefusedAddressException) {
      return refused(e.getMessage());
    }
    return new AttemptOutcome(null, "dns: cannot resolve " + host, false);
  }

  static AttemptOutcome refused(String why) {
    return new AttemptOutcome(null, "refused: " + why, false);
  }

  static AttemptOutcome internal(Throwable e) {
    return new AttemptOutcome(null, "internal: " + e, false);
  }
}
