package com.aurous.server.auth;

/**
 * A key's own rate limits (columns of api_keys, set with {@code keys limit}): null means the
 * configured default applies, 0 unlimited, any other value the key's own limit. Cached with the
 * key, so applying them costs no database round trip.
 */
public record KeyLimits(Long requestsPerWindow, Long concurrentGenerations) {
  public static final KeyLimits NONE = new KeyLimits(null, null);
}
