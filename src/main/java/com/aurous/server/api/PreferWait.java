package com.aurous.server.api;

import io.vertx.core.MultiMap;

import java.util.Locale;

/**
 * The `wait` preference of RFC 7240 (`Prefer: wait=N`) on create. RFC 7240 lets a server ignore
 * any preference it cannot or will not honour, so nothing here is an error: unknown preferences
 * are ignored, an unparseable or non-positive `wait` is ignored (no wait, no Preference-Applied),
 * a larger one is clamped to the configured maximum (and Preference-Applied says the value used),
 * and when `wait` appears more than once the first one counts (RFC 7240 §2).
 */
final class PreferWait {
  static final String PREFER = "Prefer";
  static final String APPLIED = "Preference-Applied";

  private PreferWait() {}

  /** Seconds to wait, clamped to {@code maxSeconds}; 0 when no usable `wait` preference was sent. */
  static int seconds(MultiMap headers, int maxSeconds) {
    for (String header : headers.getAll(PREFER)) {
      for (String preference : header.split(",")) {
        // Parameters after ';' belong to the preference; `wait` takes none, so they are dropped.
        String token = preference.split(";", 2)[0].trim();
        int eq = token.indexOf('=');
        String name = (eq < 0 ? token : token.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
        if (!name.equals("wait")) {
          continue;
        }
        return eq < 0 ? 0 : parse(token.substring(eq + 1).trim(), maxSeconds);
      }
    }
    return 0;
  }

  private static int parse(String value, int maxSeconds) {
    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
      value = value.substring(1, value.length() - 1);
    }
    if (value.isEmpty() || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return 0;
    }
    return value.length() > 9 ? maxSeconds : Math.min(Integer.parseInt(value), maxSeconds);
  }
}
