package com.aurous.server.bench;

import com.aurous.server.engine.ClaimedGeneration;
import com.aurous.server.engine.EngineMetrics;
import com.aurous.server.engine.StepLoop;
import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.tiny.AurousTinyExporter;
import org.HdrHistogram.Histogram;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives {@link StepLoop} directly on the built-in aurous-tiny, closed loop: exactly c
 * generations in flight, a new one submitted as soon as one finishes. Every (size, c) is run with
 * continuous batching (max_batch_size 16) and without (max_batch_size 1) back to back, in
 * alternating order, so both see the same machine; the ratio is the figure to read.
 */
public final class EngineBenchmark {
  static final int STEPS = 11;
  static final double GUIDANCE = 4.3;
  static final double CFG_RESCALE = 0.7;
  static final long BATCH_TIMEOUT_MS = 5;
  static final double MIN_SECONDS = Stats.envDouble("BENCH_MIN_SECONDS", 3.0);

  /**
   * What one run covers: the sizes and concurrencies measured, the batch of the warm-up and of
   * the "batched" side, and the shortest measured window. {@link #FULL} is the published run;
   * BenchmarkSmokeTest runs the same path with a tiny plan.
   */
  record Plan(int[] sizes, int[] concurrencies, int maxBatch, double minSeconds) {
    static final Plan FULL = new Plan(new int[] {512, 1024}, new int[] {1, 4, 16}, 16, MIN_SECONDS);
  }

  record Done(String id, long nanos, boolean ok) {}

  record Result(int size, int concurrency, int maxBatch, long images, double seconds, Histogram queueWait,
      Histogram step, Histogram batch, Histogram latency) {
    double imagesPerSecond() {
      return images / seconds;
    }
  }

  public static void main(String[] args) throws Exception {
    benchmark(Plan.FULL);
    System.exit(0);
  }

