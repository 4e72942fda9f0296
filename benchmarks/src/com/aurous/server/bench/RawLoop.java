package com.aurous.server.bench;

import com.aurous.server.engine.sampling.ClassifierFreeGuidance;
import com.aurous.server.engine.sampling.InitialNoise;
import com.aurous.server.engine.sampling.NoiseSchedule;
import com.aurous.server.engine.sampling.Sampler;
import com.aurous.server.engine.sampling.Samplers;
import com.aurous.server.generation.SeedPlan;
import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.ModelManifest;
import com.aurous.server.model.PromptTokenizer;
import com.aurous.server.output.PngWriter;

import java.util.Arrays;

/**
 * The same model calls as the engine, with nothing around them: per batch of B images,
 * encode_prompt for 2B prompts (cond + empty uncond), seeded initial noise, 11 x denoise at batch
 * 2B (cond and uncond stacked, as the engine does), CFG combine + DDIM step per image, one decode
 * at batch B, and optionally PngWriter on each image (the node's configured level).
 */
final class RawLoop {
  record Run(long images, double seconds) {
    double imagesPerSecond() {
      return images / seconds;
    }
  }

  private final DiffusionModel model;
  private final ModelManifest m;
  private final PromptTokenizer tokenizer;
  private final Sampler sampler;
  private final PngWriter png;
  private long seed;
  /** Time the last {@link #oneBatch} spent in PNG encoding, in nanoseconds. */
  long lastPngNanos;

  RawLoop(DiffusionModel model, int steps) {
    this(model, steps, pngLevel());
  }

  RawLoop(DiffusionModel model, int steps, int pngLevel) {
    this.png = new PngWriter(pngLevel);
    this.model = model;
    this.m = model.manifest();
    this.tokenizer = PromptTokenizer.of(m);
    this.sampler = Samplers.create("ddim", new NoiseSchedule(m.numTrainTimesteps(), m.betaStart(), m.betaEnd(),
        m.betaSchedule()), steps);
  }

  /** The node's own PNG level (conf/aurous.json and AUROUS_ overrides), so both sides encode alike. */
  static int pngLevel() {
    return com.aurous.server.AurousNode.loadConfig(new io.vertx.core.json.JsonObject()).integer("outputs.png_compression_level");
  }

  /** Whole batches until both minSeconds and minBatches are reached. */
  Run run(int batch, int size, boolean encodePng, double minSeconds, int minBatches, float guidance, float rescale) {
    long t0 = System.nanoTime();
    long images = 0;
    int batches = 0;
    while (batches < minBatches || System.nanoTime() - t0 < (long) (minSeconds * 1e9)) {
      images += oneBatch(batch, size, encodePng, guidance, rescale);
      batches++;
    }
    return new Run(images, (System.nanoTime() - t0) / 1e9);
  }

  int oneBatch(int b, int size, boolean encodePng, float guidance, float rescale) {
    int t = m.contextLength();
    int h = size / m.latentDownscale();
    int w = h;
    int n = h * w * m.latentChannels();
    int[] tokens = new int[2 * b * t];
    int[] empty = tokenizer.encode("");
    for (int i = 0; i < b; i++) {
      System.arraycopy(tokenizer.encode("a lighthouse on a cliff at dusk, number " + (seed + i)), 0, tokens, i * t, t);
      System.arraycopy(empty, 0, tokens, (b + i) * t, t);
    }
    float[] context = model.encodePrompt(tokens, 2 * b);
    float[] latents = new float[b * n];
    for (int i = 0; i < b; i++) {
      InitialNoise.gaussian(SeedPlan.imageSeed((seed + i) & SeedPlan.MAX_SEED, 0), latents, i * n, n);
    }
    seed += b;
    float sigma = sampler.initNoiseSigma();
    for (int k = 0; k < latents.length; k++) {
      latents[k] *= sigma;
    }
    float[] timesteps = new float[2 * b];
    for (int step = 0; step < sampler.steps(); step++) {
      float[] x = new float[2 * b * n];
      for (int i = 0; i < b; i++) {
        sampler.scaleModelInput(latents, i * n, n, step, x, i * n);
        System.arraycopy(x, i * n, x, (b + i) * n, n);
      }
      Arrays.fill(timesteps, sampler.timestep(step));
      float[] eps = model.denoise(x, 2 * b, h, w, timesteps, context);
      for (int i = 0; i < b; i++) {
        ClassifierFreeGuidance.combine(eps, i * n, eps, (b + i) * n, n, guidance, rescale, eps, i * n);
        sampler.step(latents, i * n, n, eps, i * n, step);
      }
    }
    byte[] rgb = model.decode(latents, b, h, w);
    lastPngNanos = 0;
    if (encodePng) {
      long pngStarted = System.nanoTime();
      int pixels = rgb.length / b;
      for (int i = 0; i < b; i++) {
        byte[] one = Arrays.copyOfRange(rgb, i * pixels, (i + 1) * pixels);
        if (png.encode(one, size, size).length == 0) {
          throw new IllegalStateException("empty PNG");
        }
      }
      lastPngNanos = System.nanoTime() - pngStarted;
    }
    return b;
  }
}
