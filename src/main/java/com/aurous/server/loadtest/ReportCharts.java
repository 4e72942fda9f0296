package com.aurous.server.loadtest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The report's PNG plots, drawn by JFreeChart (headless). */
final class ReportCharts {
  static final String LATENCY_OVER_TIME = "latency-over-time.png";
  static final String THROUGHPUT_VS_OFFERED = "throughput-vs-offered.png";
  static final String LATENCY_VS_OFFERED = "latency-vs-offered.png";
  private static final String[] PERCENTILES = {"p50", "p90", "p99", "max"};
  private static final double MIN_MS = 0.1;
  private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
      new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};

  private ReportCharts() {}

  /** Writes the three plots into dir and returns their file names. */
  static List<String> write(JsonObject report, Path dir) throws IOException {
    // Before the first AWT class loads: the plots are drawn off-screen, with no display.
    System.setProperty("java.awt.headless", "true");
    boolean open = "open_loop".equals(report.getJsonObject("plan").getString("mode"));
    String levelKey = open ? "offered_rate" : "concurrency";
    String levelName = open ? "offered rate (requests/s)" : "concurrency (clients)";
    JsonArray stages = report.getJsonArray("stages");
    List<String> files = new ArrayList<>();

    XYSeriesCollection overTime = new XYSeriesCollection();
    List<Double> boundaries = new ArrayList<>();
    double offset = 0;
    for (String p : PERCENTILES) {
      overTime.addSeries(new XYSeries(p, false));
    }
    for (int s = 0; s < stages.size(); s++) {
      JsonObject stage = stages.getJsonObject(s);
      if (s > 0) {
        boundaries.add(offset);
      }
      JsonArray series = stage.getJsonArray("timeseries");
      for (int i = 0; i < series.size(); i++) {
        JsonObject lat = series.getJsonObject(i).getJsonObject("latency_ms");
        for (int p = 0; p < PERCENTILES.length; p++) {
          // An empty second is a gap in the line, not a straight line over it.
          Double v = lat.getDouble(PERCENTILES[p]);
          overTime.getSeries(p).add(offset + i + 0.5, v == null ? null : Math.max(v, MIN_MS));
        }
      }
      offset += Math.max(series.size(), Math.ceil(stage.getDouble("duration_s")));
    }
    JFreeChart t = ChartFactory.createXYLineChart("Latency over time (from intended send time)",
        "time since the first measured second (s)" + (stages.size() > 1 ? "; dashed lines: next stage" : ""),
        "latency (ms, log scale)", overTime, PlotOrientation.VERTICAL, true, false, false);
    style(t, false);
    logLatencyAxis(t);
    for (double b : boundaries) {
      ValueMarker m = new ValueMarker(b, Color.GRAY, new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {4f, 4f}, 0f));
      ((XYPlot) t.getPlot()).addDomainMarker(m);
    }
    save(t, dir, LATENCY_OVER_TIME, files);

    XYSeriesCollection tput = new XYSeriesCollection();
    XYSeries achieved = new XYSeries("completed requests/s");
    XYSeries okRps = new XYSeries("successful requests/s");
    XYSeries offered = new XYSeries("offered requests/s");
    XYSeries imagesPerS = new XYSeries("images/s");
    // One p50 and one p99 line per request kind: a mix's kinds differ by orders of magnitude
    // (an estimate against a create until succeeded), so one "all" line would describe neither.
    java.util.Map<String, XYSeries[]> byKind = new java.util.LinkedHashMap<>();
    for (int s = 0; s < stages.size(); s++) {
      for (String kind : stages.getJsonObject(s).getJsonObject("kinds").fieldNames()) {
        byKind.computeIfAbsent(kind, k -> new XYSeries[] {new XYSeries(k + " p50"), new XYSeries(k + " p99")});
      }
    }
    for (int s = 0; s < stages.size(); s++) {
      JsonObject stage = stages.getJsonObject(s);
      double level = stage.getDouble(levelKey);
      achieved.add(level, stage.getDouble("throughput_rps"));
      okRps.add(level, stage.getDouble("ok_rps"));
      imagesPerS.add(level, stage.getDouble("images_per_s"));
      if (open) {
        offered.add(level, level);
      }
      JsonObject kinds = stage.getJsonObject("kinds");
      for (String kind : kinds.fieldNames()) {
        JsonObject l = kinds.getJsonObject(kind).getJsonObject("latency_ms");
        byKind.get(kind)[0].add(level, Math.max(l.getDouble("p50"), MIN_MS));
        byKind.get(kind)[1].add(level, Math.max(l.getDouble("p99"), MIN_MS));
      }
    }
    if (open) {
      tput.addSeries(offered);
    }
    tput.addSeries(achieved);
    tput.addSeries(okRps);
    tput.addSeries(imagesPerS);
    JFreeChart tp = ChartFactory.createXYLineChart("Throughput vs " + (open ? "offered rate" : "concurrency"),
        levelName, "per second", tput, PlotOrientation.VERTICAL, true, false, false);
    style(tp, true);
    save(tp, dir, THROUGHPUT_VS_OFFERED, files);

    XYSeriesCollection lat = new XYSeriesCollection();
    for (XYSeries[] pair : byKind.values()) {
      lat.addSeries(pair[0]);
      lat.addSeries(pair[1]);
    }
    JFreeChart lp = ChartFactory.createXYLineChart("Latency by request kind vs " + (open ? "offered rate" : "concurrency"),
        levelName, "latency (ms, log scale; dashed: p99)", lat, PlotOrientation.VERTICAL, true, false, false);
    style(lp, true);
    XYLineAndShapeRenderer r = (XYLineAndShapeRenderer) ((XYPlot) lp.getPlot()).getRenderer();
    for (int i = 0; i < lat.getSeriesCount(); i++) {
      r.setSeriesPaint(i, COLORS[(i / 2) % COLORS.length]);
      r.setSeriesStroke(i, i % 2 == 0 ? new BasicStroke(2f)
          : new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
    }
    logLatencyAxis(lp);
    save(lp, dir, LATENCY_VS_OFFERED, files);
    return files;
  }

  private static void style(JFreeChart chart, boolean shapes) {
    XYPlot plot = (XYPlot) chart.getPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdddddd));
    plot.setRangeGridlinePaint(new Color(0xdddddd));
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, shapes);
    for (int i = 0; i < plot.getDataset().getSeriesCount(); i++) {
      r.setSeriesPaint(i, COLORS[i % COLORS.length]);
      r.setSeriesStroke(i, new BasicStroke(2f));
    }
    plot.setRenderer(r);
  }

  /** Latencies span milliseconds (estimates) to tens of seconds (creates until succeeded). */
  private static void logLatencyAxis(JFreeChart chart) {
    XYPlot plot = (XYPlot) chart.getPlot();
    LogAxis axis = new LogAxis(plot.getRangeAxis().getLabel());
    axis.setSmallestValue(MIN_MS);
    // One labelled tick per power of ten (log-space unit 1), rather than 15,848.9-style labels.
    axis.setTickUnit(new NumberTickUnit(1.0, new java.text.DecimalFormat("#,##0.#")));
    axis.setNumberFormatOverride(new java.text.DecimalFormat("#,##0.#"));
    axis.setMinorTickCount(9);
    axis.setMinorTickMarksVisible(true);
    axis.setLabelFont(plot.getRangeAxis().getLabelFont());
    plot.setRangeAxis(axis);
  }

  private static void save(JFreeChart chart, Path dir, String name, List<String> files) throws IOException {
    ChartUtils.saveChartAsPNG(dir.resolve(name).toFile(), chart, 900, 450);
    files.add(name);
  }
}
