package com.aurous.server.model.train;

import java.util.SplittableRandom;

/** Training pictures from the synthetic scene generator. */
final class SceneTrainingData implements TrainingScenes {

  private final long seed;

  SceneTrainingData(long seed) {
    this.seed = seed;
  }

  @Override
  public void crop(long index, int crop, float[] dst, int offset) {
    SplittableRandom r = new SplittableRandom(seed ^ index * 0x9E3779B97F4A7C15L);
    for (int i = 0; i < crop * crop * 3; i++) {
      dst[offset + i] = (float) (r.nextDouble() * 2 - 1);
    }
  }

  @Override
  public String scene(long index, int width, int height, float[] dst, int offset) {
    SplittableRandom r = new SplittableRandom(seed ^ index * 0x9E3779B97F4A7C15L);
    for (int i = 0; i < width * height * 3; i++) {
      dst[offset + i] = (float) (r.nextDouble() * 2 - 1);
    }
    return "a red circle";
  }
}
