package com.aurous.server.model.scenes;

import java.util.List;

/**
 * The twelve named colours of the scene vocabulary (sRGB). The first word is the canonical name
 * the evaluator reports; the others are caption synonyms the generator sometimes uses instead.
 */
public enum SceneColor {
  RED(0xD62828, "red"),
  ORANGE(0xF77F00, "orange"),
  YELLOW(0xFCD639, "yellow"),
  GREEN(0x2A9D3F, "green"),
  BLUE(0x1D4ED8, "blue"),
  PURPLE(0x7B2CBF, "purple", "violet"),
  PINK(0xF472B6, "pink"),
  BROWN(0x8B5A2B, "brown"),
  BLACK(0x111111, "black"),
  WHITE(0xF5F5F5, "white"),
  GRAY(0x808080, "gray", "grey"),
  CYAN(0x22C3E6, "cyan", "teal", "turquoise");

  private final int rgb;
  private final List<String> words;
  private final double[] lab;

  SceneColor(int rgb, String... words) {
    this.rgb = rgb;
    this.words = List.of(words);
    this.lab = Cielab.fromRgb(rgb);
  }

  /** 0xRRGGBB. */
  public int rgb() {
    return rgb;
  }

  /** The canonical name, e.g. "gray". */
  public String word() {
    return words.get(0);
  }

  /** Canonical name first, then caption synonyms. */
  public List<String> words() {
    return words;
  }

  /** CIELAB (D65) of {@link #rgb()}; a fresh copy. */
  public double[] lab() {
    return lab.clone();
  }

  /** CIE76 colour difference between this colour and a CIELAB triple. */
  public double deltaE(double[] otherLab) {
    return Cielab.deltaE(lab, otherLab);
  }
}
