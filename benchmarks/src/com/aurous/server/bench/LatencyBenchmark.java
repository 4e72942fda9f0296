package com.aurous.server.bench;

import com.aurous.server.engine.EngineMetrics;
import com.aurous.server.engine.PhaseTimes;
import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.ModelManifest;
import com.aurous.server.model.tiny.AurousTinyExporter;
import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One image at concurrency 1: create -> succeeded through a real node (embedded PostgreSQL, HTTP
 * on 127.0.0.1, one CPU worker, the node's default settings) against the engine's own time for
 * that image with its PNG (the same model calls in {@link RawLoop}, in this JVM, on a second copy
 * of the model the node serves), side by side: every round runs one raw image and one request for
 * each way a client learns of completion, in a seeded random order per round. The polling and
 * `Prefer: wait` clients are the project's load generator ({@code loadtest --concurrency 1
 * --max-requests 1}, its report read back); the image.completed webhook, which loadtest cannot
 * receive, is a client here. The model is whatever BENCH_MODEL_DIR names (default: the built-in
 * aurous-tiny, exported), at its manifest's default steps.
 */
public final class LatencyBenchmark {
  static final List<String> MODES = List.of("poll", "webhook", "wait");
  static final long POLL_MS = (long) Stats.envDouble("BENCH_POLL_MS", 20);

  record Plan(int requests, int size, int warmup) {
    static Plan fromEnvironment() {
      return new Plan((int) Stats.envDouble("BENCH_LATENCY_REQUESTS", 30), 1024, 3);
    }
  }

  public static void main(String[] args) throws Exception {
    benchmark(Plan.fromEnvironment());
    System.exit(0);
  }

