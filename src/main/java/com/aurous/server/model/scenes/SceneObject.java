package com.aurous.server.model.scenes;

/**
 * One object of a scene. {@code cx, cy} is the jittered centre as a fraction of the canvas width
 * and height (near {@link #anchor()}'s point); the radius is {@code size.radius()} times the
 * canvas's short side, so the object keeps its shape at any aspect ratio.
 */
public record SceneObject(SceneShape shape, SceneColor color, SceneSize size, Anchor anchor,
    double cx, double cy) {

  public SceneObject {
    if (shape == null || color == null || size == null || anchor == null) {
      throw new IllegalArgumentException("shape, color, size and anchor are required");
    }
  }

  /** Centre x in pixels on a width x height canvas. */
  public double centerX(int width) {
    return cx * width;
  }

  /** Centre y in pixels on a width x height canvas. */
  public double centerY(int height) {
    return cy * height;
  }

  /** Radius in pixels on a width x height canvas. */
  public double radius(int width, int height) {
    return size.radius() * Math.min(width, height);
  }
}
