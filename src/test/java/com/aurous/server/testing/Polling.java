package com.aurous.server.testing;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for an asynchronous outcome with a deadline, so a broken engine fails a test instead of hanging it. */
public final class Polling {
  private Polling() {}

  public static <T> T until(Supplier<T> probe, java.util.function.Predicate<T> done, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    T last = null;
    while (System.nanoTime() < deadline) {
      last = probe.get();
      if (done.test(last)) {
        return last;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("timed out waiting for " + what + "; last seen: " + last);
  }
}
