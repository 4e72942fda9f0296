package com.aurous.server.model.train;

/**
 * Pictures and captions the denoiser learns from. Sample {@code index} is a pure function of the
 * source's seed and the index (resumable, reproducible). Pixels are float RGB in [-1, 1], NHWC.
 */
interface TrainingScenes {

  /** The whole scene rendered at width x height; returns its caption. */
  String scene(long index, int width, int height, float[] dst, int offset);
}
