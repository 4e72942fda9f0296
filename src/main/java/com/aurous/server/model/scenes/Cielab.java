package com.aurous.server.model.scenes;

/**
 * sRGB to CIELAB (D65) and the CIE76 difference. Lab is close enough to perceptual for naming
 * twelve well-separated colours, and it is what the generator's contrast rule is stated in.
 */
public final class Cielab {

  private static final double[] LINEAR = new double[256];

  static {
    for (int i = 0; i < 256; i++) {
      double c = i / 255.0;
      LINEAR[i] = c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }
  }

  private Cielab() {}

  /** Lab of 0xRRGGBB. */
  public static double[] fromRgb(int rgb) {
    return fromRgb((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF);
  }

  /** Lab of 8-bit sRGB channels. */
  public static double[] fromRgb(int r, int g, int b) {
    double[] out = new double[3];
    fromRgb(r, g, b, out);
    return out;
  }

  /** Lab of 8-bit sRGB channels into {@code out} (no allocation: the evaluator calls it per pixel). */
  public static void fromRgb(int r, int g, int b, double[] out) {
    double rl = LINEAR[r & 0xFF];
    double gl = LINEAR[g & 0xFF];
    double bl = LINEAR[b & 0xFF];
    double x = (0.4124564 * rl + 0.3575761 * gl + 0.1804375 * bl) / 0.95047;
    double y = 0.2126729 * rl + 0.7151522 * gl + 0.0721750 * bl;
    double z = (0.0193339 * rl + 0.1191920 * gl + 0.9503041 * bl) / 1.08883;
    double fx = f(x);
    double fy = f(y);
    double fz = f(z);
    out[0] = 116 * fy - 16;
    out[1] = 500 * (fx - fy);
    out[2] = 200 * (fy - fz);
  }

  public static double deltaE(double[] a, double[] b) {
    double dl = a[0] - b[0];
    double da = a[1] - b[1];
    double db = a[2] - b[2];
    return Math.sqrt(dl * dl + da * da + db * db);
  }

  private static double f(double t) {
    return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16.0 / 116.0;
  }
}
