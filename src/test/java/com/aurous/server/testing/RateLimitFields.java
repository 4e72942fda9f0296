package com.aurous.server.testing;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the IETF RateLimit-Policy / RateLimit fields of a response, and keeps a burst inside one window. */
public final class RateLimitFields {
  private static final Pattern POLICY = Pattern.compile("^\"([a-z]+)\";q=(\\d+);w=(\\d+)$");
  private static final Pattern LIMIT = Pattern.compile("^\"([a-z]+)\";r=(\\d+);t=(\\d+)$");

  private RateLimitFields() {}

  public record Policy(String name, long quota, int window) {}

  public record Limit(String name, long remaining, int reset) {}

  /** The RateLimit-Policy field, or null when the response has none; fails on a malformed one. */
  public static Policy policy(ApiClient.Response r) {
    String v = r.header("RateLimit-Policy");
    if (v == null) {
      return null;
    }
    Matcher m = POLICY.matcher(v);
    if (!m.matches()) {
      throw new AssertionError("malformed RateLimit-Policy: " + v);
    }
    return new Policy(m.group(1), Long.parseLong(m.group(2)), Integer.parseInt(m.group(3)));
  }

  /** The RateLimit field, or null when the response has none; fails on a malformed one. */
  public static Limit limit(ApiClient.Response r) {
    String v = r.header("RateLimit");
    if (v == null) {
      return null;
    }
    Matcher m = LIMIT.matcher(v);
    if (!m.matches()) {
      throw new AssertionError("malformed RateLimit: " + v);
    }
    return new Limit(m.group(1), Long.parseLong(m.group(2)), Integer.parseInt(m.group(3)));
  }

  /**
   * Windows are aligned to the epoch: when less than {@code margin} of the current window is
   * left, waits for the next one, so a burst that follows falls in one window whatever the time.
   */
  public static void awaitRoomInWindow(int windowSeconds, Duration margin) throws InterruptedException {
    long windowMillis = windowSeconds * 1000L;
    long left = windowMillis - System.currentTimeMillis() % windowMillis;
    if (left < margin.toMillis()) {
      Thread.sleep(left + 50);
    }
  }
}
