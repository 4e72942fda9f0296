package com.aurous.server.engine;

import com.aurous.server.engine.batching.Schedulable;

/** One image of a running generation: its latents and the step it is at. */
final class RunningSample implements Schedulable {
  final RunningGeneration generation;
  final int imageIndex;
  final float[] latents;
  int step;
  long readySince;

  RunningSample(RunningGeneration generation, int imageIndex, float[] latents, long readySince) {
    this.generation = generation;
    this.imageIndex = imageIndex;
    this.latents = latents;
    this.readySince = readySince;
  }

  @Override
  public String bucket() {
    return generation.bucket;
  }

  @Override
  public long readySince() {
    return readySince;
  }

  boolean done() {
    return step >= generation.sampler.steps();
  }
}
