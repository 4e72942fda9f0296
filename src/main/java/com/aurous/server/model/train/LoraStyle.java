package com.aurous.server.model.train;

import java.util.Locale;

import com.aurous.server.model.scenes.Background;
import com.aurous.server.model.scenes.SceneRasterizer;

/**
 * The picture styles {@code model train-lora} teaches an adapter: a training scene is rendered as
 * usual, then re-coloured pixel by pixel; the caption stays the same, so the adapter learns "this
 * prompt, in this style".
 */
public enum LoraStyle {
  /** Colours mixed {@link #PASTEL_MIX} of the way toward white: lighter, softer. */
  PASTEL,
  /** Objects at full saturation and brightness (hue kept) on a near-black background. */
  NEON,
  /** Greyscale (Rec. 601 luma). */
  MONOCHROME;

  static final double PASTEL_MIX = 0.55;
  /** The neon background, 0xRRGGBB. */
  static final int NEON_BACKGROUND = 0x0B0B14;
  /** A pixel this far (max channel difference, 0..255) from the background is all object. */
  static final double OBJECT_EDGE = 48;

  public String slug() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static LoraStyle parse(String s) {
    for (LoraStyle v : values()) {
      if (v.slug().equals(s)) {
        return v;
      }
    }
    throw new IllegalArgumentException("unknown style '" + s + "' (pastel, neon, monochrome)");
  }

  /** Re-colours a rendered width x height RGB picture of a scene with this background, in place. */
  public void apply(byte[] rgb, int width, int height, Background background) {
    for (int y = 0; y < height; y++) {
      int bg = SceneRasterizer.backgroundRgb(background, y, height);
      for (int x = 0; x < width; x++) {
        int i = (y * width + x) * 3;
        int r = rgb[i] & 0xFF;
        int g = rgb[i + 1] & 0xFF;
        int b = rgb[i + 2] & 0xFF;
        int out = switch (this) {
          case PASTEL -> mix(r, g, b, 0xFFFFFF, PASTEL_MIX);
          case MONOCHROME -> grey(r, g, b);
          case NEON -> neon(r, g, b, bg);
        };
        rgb[i] = (byte) (out >> 16);
        rgb[i + 1] = (byte) (out >> 8);
        rgb[i + 2] = (byte) out;
      }
    }
  }

  private static int grey(int r, int g, int b) {
    int y = (int) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    return (y << 16) | (y << 8) | y;
  }

  private static int mix(int r, int g, int b, int to, double t) {
    int rr = (int) Math.round(r * (1 - t) + ((to >> 16) & 0xFF) * t);
    int gg = (int) Math.round(g * (1 - t) + ((to >> 8) & 0xFF) * t);
    int bb = (int) Math.round(b * (1 - t) + (to & 0xFF) * t);
    return (rr << 16) | (gg << 8) | bb;
  }

  /** Object coverage from the distance to the row's background colour, then glow colour over dark. */
  private static int neon(int r, int g, int b, int bg) {
    double d = Math.max(Math.abs(r - ((bg >> 16) & 0xFF)), Math.max(Math.abs(g - ((bg >> 8) & 0xFF)),
        Math.abs(b - (bg & 0xFF))));
    double cover = Math.min(1, d / OBJECT_EDGE);
    int glow = vivid(r, g, b);
    int dark = NEON_BACKGROUND;
    return mixRgb(dark, glow, cover);
  }

  /** Hue kept, saturation and value pushed to the top (achromatic colours become white). */
  private static int vivid(int r, int g, int b) {
    int max = Math.max(r, Math.max(g, b));
    int min = Math.min(r, Math.min(g, b));
    if (max - min < 24) {
      return 0xF0F0F0;
    }
    double rr = (r - min) / (double) (max - min);
    double gg = (g - min) / (double) (max - min);
    double bb = (b - min) / (double) (max - min);
    return ((int) Math.round(255 * rr) << 16) | ((int) Math.round(255 * gg) << 8)
        | (int) Math.round(255 * bb);
  }

  private static int mixRgb(int a, int b, double t) {
    return mix((a >> 16) & 0xFF, (a >> 8) & 0xFF, a & 0xFF, b, t);
  }
}
