package com.aurous.server.model.scenes;

import java.util.List;

/**
 * The five position anchors, as fractions of the canvas width (x) and height (y), so they mean
 * the same thing at every aspect ratio. Phrases are the caption's ways of saying the position.
 */
public enum Anchor {
  LEFT(0.25, 0.5, "on the left", "at the left"),
  RIGHT(0.75, 0.5, "on the right", "at the right"),
  TOP(0.5, 0.25, "at the top", "near the top"),
  BOTTOM(0.5, 0.75, "at the bottom", "near the bottom"),
  CENTER(0.5, 0.5, "in the center", "in the middle");

  private final double x;
  private final double y;
  private final List<String> phrases;

  Anchor(double x, double y, String... phrases) {
    this.x = x;
    this.y = y;
    this.phrases = List.of(phrases);
  }

  public double x() {
    return x;
  }

  public double y() {
    return y;
  }

  /** The canonical word the evaluator reports: "left", "right", "top", "bottom", "center". */
  public String word() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public List<String> phrases() {
    return phrases;
  }

  /** The anchor nearest to a canvas-relative point (x / width, y / height). */
  public static Anchor nearest(double rx, double ry) {
    Anchor best = CENTER;
    double bestD = Double.MAX_VALUE;
    for (Anchor a : values()) {
      double dx = rx - a.x;
      double dy = ry - a.y;
      double d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        best = a;
      }
    }
    return best;
  }
}
