package com.aurous.server.bench;

import com.aurous.server.engine.EngineMetrics;
import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.tiny.AurousTinyExporter;
import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The whole server against a raw loop over the same model calls, in one JVM. Per batch size B a
 * real node (embedded PostgreSQL, HTTP on 127.0.0.1) runs with max_batch_size = max_running = B;
 * 16 client threads each loop POST /v1/images (1024x1024, 11 steps) -> learn it succeeded -> GET
 * the PNG. Clients learn of completion in one of two ways, each measured: "webhook" (the create
 * carries a webhook_url on a receiver in this JVM; the signed image.completed delivery wakes the
 * client, as a latency-sensitive client of this API would do it) and "poll" (GET every 20 ms). The raw loop (see {@link RawLoop}) runs at batch B without and with
 * PNG encoding, once before and once after the server (in mirrored order), on a second copy of
 * the same model; its figure is the total over both.
 */
public final class ServerBenchmark {
  static final int CONCURRENCY = 16;
  static final int SIZE = 1024;
  static final int STEPS = 11;
  static final double GUIDANCE = 4.3;
  static final double CFG_RESCALE = 0.7;
  static final double MIN_SECONDS = Stats.envDouble("BENCH_MIN_SECONDS", 3.0);
  static final long POLL_MS = (long) Stats.envDouble("BENCH_POLL_MS", 20);
  static final java.util.Map<String, java.util.concurrent.CompletableFuture<Void>> COMPLETIONS =
      new java.util.concurrent.ConcurrentHashMap<>();

  record Done(long nanos, long latencyMicros, String error) {}

  record ServerRun(int batch, long images, double seconds, Histogram latency, Histogram queueWait, Histogram step,
      Histogram batchSize) {
    double imagesPerSecond() {
      return images / seconds;
    }
  }

  /**
   * What one run covers: the batch sizes B, how clients learn of completion, how many clients,
   * steps per image and the shortest measured window. main runs the published plan (changed
   * through BENCH_*); BenchmarkSmokeTest runs the same path with a tiny one.
   */
  record Plan(int[] batches, List<String> modes, int concurrency, int steps, double minSeconds) {
    static Plan fromEnvironment() {
      String only = System.getenv("BENCH_BATCHES");
      int[] batches = only == null || only.isBlank() ? new int[] {8, 16}
          : java.util.Arrays.stream(only.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
      String modesEnv = System.getenv("BENCH_MODES");
      List<String> modes = modesEnv == null || modesEnv.isBlank() ? List.of("webhook", "poll")
          : java.util.Arrays.stream(modesEnv.split(",")).map(String::trim).toList();
      return new Plan(batches, modes, CONCURRENCY, STEPS, MIN_SECONDS);
    }
  }

  public static void main(String[] args) throws Exception {
    benchmark(Plan.fromEnvironment());
    System.exit(0);
  }

