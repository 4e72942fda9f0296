package com.aurous.server.loadtest;

import java.util.Locale;

/** What one load-test request does; the names are the ones a --mix uses. */
enum RequestKind {
  ESTIMATE, CREATE, GET, CREATE_WAIT;

  String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  static RequestKind parse(String s) {
    for (RequestKind k : values()) {
      if (k.label().equals(s.trim().toLowerCase(Locale.ROOT))) {
        return k;
      }
    }
    throw new com.aurous.server.cli.CliArgs.CliException(
        "unknown mix kind '" + s.trim() + "' (one of estimate, create, get, create_wait)");
  }
}
