package com.aurous.server.model.scenes;

/**
 * Draws a {@link Scene} as RGB bytes (row-major HWC, uint8), at any canvas size, or only a crop
 * window of that canvas (the autoencoder trains on crops of large canvases). Each pixel is
 * sampled at its centre; edges are anti-aliased from the signed distance to the shape (a 1-pixel
 * linear coverage ramp), so a crop is exactly the same bytes as that region of the full render.
 *
 * <p>Stateless and thread-safe.
 */
public final class SceneRasterizer {

  private SceneRasterizer() {}

  /** The whole width x height canvas, 3 bytes per pixel. */
  public static byte[] render(Scene scene, int width, int height) {
    return renderCrop(scene, width, height, 0, 0, width, height);
  }

  /** The window (x0, y0, w, h) of a width x height canvas, 3 bytes per pixel. */
  public static byte[] renderCrop(Scene scene, int width, int height, int x0, int y0, int w, int h) {
    byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
    renderCrop(scene, width, height, x0, y0, w, h, out, 0);
    return out;
  }

  /** As {@link #renderCrop(Scene, int, int, int, int, int, int)}, into {@code out} at {@code offset}. */
  public static void renderCrop(Scene scene, int width, int height, int x0, int y0, int w, int h,
      byte[] out, int offset) {
    if (width <= 0 || height <= 0 || w <= 0 || h <= 0 || x0 < 0 || y0 < 0 || x0 + w > width
        || y0 + h > height) {
      throw new IllegalArgumentException("crop (" + x0 + "," + y0 + "," + w + "x" + h
          + ") is not inside the " + width + "x" + height + " canvas");
    }
    if (offset < 0 || out.length - offset < (long) w * h * 3) {
      throw new IllegalArgumentException("output buffer too small");
    }
    fillBackground(scene.background(), height, y0, w, h, out, offset);
    for (SceneObject o : scene.objects()) {
      drawObject(o, width, height, x0, y0, w, h, out, offset);
    }
  }

  private static void fillBackground(Background bg, int height, int y0, int w, int h, byte[] out,
      int offset) {
    for (int y = 0; y < h; y++) {
      int rgb = backgroundRgb(bg, y0 + y, height);
      byte r = (byte) (rgb >> 16);
      byte g = (byte) (rgb >> 8);
      byte b = (byte) rgb;
      int i = offset + y * w * 3;
      for (int x = 0; x < w; x++, i += 3) {
        out[i] = r;
        out[i + 1] = g;
        out[i + 2] = b;
      }
    }
  }

  /** 0xRRGGBB of the background in canvas row y of a canvas {@code height} rows tall. */
  public static int backgroundRgb(Background bg, int y, int height) {
    int top = bg.top();
    int bottom = bg.bottom();
    double t = (y + 0.5) / height;
    int r = (int) Math.round(lerp((top >> 16) & 0xFF, (bottom >> 16) & 0xFF, t));
    int g = (int) Math.round(lerp((top >> 8) & 0xFF, (bottom >> 8) & 0xFF, t));
    int b = (int) Math.round(lerp(top & 0xFF, bottom & 0xFF, t));
    return (r << 16) | (g << 8) | b;
  }

