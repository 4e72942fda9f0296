package com.aurous.server.loadtest;

import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The loadtest command run for a few seconds against a real node with the engine, and its report read back. */
class LoadTestCommandTest {
  private static TestNode node;
  private static String key;

  @BeforeAll
  static void startNode() {
    node = TestNode.startWithEngine(new JsonObject().put("max_batch_size", 4).put("max_running_per_worker", 4)
        .put("batch_timeout_ms", 5).put("poll_interval_ms", 50));
    key = node.newTeam(1_000_000).key();
  }

  @AfterAll
  static void stopNode() throws Exception {
    node.close();
  }

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = LoadTestCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    System.out.print(out.toString(StandardCharsets.UTF_8));
    System.out.print(err.toString(StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static List<String> common(String... more) {
    List<String> a = new ArrayList<>(List.of("loadtest", "--url", node.baseUrl(), "--key", key,
        "--sizes", "1024x1024", "--steps", "2"));
    a.addAll(List.of(more));
    return a;
  }

  @Test
  void anOpenLoopMixWithCreatesUntilSucceededReportsConsistentFiguresAsTextJsonAndHtml(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("report.json");
    Path html = dir.resolve("html");
    Run r = run(common("--rate", "4", "--arrival", "poisson", "--warmup", "0.5", "--duration", "3",
        "--mix", "estimate=40,create=25,get=15,create_wait=20", "--until", "succeeded", "--poll-ms", "50",
        "--wait", "5", "--json", json.toString(), "--html", html.toString()).toArray(String[]::new));

    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains(TextReport.HEADER).contains("coordinated omission corrected").contains(" all ");
    assertThat(r.err()).contains("rate 4/s t=");
    JsonObject report = new JsonObject(Files.readString(json));
    assertThat(report.getJsonObject("plan").getString("mode")).isEqualTo("open_loop");
    JsonArray stages = report.getJsonArray("stages");
    assertThat(stages).hasSize(1);
    JsonObject s = stages.getJsonObject(0);
    assertConsistent(s);
    assertThat(s.getDouble("offered_rate")).isEqualTo(4.0);
    assertThat(s.getLong("errors")).as("errors: %s", s.getJsonObject("errors_by")).isZero();
    assertThat(s.getJsonObject("errors_by").isEmpty()).isTrue();
    assertThat(s.getLong("unfinished")).isZero();
    assertThat(s.getLong("completed")).isPositive();
    JsonObject kinds = s.getJsonObject("kinds");
    long creates = kinds.getJsonObject("create", new JsonObject()).getLong("count", 0L)
        + kinds.getJsonObject("create_wait", new JsonObject()).getLong("count", 0L);
    assertThat(kinds.fieldNames()).contains("estimate");
    assertThat(creates).isPositive();
    // Each succeeded 1024x1024 create is one image and one credit (the 1k tier).
    assertThat(s.getLong("images")).isEqualTo(creates);
    assertThat(s.getLong("credits")).isEqualTo(creates);

    assertThat(Files.readString(html.resolve("index.html"))).contains("<img src=\"latency-over-time.png\"")
        .contains("throughput-vs-offered.png").contains("latency-vs-offered.png");
    for (String png : List.of("latency-over-time.png", "throughput-vs-offered.png", "latency-vs-offered.png")) {
      byte[] bytes = Files.readAllBytes(html.resolve(png));
      assertThat(bytes.length).as(png).isGreaterThan(1000);
      assertThat(new String(bytes, 1, 3, StandardCharsets.US_ASCII)).as(png).isEqualTo("PNG");
    }
    assertThat(new JsonObject(Files.readString(html.resolve("report.json"))).getJsonArray("stages")).hasSize(1);
  }

  @Test
  void aClosedLoopConcurrencySweepRunsOneStagePerLevel(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("sweep.json");
    Run r = run(common("--concurrency", "1:3:2", "--warmup", "0", "--duration", "1", "--mix", "estimate=3,get=1",
        "--json", json.toString(), "--quiet").toArray(String[]::new));

    assertThat(r.exit()).isZero();
    assertThat(r.err()).doesNotContain("t=");
    JsonArray stages = new JsonObject(Files.readString(json)).getJsonArray("stages");
    assertThat(stages).hasSize(2);
    assertThat(stages.getJsonObject(0).getDouble("concurrency")).isEqualTo(1.0);
    assertThat(stages.getJsonObject(1).getDouble("concurrency")).isEqualTo(3.0);
    for (Object o : stages) {
      JsonObject s = (JsonObject) o;
      assertConsistent(s);
      assertThat(s.getLong("errors")).as("errors: %s", s.getJsonObject("errors_by")).isZero();
      assertThat(s.getLong("dropped")).isZero();
    }
  }

  @Test
  void anOpenLoopAtItsInFlightBoundDropsAndCountsRequestsInsteadOfQueuingThem(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("bound.json");
    // Every create polls at least once 200 ms after it was accepted, so one slot serves at most
    // about five of the twenty scheduled in the second.
    Run r = run(common("--rate", "20", "--warmup", "0", "--duration", "1", "--mix", "create=1", "--until", "succeeded",
        "--poll-ms", "200", "--max-in-flight", "1", "--json", json.toString(), "--quiet").toArray(String[]::new));

    assertThat(r.exit()).isZero();
    JsonObject s = new JsonObject(Files.readString(json)).getJsonArray("stages").getJsonObject(0);
    assertConsistent(s);
    assertThat(s.getLong("scheduled")).isEqualTo(20);
    assertThat(s.getLong("dropped")).isGreaterThanOrEqualTo(14);
    assertThat(s.getLong("sent")).isBetween(1L, 6L);
  }

  @Test
  void everyGetReadsTheGenerationNamedByGetIdAndTheRunCreatesNone(@TempDir Path dir) throws Exception {
    TestNode.TeamKey team = node.newTeam(1_000);
    var api = node.client(team.key());
    String id = api.post("/v1/images", new JsonObject().put("prompt", "a fixed one").put("steps", 2)).json().getString("id");
    Path json = dir.resolve("fixed.json");
    Run r = run("loadtest", "--url", node.baseUrl(), "--key", team.key(), "--concurrency", "2", "--warmup", "0",
        "--duration", "1", "--mix", "get=1", "--get-id", id, "--json", json.toString(), "--quiet");

    assertThat(r.exit()).isZero();
    JsonObject report = new JsonObject(Files.readString(json));
    JsonObject s = report.getJsonArray("stages").getJsonObject(0);
    assertThat(report.getJsonObject("plan").getString("get_id")).isEqualTo(id);
    assertThat(s.getLong("ok")).isPositive();
    assertThat(s.getLong("errors")).as("errors: %s", s.getJsonObject("errors_by")).isZero();
    // No generation was created to read: the team still has just the one.
    assertThat(api.get("/v1/images").json().getJsonArray("data")).hasSize(1);

    String unknown = com.aurous.server.util.Ids.newId("img");
    Run missing = run("loadtest", "--url", node.baseUrl(), "--key", team.key(), "--concurrency", "1", "--warmup", "0",
        "--duration", "0.5", "--mix", "get=1", "--get-id", unknown, "--json", json.toString(), "--quiet");
    JsonObject m = new JsonObject(Files.readString(json)).getJsonArray("stages").getJsonObject(0);
    assertThat(missing.exit()).isZero();
    assertThat(m.getLong("ok")).isZero();
    assertThat(m.getJsonObject("errors_by").fieldNames()).containsExactly("404 resource_missing");
  }

  @Test
  void aGetIdThatCannotBeAnIdIsAnArgumentError() {
    Run r = run("loadtest", "--url", node.baseUrl(), "--key", key, "--concurrency", "1", "--mix", "get=1",
        "--get-id", "../etc");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--get-id");
  }

  @Test
  void aBadRateRangeIsAnArgumentErrorWithTheUsage() {
    Run r = run("loadtest", "--url", "http://127.0.0.1:9", "--key", "k", "--rate", "40:5:5");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("error: --rate range 40:5:5 ends before it starts").contains("usage: ");
  }

  @Test
  void anUnknownMixKindIsAnArgumentErrorWithTheUsage() {
    Run r = run("loadtest", "--url", "http://127.0.0.1:9", "--key", "k", "--rate", "5", "--mix", "estimate=50,teleport=50");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("error: unknown mix kind 'teleport'").contains("usage: ");
  }

  @Test
  void aMissingUrlIsAnArgumentErrorWithTheUsage() {
    Run r = run("loadtest", "--key", "k", "--concurrency", "2");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("error: missing --url").contains("usage: ");
  }

  @Test
  void aWorkloadFileSetsTheFlagsAndTheCommandLineWins(@TempDir Path dir) throws Exception {
    Path workload = dir.resolve("w.json");
    Files.writeString(workload, new JsonObject().put("url", node.baseUrl()).put("key", key).put("rate", 2)
        .put("mix", new JsonObject().put("estimate", 1)).put("duration", 1).put("warmup", 0)
        .put("sizes", new JsonArray().add("1024x1024")).put("json", dir.resolve("w-report.json").toString()).encode());

    Run r = run("loadtest", "--workload", workload.toString(), "--rate", "3", "--quiet");

    assertThat(r.exit()).isZero();
    JsonObject s = new JsonObject(Files.readString(dir.resolve("w-report.json"))).getJsonArray("stages").getJsonObject(0);
    assertThat(s.getDouble("offered_rate")).isEqualTo(3.0);
    assertThat(s.getLong("scheduled")).isEqualTo(3);
    assertThat(s.getJsonObject("kinds").fieldNames()).containsExactly("estimate");
    assertConsistent(s);
  }

  /** Counts add up, every latency summary is monotone, and the per-second series sums to the totals. */
  private static void assertConsistent(JsonObject s) {
    assertThat(s.getLong("scheduled")).isEqualTo(s.getLong("sent") + s.getLong("dropped"));
    assertThat(s.getLong("sent")).isEqualTo(s.getLong("completed") + s.getLong("unfinished"));
    assertThat(s.getLong("completed")).isEqualTo(s.getLong("ok") + s.getLong("errors"));
    JsonObject kinds = s.getJsonObject("kinds");
    long count = 0;
    long errors = 0;
    for (String k : kinds.fieldNames()) {
      JsonObject kind = kinds.getJsonObject(k);
      assertThat(kind.getLong("count")).isEqualTo(kind.getLong("ok") + kind.getLong("errors"));
      count += kind.getLong("count");
      errors += kind.getLong("errors");
      assertMonotone(kind.getJsonObject("latency_ms"));
      assertMonotone(kind.getJsonObject("service_ms"));
      // Latency counts from the intended send time, never after the actual one.
      assertThat(kind.getJsonObject("latency_ms").getDouble("max")).isGreaterThanOrEqualTo(kind.getJsonObject("service_ms").getDouble("max"));
    }
    assertThat(count).isEqualTo(s.getLong("completed"));
    assertThat(errors).isEqualTo(s.getLong("errors"));
    assertMonotone(s.getJsonObject("latency_ms"));
    long byKey = s.getJsonObject("errors_by").stream().mapToLong(e -> ((Number) e.getValue()).longValue()).sum();
    assertThat(byKey).isEqualTo(s.getLong("errors"));
    long seriesCompleted = 0;
    long seriesSent = 0;
    for (Object o : s.getJsonArray("timeseries")) {
      JsonObject second = (JsonObject) o;
      seriesCompleted += second.getLong("completed");
      seriesSent += second.getLong("sent");
    }
    assertThat(seriesCompleted).isEqualTo(s.getLong("completed"));
    assertThat(seriesSent).isEqualTo(s.getLong("sent"));
  }

  private static void assertMonotone(JsonObject l) {
    assertThat(l.getLong("count")).isPositive();
    assertThat(l.getDouble("p50")).isPositive();
    assertThat(l.getDouble("p50")).isLessThanOrEqualTo(l.getDouble("p90"));
    assertThat(l.getDouble("p90")).isLessThanOrEqualTo(l.getDouble("p99"));
    assertThat(l.getDouble("p99")).isLessThanOrEqualTo(l.getDouble("p99_9"));
    assertThat(l.getDouble("p99_9")).isLessThanOrEqualTo(l.getDouble("max"));
  }
}