  static void benchmark(Plan plan) throws Exception {
    String modelEnv = System.getenv("BENCH_MODEL_DIR");
    Path dir;
    if (modelEnv == null || modelEnv.isBlank()) {
      dir = Stats.tempDir("aurous-latency-model");
      AurousTinyExporter.export(dir);
    } else {
      dir = Path.of(modelEnv);
    }
    int cores = Runtime.getRuntime().availableProcessors();
    io.vertx.core.Vertx receiverVertx = io.vertx.core.Vertx.vertx();
    int receiverPort = ServerBenchmark.webhookReceiver(receiverVertx);
    TestNode node = TestNode.startWithEngine(new JsonObject().put("model_dir", dir.toString()),
        new JsonObject().put("api", new JsonObject().put("allow_insecure_urls", true)));
    // BENCH_BASELINE_JAR: another build's node (its own JVM and PostgreSQL, API and worker roles,
    // the same model) measured in the same rounds by the same loadtest clients: before and after.
    String baselineJar = System.getenv("BENCH_BASELINE_JAR");
    ServerProcess before = baselineJar == null || baselineJar.isBlank() ? null
        : ServerProcess.node("before", Path.of(baselineJar), Map.of("AUROUS_NODE_ROLES", "[\"api\",\"worker\"]",
            "AUROUS_ENGINE_MODEL_DIR", dir.toString()));
    List<String> paths = new java.util.ArrayList<>(MODES);
    if (before != null) {
      paths.addAll(List.of("before poll", "before wait"));
    }
    try (DiffusionModel model = DiffusionModel.load(dir, "CPU:0", cores)) {
      ModelManifest.Defaults d = model.manifest().defaults();
      RawLoop raw = new RawLoop(model, d.steps());
      System.out.println(Stats.f("# LatencyBenchmark: %s %dx%d, %d steps (the model's default), guidance %.1f, "
              + "cfg_rescale %.1f, concurrency 1, %d rounds, client poll %d ms, PNG level %d, intra_op_threads %d",
          model.manifest().name(), plan.size(), plan.size(), d.steps(), d.guidanceScale(), d.cfgRescale(),
          plan.requests(), POLL_MS, RawLoop.pngLevel(), cores));
      ApiClient api = node.client(node.newTeam(10_000_000).key());
      EngineMetrics metrics = node.node().engineMetrics().get(0);
      Map<String, Histogram> latency = new LinkedHashMap<>();
      latency.put("raw", Stats.micros());
      paths.forEach(m -> latency.put(m, Stats.micros()));
      ApiClient beforeApi = before == null ? null : new ApiClient(before.url(), before.key());
      Histogram createAnswered = Stats.micros();
      Histogram rawPng = Stats.micros();
      long seed = 1;
      for (int round = -plan.warmup(); round < plan.requests(); round++) {
        if (round == 0) {
          latency.values().forEach(Histogram::reset);
          createAnswered.reset();
          rawPng.reset();
          metrics.reset();
        }
        // A fresh seeded order each round: in a fixed cycle each path would always follow the same
        // one (the webhook's delivery work spilling into the next request, the idle node after raw).
        List<Integer> order = new java.util.ArrayList<>(java.util.stream.IntStream.rangeClosed(0, paths.size()).boxed().toList());
        java.util.Collections.shuffle(order, new java.util.Random(round * 31L + 7));
        for (int which : order) {
          if (which == paths.size()) {
            long t0 = System.nanoTime();
            raw.oneBatch(1, plan.size(), true, (float) d.guidanceScale(), (float) d.cfgRescale());
            latency.get("raw").recordValue((System.nanoTime() - t0) / 1000);
            rawPng.recordValue(raw.lastPngNanos / 1000);
          } else {
            String path = paths.get(which);
            if (path.startsWith("before ")) {
              latency.get(path).recordValue(loadtestOnce(beforeApi, path.substring(7), plan.size(), d, seed++));
              continue;
            }
            String mode = path;
            long[] times = oneRequest(api, mode, receiverPort, plan.size(), d, seed++);
            latency.get(mode).recordValue(times[1]);
            if (times[0] >= 0) {
              createAnswered.recordValue(times[0]);
            }
          }
        }
      }
      double rawP50 = Stats.ms(latency.get("raw"), 50);
      System.out.println();
      System.out.println(Stats.f("RESULTS latency (concurrency 1, %dx%d, %d requests each; create -> succeeded seen by the client, "
          + "against the engine's own time for that image + PNG)", plan.size(), plan.size(), plan.requests()));
      System.out.println("| path | p50 ms | p99 ms | p50 / engine+PNG p50 |");
      System.out.println("|---|---|---|---|");
      for (var e : latency.entrySet()) {
        String name = e.getKey().equals("raw") ? "engine alone (+PNG)"
            : e.getKey().startsWith("before ") ? "before (" + baselineJar + "), " + label(e.getKey().substring(7))
            : "server, " + label(e.getKey());
        System.out.println(Stats.f("| %s | %.0f | %.0f | **%.2fx** |", name, Stats.ms(e.getValue(), 50),
            Stats.ms(e.getValue(), 99), Stats.ms(e.getValue(), 50) / rawP50));
      }
      System.out.println();
      System.out.println(Stats.f("engine alone: of which PNG encoding p50 %.1f ms, p99 %.1f ms",
          Stats.ms(rawPng, 50), Stats.ms(rawPng, 99)));
      System.out.println(Stats.f("create answered (201, webhook requests): p50 %.1f ms, p99 %.1f ms",
          Stats.ms(createAnswered, 50), Stats.ms(createAnswered, 99)));
      System.out.println("Inside the worker (all server requests), time from the previous phase to each; the first is "
          + "from the start of the claim that found the generation:");
      System.out.println("| phase | p50 ms | p99 ms |");
      System.out.println("|---|---|---|");
      for (PhaseTimes.Phase p : PhaseTimes.Phase.values()) {
        if (p != PhaseTimes.Phase.WOKEN) {
          Histogram h = metrics.phases().micros(p);
          System.out.println(Stats.f("| %s | %.1f | %.1f |", p.name().toLowerCase(java.util.Locale.ROOT),
              Stats.ms(h, 50), Stats.ms(h, 99)));
        }
      }
    } finally {
      node.close();
      if (before != null) {
        before.close();
      }
      receiverVertx.close().await();
    }
  }

  private static String label(String mode) {
    return switch (mode) {
      case "poll" -> "loadtest create, polling GET every " + POLL_MS + " ms";
      case "webhook" -> "image.completed webhook";
      default -> "loadtest create_wait, one request with Prefer: wait=60";
    };
  }

