package com.aurous.server.generation;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named size presets and the snapping rule for custom dimensions.
 *
 * <p>{@code <tier>_<w>_<h>} presets put the long side at 2048 (2k) or 4096 (4k) and the short
 * side at long * ratio, rounded to the nearest multiple of 32. The create page's older names are
 * aliases: square 1024x1024, landscape 1536x1024, portrait 1024x1536, hd_square 2048x2048
 * (= 2k_1_1), hd_landscape 2048x1152 (= 2k_16_9), hd_portrait 1152x2048 (= 2k_9_16).
 */
public final class ImageSizes {
  public static final int MULTIPLE = 32;
  public static final int MIN_CUSTOM = 1024;
  public static final int MAX_CUSTOM = 4096;

  public record Size(int width, int height) {
    public int longSide() {
      return Math.max(width, height);
    }
  }

  private static final Map<String, Size> PRESETS = buildPresets();

  private ImageSizes() {}

  private static Map<String, Size> buildPresets() {
    Map<String, Size> m = new LinkedHashMap<>();
    int[][] ratios = {{1, 1}, {3, 2}, {2, 3}, {4, 3}, {3, 4}, {16, 9}, {9, 16}, {21, 9}};
    for (String tier : new String[] {"2k", "4k"}) {
      int longSide = tier.equals("2k") ? 2048 : 4096;
      for (int[] r : ratios) {
        int w = r[0] >= r[1] ? longSide : snap((double) longSide * r[0] / r[1]);
        int h = r[1] >= r[0] ? longSide : snap((double) longSide * r[1] / r[0]);
        m.put(tier + "_" + r[0] + "_" + r[1], new Size(w, h));
      }
    }
    m.put("square", new Size(1024, 1024));
    m.put("landscape", new Size(1536, 1024));
    m.put("portrait", new Size(1024, 1536));
    m.put("hd_square", m.get("2k_1_1"));
    m.put("hd_landscape", m.get("2k_16_9"));
    m.put("hd_portrait", m.get("2k_9_16"));
    return Collections.unmodifiableMap(m);
  }

  public static Map<String, Size> presets() {
    return PRESETS;
  }

  public static Size preset(String name) {
    return PRESETS.get(name);
  }

  /** Nearest multiple of 32 (halves round up), as the estimate page's custom dimensions are. */
  public static int snap(double pixels) {
    return (int) Math.floor(pixels / MULTIPLE + 0.5) * MULTIPLE;
  }
}
