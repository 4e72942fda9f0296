package com.aurous.server.bench;

import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cheap routes against a bare Vert.x route ({@link BareServer}), side by side in one run,
 * driven by the project's own load generator ({@code aurous-server.jar loadtest}, closed loop at
 * BENCH_CONNECTIONS (16) connections, BENCH_SECONDS (8) measured after a 2 s client warm-up, in
 * its own JVM). Servers, each its own JVM: the bare reference, the node from target/aurous-server.jar
 * (API role only, http.instances 2, its own embedded PostgreSQL) and, when BENCH_BASELINE_JAR names
 * another build's jar, that build as "before" (same settings), so a change is measured before and
 * after in the same run. Routes: estimate, GET of a pending generation (a PostgreSQL read) and GET
 * of a cancelled (terminal) one. After BENCH_WARMUP_SECONDS (8) of load on each target, BENCH_ROUNDS
 * (3) interleaved rounds. Reported: req/s (mean of rounds), p50/p99 (median of rounds) and each
 * server's ratio to bare, the figure to read on a shared machine.
 */
public final class HttpBenchmark {
  private HttpBenchmark() {}

  record Target(String server, String route, String url, String key, List<String> args) {
    String name() {
      return server + " " + route;
    }
  }

  record Run(double requestsPerSecond, double p50Ms, double p99Ms, long errors) {}

  public static void main(String[] args) throws Exception {
    int seconds = (int) Stats.envDouble("BENCH_SECONDS", 8);
    int rounds = (int) Stats.envDouble("BENCH_ROUNDS", 3);
    int connections = (int) Stats.envDouble("BENCH_CONNECTIONS", 16);
    int warmup = (int) Stats.envDouble("BENCH_WARMUP_SECONDS", 8);
    String baseline = System.getenv("BENCH_BASELINE_JAR");
    benchmark(seconds, rounds, connections, warmup, 2, baseline == null || baseline.isBlank() ? null : Path.of(baseline));
    System.exit(0);
  }

  /** {@code clientWarmupSeconds}: loadtest's own --warmup before each measured window (its JVM is new each time). */
  public static void benchmark(int seconds, int rounds, int connections, int warmupSeconds, int clientWarmupSeconds,
      Path baselineJar) throws Exception {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AUROUS_HTTP_INSTANCES", "2");
    String pool = System.getenv("BENCH_POOL_SIZE");
    if (pool != null && !pool.isBlank()) {
      env.put("AUROUS_DATABASE_POOL_SIZE", pool);
    }
    List<ServerProcess> servers = new ArrayList<>();
    try {
      ServerProcess bare = ServerProcess.bare(2);
      servers.add(bare);
      servers.add(ServerProcess.node("server", LoadTestRun.jar(), env));
      if (baselineJar != null) {
        servers.add(ServerProcess.node("before", baselineJar, env));
      }
      List<Target> targets = new ArrayList<>();
      List<String> estimate = List.of("--mix", "estimate=1", "--sizes", "2k_16_9", "--prompt", "a red fox in snow");
      for (ServerProcess s : servers) {
        targets.add(new Target(s.name(), "estimate", s.url(), s.key(), estimate));
      }
      for (ServerProcess s : servers) {
        if (s == bare) {
          targets.add(new Target(s.name(), "get", s.url(), s.key(), List.of("--mix", "get=1", "--get-id", "img_01BARE")));
          continue;
        }
        String pending = s.create("a red fox in snow");
        String terminal = s.create("a red fox in snow");
        s.cancel(terminal);
        targets.add(new Target(s.name(), "get pending", s.url(), s.key(), List.of("--mix", "get=1", "--get-id", pending)));
        targets.add(new Target(s.name(), "get terminal", s.url(), s.key(), List.of("--mix", "get=1", "--get-id", terminal)));
      }
      System.out.println(Stats.f("# loadtest --concurrency %d --warmup %d --duration %d per measurement, %d interleaved rounds"
          + " after %d s of load on each target; nodes API-only, http.instances 2%s%s", connections, clientWarmupSeconds, seconds, rounds,
          warmupSeconds, pool == null ? "" : ", pool " + pool, baselineJar == null ? "" : ", before = " + baselineJar));
      if (warmupSeconds > 0) {
        for (Target t : targets) {
          measure(t, connections, warmupSeconds, clientWarmupSeconds);
        }
      }
      Map<String, List<Run>> runs = new LinkedHashMap<>();
      for (int round = 1; round <= rounds; round++) {
        for (Target t : targets) {
          Run r = measure(t, connections, seconds, clientWarmupSeconds);
          runs.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(r);
          System.out.println(Stats.f("round %d  %-22s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d", round, t.name(),
              r.requestsPerSecond(), r.p50Ms(), r.p99Ms(), r.errors()));
        }
      }
      System.out.println();
      System.out.println("RESULTS http (req/s: mean of rounds; p50/p99: median of rounds; ratio: to the bare route of that round's mean)");
      System.out.println("| route | server | req/s | / bare | goal | p50 / p99 ms | rounds (/ bare) |");
      System.out.println("|---|---|---:|---:|---:|---:|---|");
      List<String[]> rows = new ArrayList<>();
      for (ServerProcess s : servers) {
        rows.add(new String[] {"estimate", s.name(), "bare estimate", "0.80"});
      }
      rows.add(new String[] {"get", "bare", "bare get", "0.60"});
      for (ServerProcess s : servers.subList(1, servers.size())) {
        rows.add(new String[] {"get pending", s.name(), "bare get", "0.60"});
        rows.add(new String[] {"get terminal", s.name(), "bare get", "0.60"});
      }
      for (String[] r : rows) {
        List<Run> mine = runs.get(r[1] + " " + r[0]);
        List<Run> ref = runs.get(r[2]);
        double m = mean(mine);
        double b = mean(ref);
        StringBuilder perRound = new StringBuilder();
        for (int i = 0; i < mine.size(); i++) {
          perRound.append(i == 0 ? "" : ", ").append(Stats.f("%.0f%%", 100 * mine.get(i).requestsPerSecond() / ref.get(i).requestsPerSecond()));
        }
        System.out.println(Stats.f("| %s | %s | %.0f | **%.0f%%** | %s | %.2f / %.2f | %s |", r[0], r[1], m, 100 * m / b,
            r[1].equals("bare") ? "" : Stats.f("%.0f%%", 100 * Double.parseDouble(r[3])),
            median(mine, Run::p50Ms), median(mine, Run::p99Ms), perRound));
      }
    } finally {
      for (ServerProcess s : servers) {
        s.close();
      }
    }
  }

  static Run measure(Target t, int connections, int seconds, int clientWarmupSeconds) throws Exception {
    List<String> args = new ArrayList<>(List.of("--concurrency", String.valueOf(connections), "--warmup", String.valueOf(clientWarmupSeconds),
        "--duration", String.valueOf(seconds), "--drain", "5", "--request-timeout", "10"));
    args.addAll(t.args());
    JsonObject s = LoadTestRun.stage(t.url(), t.key(), args, seconds + 60L);
    JsonObject latency = s.getJsonObject("latency_ms");
    return new Run(s.getDouble("throughput_rps"), latency.getDouble("p50"), latency.getDouble("p99"), s.getLong("errors"));
  }

  private static double mean(List<Run> runs) {
    return runs.stream().mapToDouble(Run::requestsPerSecond).average().orElse(Double.NaN);
  }

  private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
    double[] v = runs.stream().mapToDouble(f).sorted().toArray();
    return v.length == 0 ? Double.NaN : v[v.length / 2];
  }
}
