package com.aurous.server.evaluation;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import com.aurous.server.model.scenes.SceneShape;

/**
 * Aggregate scores over many images. Background, gradient, count and "all right" are shares of
 * images; object colour, shape and position are shares of all expected objects (an object the
 * evaluator could not match counts as wrong in all three).
 */
public final class EvalTally {
  private int images;
  private int objects;
  private int background;
  private int gradient;
  private int count;
  private int colors;
  private int shapes;
  private int positions;
  private int allRight;
  /** Asked shape -> what the evaluator read there (index = read shape's ordinal, last = nothing). */
  private final Map<SceneShape, int[]> shapeReadings = new EnumMap<>(SceneShape.class);

  public synchronized void add(ImageScore s) {
    for (ImageScore.ObjectVerdict v : s.objects()) {
      int[] row = shapeReadings.computeIfAbsent(v.expected().shape(),
          k -> new int[SceneShape.values().length + 1]);
      row[v.found() == null ? SceneShape.values().length : v.found().shape().ordinal()]++;
    }
    images++;
    objects += s.objects().size();
    background += s.backgroundRight() ? 1 : 0;
    gradient += s.gradientRight() ? 1 : 0;
    count += s.countRight() ? 1 : 0;
    colors += s.colorsRight();
    shapes += s.shapesRight();
    positions += s.positionsRight();
    allRight += s.allRight() ? 1 : 0;
  }

  public synchronized int images() {
    return images;
  }

  public synchronized int objects() {
    return objects;
  }

  /** Shares in [0, 1], in a fixed order: background, gradient, count, color, shape, position, all. */
  public synchronized Map<String, Double> shares() {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("background", share(background, images));
    m.put("gradient", share(gradient, images));
    m.put("count", share(count, images));
    m.put("color", share(colors, objects));
    m.put("shape", share(shapes, objects));
    m.put("position", share(positions, objects));
    m.put("all", share(allRight, images));
    return m;
  }

  public double share(String metric) {
    Double v = shares().get(metric);
    if (v == null) {
      throw new IllegalArgumentException("no metric " + metric);
    }
    return v;
  }

  /** One line, e.g. "background 98.0%  gradient 97.5%  count 85.0%  ...". */
  public String summary() {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Double> e : shares().entrySet()) {
      if (b.length() > 0) {
        b.append("  ");
      }
      b.append(e.getKey()).append(' ').append(String.format(Locale.ROOT, "%.1f%%", 100 * e.getValue()));
    }
    return b.toString();
  }

  /**
   * Which shapes miss and what they are read as, one line per asked shape, e.g.
   * "star (80): star 20%  circle 45%  square 25%  none 10%". Readings under 1% are left out.
   */
  public synchronized String shapeConfusion() {
    StringBuilder b = new StringBuilder();
    SceneShape[] shapes = SceneShape.values();
    for (Map.Entry<SceneShape, int[]> e : shapeReadings.entrySet()) {
      int[] row = e.getValue();
      int total = 0;
      for (int n : row) {
        total += n;
      }
      b.append(e.getKey().word()).append(" (").append(total).append("):");
      for (int i = 0; i < row.length; i++) {
        if (row[i] * 100 >= total) {
          b.append(String.format(Locale.ROOT, "  %s %.0f%%", i < shapes.length ? shapes[i].word() : "none",
              100.0 * row[i] / total));
        }
      }
      b.append('\n');
    }
    return b.toString();
  }

  private static double share(int right, int total) {
    return total == 0 ? 0 : right / (double) total;
  }
}
