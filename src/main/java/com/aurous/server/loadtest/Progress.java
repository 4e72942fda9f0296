package com.aurous.server.loadtest;

import java.io.PrintStream;

/** One progress line a second on stderr: rewritten in place on a terminal, plain lines otherwise. */
final class Progress {
  private final PrintStream err;
  private final boolean terminal;
  private int lastLength;

  Progress(PrintStream err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  synchronized void line(String s) {
    if (terminal) {
      err.print("\r" + s + " ".repeat(Math.max(0, lastLength - s.length())));
      lastLength = s.length();
    } else {
      err.println(s);
    }
    err.flush();
  }

  synchronized void end() {
    if (terminal && lastLength > 0) {
      err.println();
    }
  }
}