  static void benchmark(Plan plan) throws Exception {
    int cores = Runtime.getRuntime().availableProcessors();
    int[] batches = plan.batches();
    Path dir = Stats.tempDir("aurous-bench-model");
    AurousTinyExporter.export(dir);
    System.out.println(Stats.f("# ServerBenchmark: aurous-tiny %dx%d, %d steps, guidance %.1f, cfg_rescale %.1f, "
        + "concurrency %d, client poll %d ms, intra_op_threads %d, min %.1f s per phase", SIZE, SIZE, plan.steps(), GUIDANCE,
        CFG_RESCALE, plan.concurrency(), POLL_MS, cores, plan.minSeconds()));
    List<String> rows = new ArrayList<>();
    List<String> modes = plan.modes();
    double minSeconds = plan.minSeconds();
    io.vertx.core.Vertx receiverVertx = io.vertx.core.Vertx.vertx();
    int receiverPort = webhookReceiver(receiverVertx);
    try (DiffusionModel model = DiffusionModel.load(dir, "CPU:0", cores)) {
      RawLoop raw = new RawLoop(model, plan.steps());
      for (int b : batches) {
        raw.run(b, SIZE, true, 0, 1, (float) GUIDANCE, (float) CFG_RESCALE); // warm-up at this batch shape
        RawLoop.Run plain1 = raw.run(b, SIZE, false, minSeconds, 2, (float) GUIDANCE, (float) CFG_RESCALE);
        RawLoop.Run png1 = raw.run(b, SIZE, true, minSeconds, 2, (float) GUIDANCE, (float) CFG_RESCALE);
        printRaw(b, "before", plain1, png1);
        List<ServerRun> runs = new ArrayList<>();
        for (String mode : modes) {
          runs.add(server(plan, b, mode.trim(), receiverPort));
        }
        RawLoop.Run png2 = raw.run(b, SIZE, true, minSeconds, 2, (float) GUIDANCE, (float) CFG_RESCALE);
        RawLoop.Run plain2 = raw.run(b, SIZE, false, minSeconds, 2, (float) GUIDANCE, (float) CFG_RESCALE);
        printRaw(b, "after", plain2, png2);
        double rawPlain = (plain1.images() + plain2.images()) / (plain1.seconds() + plain2.seconds());
        double rawPng = (png1.images() + png2.images()) / (png1.seconds() + png2.seconds());
        for (int m = 0; m < runs.size(); m++) {
          ServerRun s = runs.get(m);
          double srv = s.imagesPerSecond();
          rows.add(Stats.f("| %2d | %-7s | %5.2f | %5.2f | %5.2f | **%3.0f%%** | %3.0f%% | %.0f / %.0f | %.1f / %.1f | %.0f / %.0f | %.1f |",
              b, modes.get(m).trim(), srv, rawPlain, rawPng, 100 * srv / rawPng, 100 * srv / rawPlain,
              Stats.ms(s.queueWait(), 50), Stats.ms(s.queueWait(), 99), Stats.ms(s.step(), 50), Stats.ms(s.step(), 99),
              Stats.ms(s.latency(), 50), Stats.ms(s.latency(), 99), s.batchSize().getMean()));
        }
      }
    }
    System.out.println();
    System.out.println(Stats.f("RESULTS server (HTTP create -> completion -> PNG at concurrency %d, %dx%d) vs raw loop at the same "
        + "batch size B (images/s)", plan.concurrency(), SIZE, SIZE));
    System.out.println("| B | clients learn by | server img/s | raw img/s (no PNG) | raw img/s (+PNG) | server/raw (+PNG) | server/raw (no PNG) | "
        + "queue wait p50/p99 ms | step p50/p99 ms | end-to-end p50/p99 ms | mean batch |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
    rows.forEach(System.out::println);
    receiverVertx.close().await();
  }

  /** A loopback receiver of image.completed webhooks; each delivery completes its id in COMPLETIONS. */
  static int webhookReceiver(io.vertx.core.Vertx vertx) {
    return vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      String id = new JsonObject(body).getJsonObject("data").getString("id");
      COMPLETIONS.computeIfAbsent(id, k -> new java.util.concurrent.CompletableFuture<>()).complete(null);
      req.response().setStatusCode(204).end();
    })).listen(0, "127.0.0.1").await().actualPort();
  }

  static void printRaw(int b, String when, RawLoop.Run plain, RawLoop.Run png) {
    System.out.println(Stats.f("  raw B=%-2d %-6s  no PNG: %3d images in %6.2f s = %5.2f img/s | +PNG: %3d images in %6.2f s = %5.2f img/s",
        b, when, plain.images(), plain.seconds(), plain.imagesPerSecond(), png.images(), png.seconds(),
        png.imagesPerSecond()));
  }

  static ServerRun server(Plan plan, int b, String mode, int receiverPort) throws Exception {
    int concurrency = plan.concurrency();
    boolean webhook = mode.equals("webhook");
    TestNode node = TestNode.startWithEngine(new JsonObject().put("max_batch_size", b).put("max_running_per_worker", b)
        .put("batch_timeout_ms", 5).put("poll_interval_ms", 50),
        new JsonObject().put("api", new JsonObject().put("allow_insecure_urls", webhook)));
    try {
      ApiClient api = node.client(node.newTeam(10_000_000).key());
      ApiClient anonymous = new ApiClient("", null);
      LinkedBlockingQueue<Done> done = new LinkedBlockingQueue<>();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong seeds = new AtomicLong();
      AtomicLong polls = new AtomicLong();
      List<Thread> clients = new ArrayList<>();
      for (int i = 0; i < concurrency; i++) {
        Thread t = new Thread(() -> {
          while (!stop.get()) {
            try {
              long t0 = System.nanoTime();
              long seed = seeds.incrementAndGet();
              JsonObject body = new JsonObject()
                  .put("prompt", "a lighthouse on a cliff at dusk, number " + seed).put("width", SIZE).put("height", SIZE)
                  .put("steps", plan.steps()).put("guidance_scale", GUIDANCE).put("cfg_rescale", CFG_RESCALE).put("seed", seed);
              if (webhook) {
                body.put("webhook_url", "http://127.0.0.1:" + receiverPort + "/hook");
              }
              ApiClient.Response created = api.post("/v1/images", body);
              if (created.status() != 201) {
                throw new IllegalStateException("create answered " + created.status() + ": " + created.body());
              }
              String id = created.json().getString("id");
              JsonObject g = null;
              if (webhook) {
                COMPLETIONS.computeIfAbsent(id, k -> new java.util.concurrent.CompletableFuture<>()).get(300, TimeUnit.SECONDS);
                COMPLETIONS.remove(id);
                g = api.get("/v1/images/" + id).json();
              }
              while (!webhook) {
                g = api.get("/v1/images/" + id).json();
                polls.incrementAndGet();
                String status = g.getString("status");
                if ("succeeded".equals(status)) {
                  break;
                }
                if (!"pending".equals(status) && !"processing".equals(status)) {
                  throw new IllegalStateException(id + " ended " + status + ": " + g.encode());
                }
                Thread.sleep(POLL_MS);
              }
              ApiClient.Response png = anonymous.get(g.getJsonArray("output_urls").getString(0));
              if (png.status() != 200 || png.bytes().length < 8 || png.bytes()[1] != 'P') {
                throw new IllegalStateException("output answered " + png.status());
              }
              long now = System.nanoTime();
              done.add(new Done(now, (now - t0) / 1000, null));
            } catch (InterruptedException e) {
              return;
            } catch (RuntimeException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
              if (!stop.get()) {
                done.add(new Done(System.nanoTime(), 0, e.toString()));
              }
              return;
            }
          }
        }, "bench-client-" + i);
        t.setDaemon(true);
        clients.add(t);
      }
      clients.forEach(Thread::start);
      EngineMetrics metrics = node.node().engineMetrics().get(0);
      for (int i = 0; i < concurrency; i++) { // warm-up: one generation per client
        take(done);
      }
      metrics.reset();
      long polls0 = polls.get();
      Histogram latency = Stats.micros();
      long t0 = System.nanoTime();
      long last = t0;
      long images = 0;
      int minImages = 2 * concurrency + 8;
      // Whole rounds of the clients: generations finish in batch-sized bursts, and a window cut
      // mid-burst would count the burst's time without all of its images.
      while (images < minImages || last - t0 < (long) (plan.minSeconds() * 1e9) || images % concurrency != 0) {
        Done d = take(done);
        images++;
        last = d.nanos();
        latency.recordValue(d.latencyMicros());
      }
      ServerRun r = new ServerRun(b, images, (last - t0) / 1e9, latency, metrics.queueWaitMicros().copy(),
          metrics.stepMicros().copy(), metrics.batchSize().copy());
      stop.set(true);
      double pollRate = (polls.get() - polls0) / r.seconds();
      System.out.println(Stats.f("  server B=%-2d " + Stats.f("%-7s", mode) + " %4d images in %6.2f s = %5.2f img/s | queue wait p50 %6.0f p99 %6.0f ms | "
              + "step p50 %6.1f p99 %6.1f ms (mean batch %4.1f) | end-to-end p50 %6.0f p99 %6.0f ms | %.0f status polls/s",
          b, r.images(), r.seconds(), r.imagesPerSecond(), Stats.ms(r.queueWait(), 50), Stats.ms(r.queueWait(), 99),
          Stats.ms(r.step(), 50), Stats.ms(r.step(), 99), r.batchSize().getMean(), Stats.ms(r.latency(), 50),
          Stats.ms(r.latency(), 99), pollRate));
      for (Thread t : clients) { // let in-flight generations finish so the raw loop after runs on an idle node
        t.join(120_000);
      }
      return r;
    } finally {
      node.close();
    }
  }

  private static Done take(LinkedBlockingQueue<Done> q) throws InterruptedException {
    Done d = q.poll(300, TimeUnit.SECONDS);
    if (d == null) {
      throw new IllegalStateException("no generation finished within 300 s");
    }
    if (d.error() != null) {
      throw new IllegalStateException("client failed: " + d.error());
    }
    return d;
  }
}
