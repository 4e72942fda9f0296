package com.aurous.server.util;

import com.github.f4b6a3.ulid.Ulid;
import com.github.f4b6a3.ulid.UlidCreator;

/** Opaque, time-ordered identifiers: a type prefix and a ULID (img_..., req_..., team_...). */
public final class Ids {
  private Ids() {}

  public static String newId(String prefix) {
    // Monotonic within this JVM, so ids minted in one millisecond still sort by creation.
    return prefix + "_" + UlidCreator.getMonotonicUlid().toString();
  }

  /** True when {@code s} is {@code prefix_} followed by a well-formed ULID. */
  public static boolean isId(String prefix, String s) {
    if (s == null || !s.startsWith(prefix + "_")) {
      return false;
    }
    return Ulid.isValid(s.substring(prefix.length() + 1));
  }
}
