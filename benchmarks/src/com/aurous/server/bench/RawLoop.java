package com.aurous.server.bench;

import com.aurous.server.evaluation.GuidedSampler;
import com.aurous.server.generation.SeedPlan;
import com.aurous.server.model.DiffusionModel;
import com.aurous.server.output.PngWriter;

import java.util.ArrayList;
import java.util.List;

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

  /** The engine's guided step loop without a server (shared with model eval). */
  private final GuidedSampler sampler;
  private final PngWriter png;
  private long seed;
  /** Time the last {@link #oneBatch} spent in PNG encoding, in nanoseconds. */
  long lastPngNanos;

  RawLoop(DiffusionModel model, int steps) {
    this(model, steps, pngLevel());
  }

  RawLoop(DiffusionModel model, int steps, int pngLevel) {
    this.png = new PngWriter(pngLevel);
    this.sampler = new GuidedSampler(model, "ddim", steps);
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
    List<String> prompts = new ArrayList<>(b);
    long[] seeds = new long[b];
    for (int i = 0; i < b; i++) {
      prompts.add("a lighthouse on a cliff at dusk, number " + (seed + i));
      seeds[i] = (seed + i) & SeedPlan.MAX_SEED;
    }
    seed += b;
    List<byte[]> images = sampler.generate(prompts, seeds, size, size, guidance, rescale);
    lastPngNanos = 0;
    if (encodePng) {
      long pngStarted = System.nanoTime();
      for (byte[] one : images) {
        if (png.encode(one, size, size).length == 0) {
          throw new IllegalStateException("empty PNG");
        }
      }
      lastPngNanos = System.nanoTime() - pngStarted;
    }
    return b;
  }
}
