package com.aurous.server.model.scenes;

import java.util.ArrayList;
import java.util.List;

/**
 * The evaluation set: prompt i is the caption of held-out scene seed
 * {@code HELD_OUT_FIRST_SEED + i}, generated with noise seed {@code seedBase + i}. Training never
 * sees these scenes ({@link SceneGenerator} keeps training generators below the range).
 */
public final class HeldOutScenes {

  /** One evaluation case: the prompt, the noise seed to generate it with, and the scene it asks for. */
  public record Case(String caption, long seed, Scene scene) {}

  private HeldOutScenes() {}

  public static List<Case> cases(int count, long seedBase) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0");
    }
    List<Case> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Scene s = SceneGenerator.scene(SceneGenerator.HELD_OUT_FIRST_SEED + i);
      out.add(new Case(s.caption(), seedBase + i, s));
    }
    return out;
  }
}
