package com.aurous.server.util;

import com.github.f4b6a3.ulid.UlidCreator;

import java.util.regex.Pattern;

/**
 * Identifiers: a type prefix and an opaque body (img_..., req_..., team_...). This server mints
 * ULIDs, but ids are opaque to clients (the contract's own examples are not ULIDs), so what it
 * accepts is any prefix_ plus 1-64 URL-safe characters; whether one names anything is the
 * store's question.
 */
public final class Ids {
  public static final int MAX_BODY_LENGTH = 64;
  /** RFC 3986 unreserved characters: an id needs no escaping in a path or query. */
  private static final Pattern BODY = Pattern.compile("[A-Za-z0-9._~-]{1," + MAX_BODY_LENGTH + "}");

  private Ids() {}

  public static String newId(String prefix) {
    // Monotonic within this JVM, so ids minted in one millisecond still sort by creation.
    return prefix + "_" + UlidCreator.getMonotonicUlid().toString();
  }

  /** True when {@code s} is {@code prefix_} followed by 1-64 URL-safe characters. */
  public static boolean isId(String prefix, String s) {
    if (s == null || !s.startsWith(prefix + "_")) {
      return false;
    }
    return BODY.matcher(s).region(prefix.length() + 1, s.length()).matches();
  }
}