  static void benchmark(Plan plan) throws Exception {
    int cores = Runtime.getRuntime().availableProcessors();
    Path dir = Stats.tempDir("aurous-bench-model");
    AurousTinyExporter.export(dir);
    int[] sizes = plan.sizes();
    int[] concurrencies = plan.concurrencies();
    int big = plan.maxBatch();
    double minSeconds = plan.minSeconds();
    List<String> lines = new ArrayList<>();
    List<String> scaling = new ArrayList<>();
    try (DiffusionModel model = DiffusionModel.load(dir, "CPU:0", cores)) {
      System.out.println(Stats.f("# EngineBenchmark: aurous-tiny, %d steps, guidance %.1f, cfg_rescale %.1f, ddim, "
          + "intra_op_threads %d, batch_timeout %d ms, min %.1f s per config", STEPS, GUIDANCE, CFG_RESCALE, cores,
          BATCH_TIMEOUT_MS, minSeconds));
      for (int size : sizes) {
        // Warm TensorFlow up at this size (allocator, kernels) at both batch shapes used below.
        run(model, size, 1, 1, 0, 2);
        run(model, size, big, big, 0, big);
        scaling.add(denoiseScaling(model, size));
        boolean batchedFirst = true;
        for (int c : concurrencies) {
          Result a;
          Result b;
          if (batchedFirst) {
            a = run(model, size, c, big, minSeconds, 2 * c + 8);
            b = run(model, size, c, 1, minSeconds, 2 * c + 8);
          } else {
            b = run(model, size, c, 1, minSeconds, 2 * c + 8);
            a = run(model, size, c, big, minSeconds, 2 * c + 8);
          }
          batchedFirst = !batchedFirst;
          print(a);
          print(b);
          lines.add(Stats.f("| %4dx%-4d | %2d | %6.2f | %6.2f | **%.2fx** | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f |",
              size, size, c, a.imagesPerSecond(), b.imagesPerSecond(), a.imagesPerSecond() / b.imagesPerSecond(),
              Stats.ms(a.queueWait, 50), Stats.ms(a.queueWait, 99), Stats.ms(b.queueWait, 50), Stats.ms(b.queueWait, 99),
              Stats.ms(a.step, 50), Stats.ms(a.step, 99), Stats.ms(b.step, 50), Stats.ms(b.step, 99),
              a.batch.getMean(), b.batch.getMean()));
        }
      }
    }
    System.out.println();
    System.out.println("RESULTS denoise call alone (the model, no engine): ms per sample at each batch; "
        + "batching can only pay where this falls as the batch grows");
    System.out.println("| size | batch 2 (1 image, cond+uncond) | batch 8 (4 images) | batch 32 (16 images) | batch 32 vs batch 2 |");
    System.out.println("|---|---|---|---|---|");
    scaling.forEach(System.out::println);
    System.out.println();
    System.out.println("RESULTS engine (images/s; batched = max_batch_size 16, unbatched = max_batch_size 1; "
        + "queue wait = submit to first step; step = one batched denoise call)");
    System.out.println("| size | c | batched img/s | unbatched img/s | batched/unbatched | queue wait p50/p99 ms (batched) | "
        + "queue wait p50/p99 ms (unbatched) | step p50/p99 ms (batched) | step p50/p99 ms (unbatched) | mean batch (b / u) |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    lines.forEach(System.out::println);
  }

  /**
   * Times model.denoise alone at 2, 8 and 32 samples (1, 4, 16 images with CFG), interleaved over
   * a few rounds so machine noise hits every batch size alike; the figure is the median per sample.
   */
  static String denoiseScaling(DiffusionModel model, int size) {
    var m = model.manifest();
    int h = size / m.latentDownscale();
    int n = h * h * m.latentChannels();
    int perContext = m.contextLength() * m.contextDim();
    int[] batches = {2, 8, 32};
    int rounds = 5;
    double[][] perSample = new double[batches.length][rounds];
    java.util.Random r = new java.util.Random(7);
    for (int round = 0; round < rounds; round++) {
      for (int k = 0; k < batches.length; k++) {
        int b = batches[k];
        float[] x = new float[b * n];
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) r.nextGaussian();
        }
        float[] ts = new float[b];
        java.util.Arrays.fill(ts, 500f);
        float[] ctx = new float[b * perContext];
        long t0 = System.nanoTime();
        model.denoise(x, b, h, h, ts, ctx);
        perSample[k][round] = (System.nanoTime() - t0) / 1e6 / b;
      }
    }
    double[] med = new double[batches.length];
    for (int k = 0; k < batches.length; k++) {
      java.util.Arrays.sort(perSample[k]);
      med[k] = perSample[k][rounds / 2];
    }
    String line = Stats.f("| %4dx%-4d | %.2f ms | %.2f ms | %.2f ms | %.2fx the cost per sample |", size, size, med[0], med[1],
        med[2], med[2] / med[0]);
    System.out.println("  denoise per sample " + line);
    return line;
  }

  static void print(Result r) {
    System.out.println(Stats.f("  %4dx%-4d c=%-2d max_batch=%-2d  %4d images in %6.2f s = %6.2f img/s | "
            + "queue wait p50 %7.1f p99 %7.1f ms | step p50 %6.1f p99 %6.1f ms (mean batch %4.1f) | "
            + "latency p50 %7.1f p99 %7.1f ms",
        r.size, r.size, r.concurrency, r.maxBatch, r.images, r.seconds, r.imagesPerSecond(),
        Stats.ms(r.queueWait, 50), Stats.ms(r.queueWait, 99), Stats.ms(r.step, 50), Stats.ms(r.step, 99),
        r.batch.getMean(), Stats.ms(r.latency, 50), Stats.ms(r.latency, 99)));
  }

  /**
   * One closed-loop config. The first c completions (at least) are warm-up; then metrics are
   * reset and the window runs from that completion until both minSeconds have passed and
   * minImages more have finished, rounded up to a whole multiple of c. The loop is stopped with its last c generations unfinished.
   */
  static Result run(DiffusionModel model, int size, int c, int maxBatch, double minSeconds, int minImages)
      throws InterruptedException {
    LinkedBlockingQueue<Done> done = new LinkedBlockingQueue<>();
    EngineMetrics metrics = new EngineMetrics();
    StepLoop loop = new StepLoop(model, "ddim", maxBatch, BATCH_TIMEOUT_MS, new StepLoop.Listener() {
      @Override
      public void started(List<String> ids) {}

      @Override
      public void finished(ClaimedGeneration g, List<byte[]> rgb) {
        done.add(new Done(g.id(), System.nanoTime(), true));
      }

      @Override
      public void failed(List<String> ids, String message) {
        ids.forEach(id -> done.add(new Done(id, System.nanoTime(), false)));
        System.err.println("generation failed: " + message);
      }
    }, metrics);
    Thread t = new Thread(loop, "bench-step-loop");
    t.setDaemon(true);
    t.start();
    Map<String, Long> submittedAt = new ConcurrentHashMap<>();
    AtomicLong seq = new AtomicLong();
    Runnable submit = () -> {
      long n = seq.incrementAndGet();
      String id = "img_bench" + n;
      submittedAt.put(id, System.nanoTime());
      loop.submit(new ClaimedGeneration(id, "team_bench", "a lighthouse on a cliff at dusk, number " + n, null, size, size,
          STEPS, GUIDANCE, CFG_RESCALE, n & 0xffffffffL, 1, System.currentTimeMillis(), null, null, null));
    };
    for (int i = 0; i < c; i++) {
      submit.run();
    }
    int warmup = Math.max(c, 2);
    for (int i = 0; i < warmup; i++) {
      take(done);
      submit.run();
    }
    if (minSeconds <= 0) {
      loop.stop();
      t.join(60_000);
      return null;
    }
    metrics.reset();
    Histogram latency = Stats.micros();
    long t0 = System.nanoTime();
    long last = t0;
    long images = 0;
    long minNanos = (long) (minSeconds * 1e9);
    // Whole rounds of c: closed-loop batches finish in bursts of c, so a window cut mid-burst
    // would count a burst's time without all of its images (and understate batching).
    while (images < minImages || last - t0 < minNanos || images % c != 0) {
      Done d = take(done);
      images++;
      last = d.nanos();
      latency.recordValue((d.nanos() - submittedAt.remove(d.id())) / 1000);
      submit.run();
    }
    // Copy the histograms before the loop stops so nothing after the window is counted.
    Histogram qw = metrics.queueWaitMicros().copy();
    Histogram st = metrics.stepMicros().copy();
    Histogram bs = metrics.batchSize().copy();
    loop.stop();
    t.join(60_000);
    return new Result(size, c, maxBatch, images, (last - t0) / 1e9, qw, st, bs, latency);
  }

  private static Done take(LinkedBlockingQueue<Done> q) throws InterruptedException {
    Done d = q.poll(300, TimeUnit.SECONDS);
    if (d == null) {
      throw new IllegalStateException("no generation finished within 300 s");
    }
    if (!d.ok()) {
      throw new IllegalStateException("generation " + d.id() + " failed");
    }
    return d;
  }
}
