package com.aurous.server.loadtest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
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
          Double v = lat.getDouble(PERCENTILES[p]);
          if (v != null) {
            overTime.getSeries(p).add(offset + i + 0.5, v);
          }
        }
      }
      offset += Math.max(series.size(), Math.ceil(stage.getDouble("duration_s")));
    }
    JFreeChart t = ChartFactory.createXYLineChart("Latency over time (from intended send time)",
        "time since the first measured second (s)" + (stages.size() > 1 ? "; dashed lines: next stage" : ""),
        "latency (ms)", overTime, PlotOrientation.VERTICAL, true, false, false);
    style(t, false);
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
    XYSeriesCollection lat = new XYSeriesCollection();
    List<XYSeries> latSeries = new ArrayList<>();
    for (String p : PERCENTILES) {
      XYSeries x = new XYSeries(p);
      latSeries.add(x);
      lat.addSeries(x);
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
      JsonObject l = stage.getJsonObject("latency_ms");
      for (int p = 0; p < PERCENTILES.length; p++) {
        Double v = l.getDouble(PERCENTILES[p]);
        if (v != null) {
          latSeries.get(p).add(level, v);
        }
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

    JFreeChart lp = ChartFactory.createXYLineChart("Latency vs " + (open ? "offered rate" : "concurrency"),
        levelName, "latency (ms)", lat, PlotOrientation.VERTICAL, true, false, false);
    style(lp, true);
    save(lp, dir, LATENCY_VS_OFFERED, files);
    return files;
  }

  private static void style(JFreeChart chart, boolean shapes) {
    XYPlot plot = (XYPlot) chart.getPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdddddd));
    plot.setRangeGridlinePaint(new Color(0xdddddd));
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, shapes);
    Color[] colors = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd)};
    for (int i = 0; i < plot.getDataset().getSeriesCount(); i++) {
      r.setSeriesPaint(i, colors[i % colors.length]);
      r.setSeriesStroke(i, new BasicStroke(2f));
    }
    plot.setRenderer(r);
  }

  private static void save(JFreeChart chart, Path dir, String name, List<String> files) throws IOException {
    ChartUtils.saveChartAsPNG(dir.resolve(name).toFile(), chart, 900, 450);
    files.add(name);
  }
}