  private static void drawObject(SceneObject o, int width, int height, int x0, int y0, int w,
      int h, byte[] out, int offset) {
    double cx = o.centerX(width);
    double cy = o.centerY(height);
    double r = o.radius(width, height);
    double reach = r * o.shape().extent() + 2;
    int xs = Math.max(x0, (int) Math.floor(cx - reach));
    int xe = Math.min(x0 + w, (int) Math.ceil(cx + reach));
    int ys = Math.max(y0, (int) Math.floor(cy - reach));
    int ye = Math.min(y0 + h, (int) Math.ceil(cy + reach));
    if (xs >= xe || ys >= ye) {
      return;
    }
    int rgb = o.color().rgb();
    int cr = (rgb >> 16) & 0xFF;
    int cg = (rgb >> 8) & 0xFF;
    int cb = rgb & 0xFF;
    double[] poly = polygon(o.shape(), r);
    for (int y = ys; y < ye; y++) {
      double py = y + 0.5 - cy;
      int i = offset + ((y - y0) * w + (xs - x0)) * 3;
      for (int x = xs; x < xe; x++, i += 3) {
        double px = x + 0.5 - cx;
        double d = distance(o.shape(), px, py, r, poly);
        double a = 0.5 - d;
        if (a <= 0) {
          continue;
        }
        if (a >= 1) {
          out[i] = (byte) cr;
          out[i + 1] = (byte) cg;
          out[i + 2] = (byte) cb;
        } else {
          out[i] = blend(out[i], cr, a);
          out[i + 1] = blend(out[i + 1], cg, a);
          out[i + 2] = blend(out[i + 2], cb, a);
        }
      }
    }
  }

  /** Signed distance in pixels from (px, py) (relative to the centre, y down) to the shape. */
  static double distance(SceneShape shape, double px, double py, double r, double[] poly) {
    switch (shape) {
      case CIRCLE:
        return Math.hypot(px, py) - r;
      case RING: {
        double inner = r * SceneShape.RING_INNER;
        return Math.abs(Math.hypot(px, py) - (r + inner) / 2) - (r - inner) / 2;
      }
      case SQUARE: {
        double b = r * SceneShape.SQUARE_HALF_SIDE;
        double qx = Math.abs(px) - b;
        double qy = Math.abs(py) - b;
        double outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
        return outside + Math.min(Math.max(qx, qy), 0);
      }
      default:
        return polygonDistance(poly, px, py);
    }
  }

  /** Vertices (x0, y0, x1, y1, ...) of the triangle or star, or null for the other shapes. */
  static double[] polygon(SceneShape shape, double r) {
    int points;
    double inner;
    if (shape == SceneShape.TRIANGLE) {
      points = 3;
      inner = -1;
    } else if (shape == SceneShape.STAR) {
      points = 5;
      inner = SceneShape.STAR_INNER;
    } else {
      return null;
    }
    int n = inner < 0 ? points : points * 2;
    double[] v = new double[n * 2];
    for (int k = 0; k < n; k++) {
      double angle = -Math.PI / 2 + 2 * Math.PI * k / n;
      double rad = inner < 0 || k % 2 == 0 ? r : r * inner;
      v[2 * k] = rad * Math.cos(angle);
      v[2 * k + 1] = rad * Math.sin(angle);
    }
    return v;
  }

  /** Exact signed distance to a simple polygon (negative inside); after Inigo Quilez. */
  private static double polygonDistance(double[] v, double px, double py) {
    int n = v.length / 2;
    double dx0 = px - v[0];
    double dy0 = py - v[1];
    double d = dx0 * dx0 + dy0 * dy0;
    double s = 1;
    for (int i = 0, j = n - 1; i < n; j = i, i++) {
      double vix = v[2 * i];
      double viy = v[2 * i + 1];
      double ex = v[2 * j] - vix;
      double ey = v[2 * j + 1] - viy;
      double wx = px - vix;
      double wy = py - viy;
      double t = (wx * ex + wy * ey) / (ex * ex + ey * ey);
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      double bx = wx - ex * t;
      double by = wy - ey * t;
      d = Math.min(d, bx * bx + by * by);
      boolean c1 = py >= viy;
      boolean c2 = py < v[2 * j + 1];
      boolean c3 = ex * wy > ey * wx;
      if ((c1 && c2 && c3) || (!c1 && !c2 && !c3)) {
        s = -s;
      }
    }
    return s * Math.sqrt(d);
  }

  private static double lerp(double a, double b, double t) {
    return a + (b - a) * t;
  }

  private static byte blend(byte under, int over, double a) {
    return (byte) Math.round((under & 0xFF) * (1 - a) + over * a);
  }
}
