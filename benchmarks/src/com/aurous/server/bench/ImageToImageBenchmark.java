package com.aurous.server.bench;

import com.aurous.server.engine.ClaimedGeneration;
import com.aurous.server.engine.EngineMetrics;
import com.aurous.server.engine.ReferenceFit;
import com.aurous.server.engine.ReferenceSource.ReferencePicture;
import com.aurous.server.engine.StepLoop;
import com.aurous.server.generation.StrengthSchedule;
import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.scenes.SceneGenerator;
import com.aurous.server.model.scenes.SceneRasterizer;
import com.aurous.server.model.tiny.AurousTinyExporter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Image-to-image at denoise_strength 0.5 against text-to-image on the built-in aurous-tiny,
 * through {@link StepLoop} directly (continuous batching on, max_batch_size 16), closed loop with
 * c generations in flight. The two kinds alternate in short windows, several rounds, order
 * flipped each round, so a machine shared with other jobs loads both alike; the figure is the
 * ratio of the summed images over summed seconds. An image-to-image generation's reference is a
 * rendered scene of the output size, already fitted (fitting runs on the worker's pool, off the
 * step loop), so its cost here is the one encode_image call plus the steps it runs.
 */
public final class ImageToImageBenchmark {
  static final double GUIDANCE = 4.3;
  static final double CFG_RESCALE = 0.7;
  static final double STRENGTH = 0.5;
  static final long BATCH_TIMEOUT_MS = 5;

  record Plan(int size, int[] steps, int concurrency, int maxBatch, int rounds, double minSeconds) {
    static final Plan FULL = new Plan(1024, new int[] {11, 20}, 8, 16, 4, Stats.envDouble("BENCH_MIN_SECONDS", 4.0));
  }

  record Window(long images, double seconds) {}

  private static final Long FAILED = Long.MIN_VALUE;

  public static void main(String[] args) throws Exception {
    benchmark(Plan.FULL);
    System.exit(0);
  }

  static void benchmark(Plan plan) throws Exception {
    int cores = Runtime.getRuntime().availableProcessors();
    Path dir = Stats.tempDir("aurous-bench-model");
    AurousTinyExporter.export(dir);
    byte[] reference = ReferenceFit.fit(new ReferencePicture(plan.size(), plan.size(),
        SceneRasterizer.render(SceneGenerator.scene(3), plan.size(), plan.size())), plan.size(), plan.size());
    List<String> lines = new ArrayList<>();
    String costs;
    try (DiffusionModel model = DiffusionModel.load(dir, "CPU:0", cores)) {
      System.out.println(Stats.f("# ImageToImageBenchmark: aurous-tiny %dx%d, ddim, guidance %.1f, cfg_rescale %.1f, "
              + "denoise_strength %.1f, c=%d, max_batch_size %d, %d rounds of >= %.1f s per kind, intra_op_threads %d",
          plan.size(), plan.size(), GUIDANCE, CFG_RESCALE, STRENGTH, plan.concurrency(), plan.maxBatch(), plan.rounds(),
          plan.minSeconds(), cores));
      costs = phaseCosts(model, plan, reference);
      for (int steps : plan.steps()) {
        int run = steps - StrengthSchedule.firstStep(steps, STRENGTH);
        // Warm-up at both kinds, unmeasured.
        window(model, plan, steps, null, 0);
        window(model, plan, steps, reference, 0);
        long textImages = 0;
        long i2iImages = 0;
        double textSeconds = 0;
        double i2iSeconds = 0;
        for (int round = 0; round < plan.rounds(); round++) {
          boolean textFirst = round % 2 == 0;
          Window a = window(model, plan, steps, textFirst ? null : reference, plan.minSeconds());
          Window b = window(model, plan, steps, textFirst ? reference : null, plan.minSeconds());
          Window text = textFirst ? a : b;
          Window i2i = textFirst ? b : a;
          textImages += text.images();
          textSeconds += text.seconds();
          i2iImages += i2i.images();
          i2iSeconds += i2i.seconds();
          System.out.println(Stats.f("  steps %2d round %d: text-to-image %6.2f img/s, image-to-image %6.2f img/s (%.2fx)",
              steps, round, text.images() / text.seconds(), i2i.images() / i2i.seconds(),
              (i2i.images() / i2i.seconds()) / (text.images() / text.seconds())));
        }
        double t = textImages / textSeconds;
        double i = i2iImages / i2iSeconds;
        lines.add(Stats.f("| %d | %d of %d | %6.2f | %6.2f | **%.2fx** | %.2fx |", steps, run, steps, t, i, i / t,
            (double) steps / run));
      }
    }
    System.out.println();
    System.out.println("RESULTS image-to-image (denoise_strength " + STRENGTH + ") vs text-to-image, images/s, "
        + plan.size() + "x" + plan.size() + ", c=" + plan.concurrency() + ", interleaved rounds");
    System.out.println("| steps | steps run (i2i) | text-to-image img/s | image-to-image img/s | i2i / t2i | steps ratio |");
    System.out.println("|---|---|---|---|---|---|");
    lines.forEach(System.out::println);
    System.out.println();
    System.out.println("RESULTS model calls per image (median of 5 interleaved rounds, at the batch the closed loop runs)");
    System.out.println("| size | one denoising step (batch of c images, cond+uncond) | decode (batch of c) | encode_image (1 reference) | encode_prompt (batch of c) |");
    System.out.println("|---|---|---|---|---|");
    System.out.println(costs);
  }