  /**
   * {create answered (webhook path only, else -1), terminal seen} in microseconds: the poll and
   * wait paths are one request of {@code loadtest}, timed by it from just before its POST.
   */
  private static long[] oneRequest(ApiClient api, String mode, int receiverPort, int size, ModelManifest.Defaults d,
      long seed) throws Exception {
    if (!mode.equals("webhook")) {
      return new long[] {-1, loadtestOnce(api, mode, size, d, seed)};
    }
    return webhookRequest(api, receiverPort, size, d, seed);
  }

  static long loadtestOnce(ApiClient api, String mode, int size, ModelManifest.Defaults d, long seed) throws Exception {
    Path report = java.nio.file.Files.createTempFile("aurous-latency", ".json");
    try {
      String kind = mode.equals("wait") ? "create_wait" : "create";
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      PrintStream ps = new PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
      int exit = com.aurous.server.loadtest.LoadTestCommand.run(new String[] {"loadtest", "--url", api.base(),
          "--key", api.apiKey(), "--concurrency", "1", "--max-requests", "1", "--warmup", "0", "--duration", "300",
          "--drain", "0", "--mix", kind + "=1", "--until", "succeeded", "--poll-ms", String.valueOf(POLL_MS), "--wait", "60",
          "--request-timeout", "300", "--sizes", size + "x" + size, "--steps", String.valueOf(d.steps()),
          "--prompt", "a lighthouse on a cliff at dusk, number " + seed, "--seed", String.valueOf(seed),
          "--json", report.toString(), "--quiet"}, ps, ps);
      JsonObject stage = exit != 0 ? null
          : new JsonObject(java.nio.file.Files.readString(report)).getJsonArray("stages").getJsonObject(0);
      if (stage == null || stage.getLong("ok") != 1) {
        throw new IllegalStateException("loadtest " + kind + " did not succeed (exit " + exit + "): " + out
            + (stage == null ? "" : stage.getJsonObject("errors_by")));
      }
      return Math.round(stage.getJsonObject("kinds").getJsonObject(kind).getJsonObject("latency_ms").getDouble("max") * 1000);
    } finally {
      java.nio.file.Files.deleteIfExists(report);
    }
  }

  private static long[] webhookRequest(ApiClient api, int receiverPort, int size, ModelManifest.Defaults d, long seed)
      throws Exception {
    String mode = "webhook";
    JsonObject body = new JsonObject().put("prompt", "a lighthouse on a cliff at dusk, number " + seed)
        .put("width", size).put("height", size).put("steps", d.steps()).put("guidance_scale", d.guidanceScale())
        .put("cfg_rescale", d.cfgRescale()).put("seed", seed);
    if (mode.equals("webhook")) {
      body.put("webhook_url", "http://127.0.0.1:" + receiverPort + "/hook");
    }
    long t0 = System.nanoTime();
    ApiClient.Response created = mode.equals("wait") ? api.post("/v1/images", body, "Prefer", "wait=60")
        : api.post("/v1/images", body);
    long answered = (System.nanoTime() - t0) / 1000;
    if (created.status() != 201) {
      throw new IllegalStateException("create answered " + created.status() + ": " + created.body());
    }
    String id = created.json().getString("id");
    String status = created.json().getString("status");
    switch (mode) {
      case "webhook" -> {
        ServerBenchmark.COMPLETIONS.computeIfAbsent(id, k -> new CompletableFuture<>()).get(300, TimeUnit.SECONDS);
        ServerBenchmark.COMPLETIONS.remove(id);
        status = "succeeded";
      }
      case "poll" -> {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (!"succeeded".equals(status)) {
          if (!"pending".equals(status) && !"processing".equals(status) || System.nanoTime() > deadline) {
            throw new IllegalStateException(id + " is " + status);
          }
          Thread.sleep(POLL_MS);
          status = api.get("/v1/images/" + id).json().getString("status");
        }
      }
      default -> {
        if (!"succeeded".equals(status)) {
          throw new IllegalStateException(id + " answered " + status + " after Prefer: wait=60");
        }
      }
    }
    return new long[] {answered, (System.nanoTime() - t0) / 1000};
  }
}
