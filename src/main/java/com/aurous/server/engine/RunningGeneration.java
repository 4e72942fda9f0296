package com.aurous.server.engine;

import com.aurous.server.engine.sampling.Sampler;
import com.aurous.server.model.lora.AdapterLibrary;

import java.util.ArrayList;
import java.util.List;

/** A claimed generation inside the step loop: its prompt contexts, its samples, its decoded images. */
final class RunningGeneration {
  final ClaimedGeneration claim;
  final Sampler sampler;
  final int latentH;
  final int latentW;
  final String bucket;
  /** Its LoRA mix as the adapter library names it (empty: the base model). */
  final List<AdapterLibrary.Weighted> adapters;
  final List<RunningSample> samples = new ArrayList<>();
  final byte[][] images;
  float[] condContext;
  float[] uncondContext;
  /**
   * Image-to-image: the index of the first step its samples run (0 for text-to-image, the
   * sampler's steps when none runs), and its references fitted to the output size, encoded once
   * at admission.
   */
  int firstStep;
  List<byte[]> references = List.of();
  /** The mean of the references' latents: the clean sample image-to-image noises and denoises. */
  float[] referenceLatent;
  boolean started;
  int finishedSamples;
  int reportedStep;

  RunningGeneration(ClaimedGeneration claim, Sampler sampler, int latentH, int latentW) {
    this(claim, sampler, latentH, latentW, false);
  }

  /**
   * @param bucketByAdapters the model takes one adapter mix per call, so only generations with the
   *     same mix may share a step
   */
  RunningGeneration(ClaimedGeneration claim, Sampler sampler, int latentH, int latentW,
      boolean bucketByAdapters) {
    this.claim = claim;
    this.sampler = sampler;
    this.latentH = latentH;
    this.latentW = latentW;
    List<AdapterLibrary.Weighted> mix = new ArrayList<>();
    for (ClaimedGeneration.AdapterUse a : claim.adapters()) {
      mix.add(new AdapterLibrary.Weighted(a.name(), a.weight()));
    }
    this.adapters = List.copyOf(mix);
    this.bucket = latentW + "x" + latentH + (bucketByAdapters && !mix.isEmpty() ? " " + mix : "");
    this.images = new byte[claim.imageCount()][];
  }

  int stepsReached() {
    int min = Integer.MAX_VALUE;
    for (RunningSample s : samples) {
      min = Math.min(min, s.step);
    }
    return samples.isEmpty() ? 0 : min;
  }

  /** Steps each sample actually runs: what progress counts. */
  int stepsToRun() {
    return sampler.steps() - firstStep;
  }

  boolean allStepsDone() {
    return finishedSamples == samples.size();
  }
}
