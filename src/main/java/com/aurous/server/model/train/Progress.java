package com.aurous.server.model.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress line per interval: bar, step, smoothed loss, steps/s and ETA. Lines (not carriage
 * returns) so the output stays readable in a nohup log.
 */
final class Progress {

  private final String stage;
  private final int total;
  private final PrintStream out;
  private final long intervalNanos;
  private final long startNanos = System.nanoTime();
  private final int startStep;
  private long lastPrint;
  private double smooth = Double.NaN;

  Progress(String stage, int startStep, int total, PrintStream out, double intervalSeconds) {
    this.stage = stage;
    this.startStep = startStep;
    this.total = total;
    this.out = out;
    this.intervalNanos = (long) (intervalSeconds * 1e9);
    this.lastPrint = startNanos;
  }

  double smoothedLoss() {
    return smooth;
  }

  void update(int step, double loss) {
    smooth = Double.isNaN(smooth) ? loss : 0.98 * smooth + 0.02 * loss;
    long now = System.nanoTime();
    if (now - lastPrint >= intervalNanos || step == total) {
      lastPrint = now;
      out.println(line(step, now));
      out.flush();
    }
  }

  private String line(int step, long now) {
    double secs = (now - startNanos) / 1e9;
    double rate = (step - startStep) / Math.max(secs, 1e-9);
    double eta = rate > 0 ? (total - step) / rate : Double.NaN;
    int width = 30;
    int filled = (int) Math.round(width * (double) step / Math.max(total, 1));
    String bar = "#".repeat(Math.min(filled, width)) + ".".repeat(Math.max(0, width - filled));
    return String.format(Locale.ROOT, "[%s] [%s] %d/%d loss %.5f  %.2f steps/s  ETA %s", stage,
        bar, step, total, smooth, rate, duration(eta));
  }

  static String duration(double seconds) {
    if (!Double.isFinite(seconds)) {
      return "?";
    }
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
        : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }
}
