package com.aurous.server.model.train;

/**
 * Pictures and captions the trainer learns from. Sample {@code index} is a pure function of the
 * source's seed and the index (resumable, reproducible). Pixels are float RGB in [-1, 1], NHWC.
 */
interface TrainingScenes {

  /** A crop x crop window of a scene rendered on a canvas of the size it would have at 1024-scale. */
  void crop(long index, int crop, float[] dst, int offset);

  /** The whole scene rendered at width x height; returns its caption. */
  String scene(long index, int width, int height, float[] dst, int offset);
}
