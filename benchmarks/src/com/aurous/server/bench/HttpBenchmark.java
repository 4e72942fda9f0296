package com.aurous.server.bench;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.aurous.server.bench.Stats.f;

/**
 * The cheap routes against a bare Vert.x route ({@link BareServer}), side by side in one run:
 * wrk -t1 -c16 for BENCH_WRK_SECONDS (8) per measurement, BENCH_ROUNDS (3) interleaved rounds of
 * bare estimate, server estimate, bare get, server get, after a short warm-up of each. The
 * node is API-only (http.instances 2, pool 16, its own embedded PostgreSQL); the GET reads one
 * pending generation of the benchmark team. Each target first gets BENCH_WARMUP_SECONDS (8) of load. Reported: req/s (mean over rounds), p50/p99 (median
 * over rounds) and the server/bare ratio per route, the figure to read on a shared machine.
 */
public final class HttpBenchmark {
  private static final JsonObject ESTIMATE = new JsonObject().put("prompt", "a red fox in snow").put("size", "2k_16_9");

  private HttpBenchmark() {}

  public static void main(String[] args) throws Exception {
    int seconds = Integer.parseInt(System.getenv().getOrDefault("BENCH_WRK_SECONDS", "8"));
    int rounds = Integer.parseInt(System.getenv().getOrDefault("BENCH_ROUNDS", "3"));
    int connections = Integer.parseInt(System.getenv().getOrDefault("BENCH_WRK_CONNECTIONS", "16"));
    int warmup = Integer.parseInt(System.getenv().getOrDefault("BENCH_WARMUP_SECONDS", "8"));
    benchmark(seconds, rounds, connections, warmup);
    System.exit(0);
  }

  record Run(double requestsPerSecond, double p50Ms, double p99Ms, long errors) {}

  /** {@code warmupSeconds} of wrk on each target first: the node has far more code for the JIT to compile than the bare route. */
  public static void benchmark(int seconds, int rounds, int connections, int warmupSeconds) throws Exception {
    BareServer bare = BareServer.start(0, 2);
    TestNode node = TestNode.start(new JsonObject()
        .put("http", new JsonObject().put("instances", 2))
        .put("database", new JsonObject().put("pool_size", Integer.parseInt(System.getenv().getOrDefault("BENCH_POOL_SIZE", "16")))));
    try {
      TestNode.TeamKey team = node.newTeam(1_000_000);
      ApiClient api = node.client(team.key());
      ApiClient.Response created = api.post("/v1/images", new JsonObject().put("prompt", "a red fox in snow"));
      if (created.status() != 201) {
        throw new IllegalStateException("cannot create the generation to read: " + created.status() + " " + created.body());
      }
      String id = created.json().getString("id");
      Path dir = Files.createTempDirectory("aurous-wrk");
      Path post = script(dir.resolve("estimate.lua"), "POST", ESTIMATE.encode(), team.key());
      Path get = script(dir.resolve("get.lua"), "GET", null, team.key());

      Map<String, String[]> targets = new LinkedHashMap<>();
      targets.put("bare estimate", new String[] {"http://127.0.0.1:" + bare.port() + "/v1/images/estimate", post.toString()});
      targets.put("server estimate", new String[] {node.baseUrl() + "/v1/images/estimate", post.toString()});
      targets.put("bare get", new String[] {"http://127.0.0.1:" + bare.port() + "/v1/images/" + id, get.toString()});
      targets.put("server get", new String[] {node.baseUrl() + "/v1/images/" + id, get.toString()});

      System.out.println(f("# wrk -t1 -c%d -d%ds --latency, %d interleaved rounds after %d s of warm-up each;"
          + " node API-only, http.instances 2, pool %s", connections, seconds, rounds, warmupSeconds,
          System.getenv().getOrDefault("BENCH_POOL_SIZE", "16")));
      for (var t : targets.entrySet()) {
        wrk(t.getValue()[0], t.getValue()[1], connections, warmupSeconds);
      }
      Map<String, List<Run>> runs = new LinkedHashMap<>();
      for (int round = 1; round <= rounds; round++) {
        for (var t : targets.entrySet()) {
          Run r = wrk(t.getValue()[0], t.getValue()[1], connections, seconds);
          runs.computeIfAbsent(t.getKey(), k -> new ArrayList<>()).add(r);
          System.out.println(f("round %d  %-16s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  non-2xx/errors %d",
              round, t.getKey(), r.requestsPerSecond, r.p50Ms, r.p99Ms, r.errors));
        }
      }

      System.out.println();
      System.out.println("RESULTS http (req/s: mean of rounds; p50/p99: median of rounds)");
      System.out.println("| route    | bare req/s | server req/s | server/bare | goal  | bare p50/p99 ms | server p50/p99 ms |");
      System.out.println("|----------|-----------:|-------------:|------------:|------:|----------------:|------------------:|");
      row("estimate", runs.get("bare estimate"), runs.get("server estimate"), 0.80);
      row("get", runs.get("bare get"), runs.get("server get"), 0.60);
    } finally {
      node.close();
      bare.close();
    }
  }