  /**
   * What one image costs in each model call, so the ratio above can be read: image-to-image saves
   * denoising steps only; decode, the prompt and its own encode_image are paid either way.
   */
  static String phaseCosts(DiffusionModel model, Plan plan, byte[] reference) {
    var m = model.manifest();
    int c = plan.concurrency();
    int h = plan.size() / m.latentDownscale();
    int n = h * h * m.latentChannels();
    int perContext = m.contextLength() * m.contextDim();
    java.util.Random r = new java.util.Random(5);
    float[] x = new float[2 * c * n];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    float[] ts = new float[2 * c];
    java.util.Arrays.fill(ts, 500f);
    float[] ctx = new float[2 * c * perContext];
    float[] latents = java.util.Arrays.copyOf(x, c * n);
    int[] tokens = new int[c * m.contextLength()];
    int rounds = 5;
    double[][] ms = new double[4][rounds];
    for (int round = 0; round < rounds; round++) {
      long t0 = System.nanoTime();
      model.denoise(x, 2 * c, h, h, ts, ctx);
      long t1 = System.nanoTime();
      model.decode(latents, c, h, h);
      long t2 = System.nanoTime();
      model.encodeImage(reference, 1, plan.size(), plan.size());
      long t3 = System.nanoTime();
      model.encodePrompt(tokens, c);
      long t4 = System.nanoTime();
      ms[0][round] = (t1 - t0) / 1e6 / c;
      ms[1][round] = (t2 - t1) / 1e6 / c;
      ms[2][round] = (t3 - t2) / 1e6;
      ms[3][round] = (t4 - t3) / 1e6 / c;
    }
    double[] med = new double[4];
    for (int k = 0; k < 4; k++) {
      java.util.Arrays.sort(ms[k]);
      med[k] = ms[k][rounds / 2];
    }
    String line = Stats.f("| %dx%d | %.1f ms | %.1f ms | %.1f ms | %.1f ms |", plan.size(), plan.size(), med[0], med[1],
        med[2], med[3]);
    System.out.println("  per image " + line);
    return line;
  }

  /**
   * One closed-loop window of one kind (reference null: text-to-image). The first c completions
   * are warm-up; the window then runs until minSeconds have passed, in whole rounds of c.
   */
  static Window window(DiffusionModel model, Plan plan, int steps, byte[] reference, double minSeconds)
      throws InterruptedException {
    LinkedBlockingQueue<Long> done = new LinkedBlockingQueue<>();
    StepLoop loop = new StepLoop(model, "ddim", plan.maxBatch(), BATCH_TIMEOUT_MS, new StepLoop.Listener() {
      @Override
      public void started(List<String> ids) {}

      @Override
      public void finished(ClaimedGeneration g, List<byte[]> rgb) {
        done.add(System.nanoTime());
      }

      @Override
      public void failed(List<String> ids, String message) {
        System.err.println("generation failed: " + message);
        done.add(FAILED);
      }
    }, new EngineMetrics());
    Thread t = new Thread(loop, "bench-i2i-loop");
    t.setDaemon(true);
    t.start();
    AtomicLong seq = new AtomicLong();
    Runnable submit = () -> {
      long n = seq.incrementAndGet();
      String prompt = "a red circle and a blue square, number " + n;
      if (reference == null) {
        loop.submit(new ClaimedGeneration("img_t2i" + n, null, prompt, null, plan.size(), plan.size(), steps, GUIDANCE,
            CFG_RESCALE, n, 1, System.currentTimeMillis(), null, List.of(), List.of()));
      } else {
        loop.submit(new ClaimedGeneration("img_i2i" + n, null, prompt, null, plan.size(), plan.size(), steps, GUIDANCE,
            CFG_RESCALE, n, 1, System.currentTimeMillis(), STRENGTH, List.of("file_bench"), List.of()),
            CompletableFuture.completedFuture(List.of(reference)));
      }
    };
    int c = plan.concurrency();
    for (int i = 0; i < c; i++) {
      submit.run();
    }
    for (int i = 0; i < c; i++) {
      take(done);
      submit.run();
    }
    long images = 0;
    long t0 = System.nanoTime();
    long last = t0;
    long minNanos = (long) (minSeconds * 1e9);
    while (minSeconds > 0 && (last - t0 < minNanos || images % c != 0 || images == 0)) {
      last = take(done);
      images++;
      submit.run();
    }
    loop.stop();
    t.join(60_000);
    return new Window(images, Math.max(1e-9, (last - t0) / 1e9));
  }

  private static long take(LinkedBlockingQueue<Long> q) throws InterruptedException {
    Long d = q.poll(300, TimeUnit.SECONDS);
    if (d == null) {
      throw new IllegalStateException("no generation finished within 300 s");
    }
    if (d.equals(FAILED)) {
      throw new IllegalStateException("a generation failed");
    }
    return d;
  }
}
