package com.aurous.server.loadtest;

import io.vertx.core.json.JsonObject;

import java.io.PrintStream;

/** The report as a table on stdout: one row per stage and request kind. */
final class TextReport {
  static final String HEADER = String.format("%-10s %-12s %7s %7s %6s %8s %9s %9s %9s %9s %9s",
      "stage", "kind", "count", "errors", "drop", "req/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms");

  private TextReport() {}

  static void print(JsonObject report, PrintStream out) {
    boolean open = "open_loop".equals(report.getJsonObject("plan").getString("mode"));
    out.println("latency from intended send time" + (open ? " (open loop, coordinated omission corrected)" : " (closed loop)"));
    out.println(HEADER);
    for (Object o : report.getJsonArray("stages")) {
      JsonObject s = (JsonObject) o;
      String level = open ? fmt(s.getDouble("offered_rate")) + "/s" : "c=" + fmt(s.getDouble("concurrency"));
      JsonObject kinds = s.getJsonObject("kinds");
      for (String kind : kinds.fieldNames()) {
        JsonObject k = kinds.getJsonObject(kind);
        row(out, level, kind, k.getLong("count"), k.getLong("errors"), "", k.getDouble("throughput_rps"), k.getJsonObject("latency_ms"));
      }
      row(out, level, "all", s.getLong("completed"), s.getLong("errors"), String.valueOf(s.getLong("dropped")),
          s.getDouble("throughput_rps"), s.getJsonObject("latency_ms"));
      out.printf("%-10s %d sent, %d unfinished, %d late, %d images (%.2f/s), %d credits, Prefer: wait applied %d%n",
          "", s.getLong("sent"), s.getLong("unfinished"), s.getLong("late"), s.getLong("images"),
          s.getDouble("images_per_s"), s.getLong("credits"), s.getLong("prefer_wait_applied"));
      JsonObject errors = s.getJsonObject("errors_by");
      for (String key : errors.fieldNames()) {
        out.printf("%-10s error %-40s %d%n", "", key, errors.getLong(key));
      }
    }
  }

  private static void row(PrintStream out, String level, String kind, long count, long errors, String dropped, double rps, JsonObject l) {
    out.printf("%-10s %-12s %7d %7d %6s %8.2f %9s %9s %9s %9s %9s%n", level, kind, count, errors, dropped, rps,
        ms(l, "p50"), ms(l, "p90"), ms(l, "p99"), ms(l, "p99_9"), ms(l, "max"));
  }

  private static String ms(JsonObject l, String p) {
    Double v = l.getDouble(p);
    return v == null ? "-" : String.format("%.1f", v);
  }

  static String fmt(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }
}
