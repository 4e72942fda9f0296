package com.aurous.server.model.scenes;

import java.util.List;

/**
 * The five shapes. Words: canonical singular first, then caption synonyms; plurals are formed by
 * {@link #plural(String)}. All shapes are drawn upright (triangle and star point up, square
 * axis-aligned); the evaluator does not rely on that.
 */
public enum SceneShape {
  CIRCLE(1.0, "circle", "disc"),
  SQUARE(0.8 * Math.sqrt(2), "square", "box"),
  TRIANGLE(1.0, "triangle"),
  STAR(1.0, "star"),
  RING(1.0, "ring", "donut");

  /** Half the side of a square, as a fraction of the object's radius. */
  public static final double SQUARE_HALF_SIDE = 0.8;
  /** Inner radius of a star's five notches, as a fraction of its outer radius. */
  public static final double STAR_INNER = 0.45;
  /** Inner radius of a ring, as a fraction of its outer radius. */
  public static final double RING_INNER = 0.55;

  private final double extent;
  private final List<String> words;

  SceneShape(double extent, String... words) {
    this.extent = extent;
    this.words = List.of(words);
  }

  /** Distance of the farthest point from the centre, as a multiple of the object's radius. */
  public double extent() {
    return extent;
  }

  public String word() {
    return words.get(0);
  }

  public List<String> words() {
    return words;
  }

  public static String plural(String word) {
    return word.endsWith("x") ? word + "es" : word + "s";
  }
}
