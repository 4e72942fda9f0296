package com.aurous.server.model.train;

import java.nio.file.Path;

/**
 * One training run of aurous-tiny. The defaults are the run that produced the built-in weights.
 *
 * @param out run directory: checkpoints, loss log, weight files, the exported model
 * @param seed seeds the weights' initial values, the scenes and the noise
 * @param aeSteps autoencoder steps (stage 1)
 * @param aeBatch crops per autoencoder step
 * @param aeCrop crop side in pixels, cut from a 1024-scale canvas
 * @param steps denoiser + prompt encoder steps (stage 2)
 * @param batch scenes per denoiser step
 * @param canonical latent long side the denoiser trains at (32 = 1024 px)
 * @param learningRate Adam learning rate of the denoiser stage
 * @param aeLearningRate Adam learning rate of the autoencoder stage
 * @param promptDropout share of denoiser samples trained with the empty prompt (for guidance)
 * @param threads TensorFlow intra-op threads
 * @param checkpointSeconds how often a stage saves its checkpoint and the weight file
 * @param decoderSteps extra decoder-only steps after stage 2 (stage 3; 0 = none)
 * @param fixedData reuse one batch every step (the smoke test: loss must fall on it)
 * @param init a weight file to start from instead of seeded values (null = fresh): its autoencoder
 *     is kept as trained and stage 2 continues from its prompt encoder and UNet with a fresh Adam
 * @param focus how stage 2 draws its timesteps ({@link TimestepFocus#UNIFORM}: all equally often)
 * @param edgeWeight extra loss weight of latent cells on an object's edge (0 = all cells alike;
 *     see {@link VelocityObjective})
 */
public record TrainConfig(Path out, long seed, int aeSteps, int aeBatch, int aeCrop, int steps,
    int batch, int canonical, float learningRate, float aeLearningRate, double promptDropout, int threads,
    int checkpointSeconds, int decoderSteps, boolean fixedData, Path init,
    TimestepFocus focus, float edgeWeight) {

  public static final long DEFAULT_SEED = 20261203L;

  public static TrainConfig defaults(Path out) {
    return new TrainConfig(out, DEFAULT_SEED, 3000, 12, 256, 6000, 32, 32, 5e-4f, 5e-4f, 0.1, 2, 180,
        0, false, null, TimestepFocus.UNIFORM, 0f);
  }

  /** A few steps on small shapes: keeps the training path alive in CI. */
  public static TrainConfig smoke(Path out) {
    return new TrainConfig(out, 7L, 12, 2, 64, 12, 2, 8, 2e-3f, 2e-3f, 0.1, 2, 3600, 6, true, null, TimestepFocus.UNIFORM, 0f);
  }

  public TrainConfig withSteps(int ae, int denoise) {
    return new TrainConfig(out, seed, ae, aeBatch, aeCrop, denoise, batch, canonical, learningRate,
        aeLearningRate, promptDropout, threads, checkpointSeconds, decoderSteps, fixedData, init, focus, edgeWeight);
  }

  public TrainConfig withSeed(long s) {
    return new TrainConfig(out, s, aeSteps, aeBatch, aeCrop, steps, batch, canonical, learningRate,
        aeLearningRate, promptDropout, threads, checkpointSeconds, decoderSteps, fixedData, init, focus, edgeWeight);
  }

  public TrainConfig withBatch(int ae, int denoise) {
    return new TrainConfig(out, seed, aeSteps, ae, aeCrop, steps, denoise, canonical, learningRate,
        aeLearningRate, promptDropout, threads, checkpointSeconds, decoderSteps, fixedData, init, focus, edgeWeight);
  }

  public TrainConfig withThreads(int n) {
    return new TrainConfig(out, seed, aeSteps, aeBatch, aeCrop, steps, batch, canonical,
        learningRate, aeLearningRate, promptDropout, n, checkpointSeconds, decoderSteps, fixedData, init, focus, edgeWeight);
  }

  public TrainConfig withLearningRate(float lr) {
    return new TrainConfig(out, seed, aeSteps, aeBatch, aeCrop, steps, batch, canonical, lr,
        aeLearningRate, promptDropout, threads, checkpointSeconds, decoderSteps, fixedData, init, focus, edgeWeight);
  }

  public TrainConfig withDecoderSteps(int n) {
    return new TrainConfig(out, seed, aeSteps, aeBatch, aeCrop, steps, batch, canonical,
        learningRate, aeLearningRate, promptDropout, threads, checkpointSeconds, n, fixedData, init, focus, edgeWeight);
  }

  public TrainConfig withCheckpointSeconds(int s) {
    return new TrainConfig(out, seed, aeSteps, aeBatch, aeCrop, steps, batch, canonical,
        learningRate, aeLearningRate, promptDropout, threads, s, decoderSteps, fixedData, init, focus, edgeWeight);
  }

  public TrainConfig withInit(Path file) {
    return new TrainConfig(out, seed, aeSteps, aeBatch, aeCrop, steps, batch, canonical,
        learningRate, aeLearningRate, promptDropout, threads, checkpointSeconds, decoderSteps, fixedData,
        file, focus, edgeWeight);
  }

  public TrainConfig withFocus(TimestepFocus f) {
    return new TrainConfig(out, seed, aeSteps, aeBatch, aeCrop, steps, batch, canonical,
        learningRate, aeLearningRate, promptDropout, threads, checkpointSeconds, decoderSteps, fixedData,
        init, f, edgeWeight);
  }

  public TrainConfig withEdgeWeight(float e) {
    return new TrainConfig(out, seed, aeSteps, aeBatch, aeCrop, steps, batch, canonical,
        learningRate, aeLearningRate, promptDropout, threads, checkpointSeconds, decoderSteps, fixedData,
        init, focus, e);
  }
}
