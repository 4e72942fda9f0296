package com.aurous.server.model.lora;

import java.util.Locale;

/**
 * Mean colour statistics of RGB pictures: HSV saturation (0..1), Rec. 709 relative luminance
 * (0..1) and its standard deviation (contrast), the share of pixels darker than 0.1, and the mean
 * saturation of the pixels brighter than 0.5 (HSV value): how vivid what shines is.
 */
public record PictureStats(double saturation, double luminance, double contrast, double darkShare,
    double brightSaturation) {

  public static PictureStats of(byte[] rgb) {
    int n = rgb.length / 3;
    double sat = 0;
    double lum = 0;
    double lum2 = 0;
    int dark = 0;
    double brightSat = 0;
    int bright = 0;
    for (int i = 0; i < n; i++) {
      double r = (rgb[3 * i] & 0xFF) / 255.0;
      double g = (rgb[3 * i + 1] & 0xFF) / 255.0;
      double b = (rgb[3 * i + 2] & 0xFF) / 255.0;
      double max = Math.max(r, Math.max(g, b));
      double min = Math.min(r, Math.min(g, b));
      sat += max <= 0 ? 0 : (max - min) / max;
      double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      lum += y;
      lum2 += y * y;
      if (max > 0.5) {
        brightSat += (max - min) / max;
        bright++;
      }
      if (max < 0.1) {
        dark++;
      }
    }
    double ml = lum / n;
    return new PictureStats(sat / n, ml, Math.sqrt(Math.max(0, lum2 / n - ml * ml)), (double) dark / n,
        bright == 0 ? 0 : brightSat / bright);
  }

  /** The mean of several pictures' statistics. */
  public static PictureStats mean(java.util.List<PictureStats> all) {
    double s = 0;
    double l = 0;
    double c = 0;
    double d = 0;
    double bs = 0;
    for (PictureStats p : all) {
      bs += p.brightSaturation;
      s += p.saturation;
      l += p.luminance;
      c += p.contrast;
      d += p.darkShare;
    }
    int n = all.size();
    return new PictureStats(s / n, l / n, c / n, d / n, bs / n);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "saturation %.3f, luminance %.3f, contrast %.3f, dark %.3f, "
        + "bright saturation %.3f", saturation, luminance, contrast, darkShare, brightSaturation);
  }
}
