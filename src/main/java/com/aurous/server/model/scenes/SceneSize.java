package com.aurous.server.model.scenes;

import java.util.List;

/** Object sizes: radius as a fraction of the canvas's short side. Medium is often left unspoken. */
public enum SceneSize {
  SMALL(0.10, "small", "little"),
  MEDIUM(0.15, "medium"),
  LARGE(0.21, "large", "big");

  private final double radius;
  private final List<String> words;

  SceneSize(double radius, String... words) {
    this.radius = radius;
    this.words = List.of(words);
  }

  /** Radius as a fraction of min(width, height). */
  public double radius() {
    return radius;
  }

  public String word() {
    return words.get(0);
  }

  public List<String> words() {
    return words;
  }
}
