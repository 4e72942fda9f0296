package com.aurous.server.model.train;

import com.aurous.server.model.scenes.Scene;
import com.aurous.server.model.scenes.SceneRasterizer;

/** The training scenes of {@link SceneTrainingData}, re-coloured by a {@link LoraStyle}. */
final class StyledScenes implements TrainingScenes {

  private final SceneTrainingData scenes;
  private final LoraStyle style;

  StyledScenes(long seed, LoraStyle style) {
    this.scenes = new SceneTrainingData(seed);
    this.style = style;
  }

  @Override
  public String scene(long index, int width, int height, float[] dst, int offset) {
    Scene scene = scenes.sceneOf(index);
    byte[] px = SceneRasterizer.render(scene, width, height);
    style.apply(px, width, height, scene.background());
    SceneTrainingData.toUnit(px, dst, offset);
    return scene.caption();
  }
}
