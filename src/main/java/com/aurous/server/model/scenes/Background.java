package com.aurous.server.model.scenes;

/**
 * A scene's background: one named colour, solid or as a vertical gradient from a lighter shade at
 * the top to a darker shade at the bottom (both derived from the one colour).
 */
public record Background(SceneColor color, boolean gradient) {

  /** How far the gradient's top is mixed toward white and its bottom toward black. */
  public static final double GRADIENT_MIX = 0.25;

  public Background {
    if (color == null) {
      throw new IllegalArgumentException("color");
    }
  }

  /** 0xRRGGBB at the top row. */
  public int top() {
    return gradient ? mix(color.rgb(), 0xFFFFFF, GRADIENT_MIX) : color.rgb();
  }

  /** 0xRRGGBB at the bottom row. */
  public int bottom() {
    return gradient ? mix(color.rgb(), 0x000000, GRADIENT_MIX) : color.rgb();
  }

  /** 0xRRGGBB at relative height t in [0, 1] (0 = top). */
  public int at(double t) {
    return gradient ? mix(top(), bottom(), t) : color.rgb();
  }

  static int mix(int a, int b, double t) {
    int r = (int) Math.round(((a >> 16) & 0xFF) * (1 - t) + ((b >> 16) & 0xFF) * t);
    int g = (int) Math.round(((a >> 8) & 0xFF) * (1 - t) + ((b >> 8) & 0xFF) * t);
    int bl = (int) Math.round((a & 0xFF) * (1 - t) + (b & 0xFF) * t);
    return (r << 16) | (g << 8) | bl;
  }
}
