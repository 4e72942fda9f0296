package com.aurous.server.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Small helpers shared by the benchmarks: percentiles, formatting, a scratch model directory. */
final class Stats {
  private Stats() {}

  /** A percentile of a microsecond histogram, in milliseconds; NaN when empty. */
  static double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
  }

  static Histogram micros() {
    return new Histogram(3_600_000_000L, 3);
  }

  static String f(String fmt, Object... args) {
    return String.format(Locale.ROOT, fmt, args);
  }

  static Path tempDir(String prefix) throws IOException {
    Path d = Files.createTempDirectory(prefix);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(d)));
    return d;
  }

  private static void deleteQuietly(Path d) {
    try (var s = Files.walk(d)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort at exit
    }
  }

  static double envDouble(String name, double dflt) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? dflt : Double.parseDouble(v);
  }
}
