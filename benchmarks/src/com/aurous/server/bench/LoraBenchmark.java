package com.aurous.server.bench;

import com.aurous.server.engine.ClaimedGeneration;
import com.aurous.server.engine.ClaimedGeneration.AdapterUse;
import com.aurous.server.engine.EngineMetrics;
import com.aurous.server.engine.StepLoop;
import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.tiny.AurousTinyExporter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Per-sample multi-LoRA batching against its alternatives, interleaved round by round on one model
 * through the real StepLoop (1024x1024, default 11 DDIM steps, guidance on, max_batch_size 16):
 * <ul>
 *   <li>{@code base}: 16 generations without a LoRA, one batch;</li>
 *   <li>{@code mixed}: 16 generations, 4 each of 4 adapter mixes (neon, pastel, monochrome and a
 *       pastel 0.5 + neon 0.5 bundle), one batch (per-sample adapter slots);</li>
 *   <li>{@code grouped}: the same 16 run as 4 batches of 4, one mix each, one after another (what a
 *       server without per-sample adapters has to do).</li>
 * </ul>
 * Usage: {@code LoraBenchmark [ROUNDS]}; prints images/s per config and the ratios.
 */
public final class LoraBenchmark {

  static final List<List<AdapterUse>> MIXES = List.of(
      List.of(new AdapterUse("neon", 1.0)),
      List.of(new AdapterUse("pastel", 1.0)),
      List.of(new AdapterUse("monochrome", 1.0)),
      List.of(new AdapterUse("pastel", 0.5), new AdapterUse("neon", 0.5)));

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Path dir = Files.createTempDirectory("lora-bench");
    AurousTinyExporter.export(dir.resolve("m"));
    int threads = Runtime.getRuntime().availableProcessors();
    try (DiffusionModel model = DiffusionModel.load(dir.resolve("m"), "CPU:0", threads)) {
      System.out.printf(Locale.ROOT, "LoraBenchmark: 16 x 1024x1024, %d steps, %d intra-op threads, %d rounds + 1 warm-up%n",
          model.manifest().defaults().steps(), threads, rounds);
      double[] sum = new double[3];
      for (int r = 0; r <= rounds; r++) {
        double base = timed(model, List.of(gens("b" + r, List.of(), 16)));
        List<ClaimedGeneration> mixed = new ArrayList<>();
        for (int k = 0; k < 16; k++) {
          mixed.addAll(gens("m" + r + "_" + k, MIXES.get(k % 4), 1));
        }
        double mix = timed(model, List.of(mixed));
        List<List<ClaimedGeneration>> groups = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
          groups.add(gens("g" + r + "_" + k, MIXES.get(k), 4));
        }
        double grouped = timed(model, groups);
        System.out.printf(Locale.ROOT, "round %d%s: base %.3f img/s, mixed %.3f img/s, grouped %.3f img/s%n", r,
            r == 0 ? " (warm-up)" : "", base, mix, grouped);
        if (r > 0) {
          sum[0] += base;
          sum[1] += mix;
          sum[2] += grouped;
        }
      }
      System.out.printf(Locale.ROOT, "mean: base %.3f img/s, mixed %.3f img/s, grouped %.3f img/s%n",
          sum[0] / rounds, sum[1] / rounds, sum[2] / rounds);
      System.out.printf(Locale.ROOT, "mixed / base = %.1f%%, mixed / grouped = %.2fx%n",
          100 * sum[1] / sum[0], sum[1] / sum[2]);
    }
  }

  static List<ClaimedGeneration> gens(String prefix, List<AdapterUse> mix, int n) {
    List<ClaimedGeneration> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new ClaimedGeneration(prefix + "_" + i, "bench", "a red circle at the left and a yellow star at the right, on a blue background",
          null, 1024, 1024, 11, 4.3, 0.7, 1000 + i, 1, System.currentTimeMillis(), null, null, mix));
    }
    return out;
  }

  /** Images/s for running the batches one after another, each submitted whole to an idle loop. */
  static double timed(DiffusionModel model, List<List<ClaimedGeneration>> batches) throws Exception {
    LinkedBlockingQueue<String> done = new LinkedBlockingQueue<>();
    StepLoop loop = new StepLoop(model, "ddim", 16, 0, new StepLoop.Listener() {
      @Override
      public void started(List<String> ids) {}

      @Override
      public void finished(ClaimedGeneration g, List<byte[]> rgb) {
        done.add(g.id());
      }

      @Override
      public void failed(List<String> ids, String message) {
        throw new IllegalStateException(message);
      }
    }, new EngineMetrics());
    Thread t = new Thread(loop, "lora-bench-loop");
    t.setDaemon(true);
    t.start();
    int images = 0;
    long t0 = System.nanoTime();
    for (List<ClaimedGeneration> batch : batches) {
      // Submitted from the loop's idle state in one go: the loop drains its inbox before the first step.
      batch.forEach(loop::submit);
      for (int i = 0; i < batch.size(); i++) {
        if (done.poll(600, TimeUnit.SECONDS) == null) {
          throw new IllegalStateException("timed out");
        }
      }
      images += batch.size();
    }
    double s = (System.nanoTime() - t0) / 1e9;
    loop.stop();
    t.join(10_000);
    return images / s;
  }
}
