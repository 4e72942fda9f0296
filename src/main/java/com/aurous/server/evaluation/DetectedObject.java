package com.aurous.server.evaluation;

import com.aurous.server.model.scenes.Anchor;
import com.aurous.server.model.scenes.SceneColor;
import com.aurous.server.model.scenes.SceneShape;

/**
 * One foreground component the evaluator found: its dominant colour, classified shape, nearest
 * anchor, centroid as a fraction of width / height, area in pixels, and the measurements the
 * shape was classified from.
 */
public record DetectedObject(SceneColor color, SceneShape shape, Anchor anchor, double cx,
    double cy, int area, ShapeFeatures features) {

  /**
   * {@code holeFraction}: enclosed background / filled area (a ring's hole is 0.30);
   * {@code solidity}: area / convex-hull area (a star's is 0.56, convex shapes ~1);
   * {@code compactness}: filled area / (pi * max radius^2) (circle 1, square 0.64, triangle 0.41);
   * {@code corners}: peaks of the polar radius profile (circle 0, triangle 3, square 4, star 5).
   */
  public record ShapeFeatures(double holeFraction, double solidity, double compactness,
      int corners) {}
}
