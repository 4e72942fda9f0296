package com.aurous.server.loadtest;

/**
 * How one request ended. {@code errorKey} is null on success, else "STATUS code" from the API's
 * error envelope (or "transport ..." when no HTTP answer came).
 */
record Outcome(String errorKey, long images, long credits, boolean preferenceApplied) {
  static Outcome ok() {
    return new Outcome(null, 0, 0, false);
  }

  static Outcome error(String key) {
    return new Outcome(key, 0, 0, false);
  }

  boolean succeeded() {
    return errorKey == null;
  }
}
