package com.aurous.server.loadtest;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** index.html with the settings, one table per stage, the errors and the plots, next to report.json. */
final class HtmlReport {
  private HtmlReport() {}

  static void write(JsonObject report, Path dir) throws IOException {
    Files.createDirectories(dir);
    List<String> plots = ReportCharts.write(report, dir);
    Files.writeString(dir.resolve("report.json"), report.encodePrettily());
    boolean open = "open_loop".equals(report.getJsonObject("plan").getString("mode"));
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>aurous loadtest</title>\n")
        .append("<style>body{font-family:sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse;margin:1em 0}")
        .append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}td:first-child,td:nth-child(2){text-align:left}")
        .append("pre{background:#f8f8f8;padding:1em;overflow:auto}</style></head><body>\n")
        .append("<h1>aurous loadtest</h1>\n<p>").append(esc(report.getString("started_at"))).append(" against ")
        .append(esc(report.getJsonObject("plan").getString("url"))).append(". Latency runs from each request's intended send time")
        .append(open ? " (open loop: coordinated omission corrected as wrk2 does)." : " (closed loop).").append("</p>\n");
    for (String p : plots) {
      h.append("<p><img src=\"").append(p).append("\" alt=\"").append(p).append("\" width=\"900\"></p>\n");
    }
    h.append("<table><tr><th>stage</th><th>kind</th><th>count</th><th>errors</th><th>req/s</th><th>p50 ms</th><th>p90 ms</th>")
        .append("<th>p99 ms</th><th>p99.9 ms</th><th>max ms</th></tr>\n");
    for (Object o : report.getJsonArray("stages")) {
      JsonObject s = (JsonObject) o;
      String level = open ? TextReport.fmt(s.getDouble("offered_rate")) + "/s" : "c=" + TextReport.fmt(s.getDouble("concurrency"));
      JsonObject kinds = s.getJsonObject("kinds");
      for (String kind : kinds.fieldNames()) {
        JsonObject k = kinds.getJsonObject(kind);
        row(h, level, kind, k.getLong("count"), k.getLong("errors"), k.getDouble("throughput_rps"), k.getJsonObject("latency_ms"));
      }
      row(h, level, "<b>all</b>", s.getLong("completed"), s.getLong("errors"), s.getDouble("throughput_rps"), s.getJsonObject("latency_ms"));
    }
    h.append("</table>\n<table><tr><th>stage</th><th>sent</th><th>dropped</th><th>late</th><th>unfinished</th><th>images</th>")
        .append("<th>images/s</th><th>credits</th><th>Prefer: wait applied</th><th>errors by status and code</th></tr>\n");
    for (Object o : report.getJsonArray("stages")) {
      JsonObject s = (JsonObject) o;
      h.append("<tr><td>").append(esc(s.getString("label"))).append("</td><td>").append(s.getLong("sent"))
          .append("</td><td>").append(s.getLong("dropped")).append("</td><td>").append(s.getLong("late"))
          .append("</td><td>").append(s.getLong("unfinished")).append("</td><td>").append(s.getLong("images"))
          .append("</td><td>").append(String.format("%.2f", s.getDouble("images_per_s"))).append("</td><td>")
          .append(s.getLong("credits")).append("</td><td>").append(s.getLong("prefer_wait_applied")).append("</td><td>");
      JsonObject errors = s.getJsonObject("errors_by");
      for (String key : errors.fieldNames()) {
        h.append(esc(key)).append(": ").append(errors.getLong(key)).append("<br>");
      }
      h.append("</td></tr>\n");
    }
    h.append("</table>\n<h2>Settings</h2>\n<pre>").append(esc(report.getJsonObject("plan").encodePrettily()))
        .append("</pre>\n<p>All figures, with the per-second series: <a href=\"report.json\">report.json</a>.</p>\n</body></html>\n");
    Files.writeString(dir.resolve("index.html"), h);
  }

  private static void row(StringBuilder h, String level, String kind, long count, long errors, double rps, JsonObject l) {
    h.append("<tr><td>").append(esc(level)).append("</td><td>").append(kind).append("</td><td>").append(count)
        .append("</td><td>").append(errors).append("</td><td>").append(String.format("%.2f", rps)).append("</td>");
    for (String p : new String[] {"p50", "p90", "p99", "p99_9", "max"}) {
      Double v = l.getDouble(p);
      h.append("<td>").append(v == null ? "-" : String.format("%.1f", v)).append("</td>");
    }
    h.append("</tr>\n");
  }

  private static String esc(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