  private static void row(String route, List<Run> bare, List<Run> server, double goal) {
    double b = bare.stream().mapToDouble(Run::requestsPerSecond).average().orElse(Double.NaN);
    double s = server.stream().mapToDouble(Run::requestsPerSecond).average().orElse(Double.NaN);
    System.out.println(f("| %-8s | %10.0f | %12.0f | %10.0f%% | %4.0f%% | %6.2f / %6.2f | %7.2f / %7.2f |", route, b, s,
        100 * s / b, 100 * goal, median(bare, Run::p50Ms), median(bare, Run::p99Ms), median(server, Run::p50Ms),
        median(server, Run::p99Ms)));
  }

  private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
    double[] v = runs.stream().mapToDouble(f).sorted().toArray();
    return v.length == 0 ? Double.NaN : v[v.length / 2];
  }

  private static Path script(Path file, String method, String body, String apiKey) throws IOException {
    StringBuilder lua = new StringBuilder();
    lua.append("wrk.method = \"").append(method).append("\"\n");
    lua.append("wrk.headers[\"X-Api-Key\"] = \"").append(apiKey).append("\"\n");
    if (body != null) {
      lua.append("wrk.headers[\"Content-Type\"] = \"application/json\"\n");
      lua.append("wrk.body = '").append(body.replace("'", "\\'")).append("'\n");
    }
    // Counted by wrk as "Non-2xx or 3xx responses"; a run with any is reported, not hidden.
    Files.writeString(file, lua.toString());
    return file;
  }

  private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern PCT = Pattern.compile("^\\s+(50|99)(?:\\.0+)?%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);
  private static final Pattern NON2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
  private static final Pattern SOCKET = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

  static Run wrk(String url, String script, int connections, int seconds) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("wrk", "-t1", "-c" + connections, "-d" + seconds + "s", "--latency", "-s", script, url)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(seconds + 30L, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("wrk failed on " + url + ":\n" + out);
    }
    return parse(out);
  }

  static Run parse(String out) {
    Matcher rps = RPS.matcher(out);
    if (!rps.find()) {
      throw new IllegalStateException("no Requests/sec in wrk output:\n" + out);
    }
    double p50 = Double.NaN;
    double p99 = Double.NaN;
    Matcher m = PCT.matcher(out);
    while (m.find()) {
      double v = Double.parseDouble(m.group(2)) * switch (m.group(3)) {
        case "us" -> 0.001;
        case "ms" -> 1.0;
        default -> 1000.0;
      };
      if (m.group(1).equals("50")) {
        p50 = v;
      } else {
        p99 = v;
      }
    }
    long errors = 0;
    Matcher n = NON2XX.matcher(out);
    if (n.find()) {
      errors += Long.parseLong(n.group(1));
    }
    Matcher s = SOCKET.matcher(out);
    if (s.find()) {
      for (int g = 1; g <= 4; g++) {
        errors += Long.parseLong(s.group(g));
      }
    }
    return new Run(Double.parseDouble(rps.group(1)), p50, p99, errors);
  }
}
