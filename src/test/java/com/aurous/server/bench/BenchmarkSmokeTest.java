package com.aurous.server.bench;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * benchmarks/src compiles with the tests (build-helper), and each benchmark's main path runs here
 * with a tiny plan, so a signature change or a broken path fails `mvn verify` rather than the
 * next benchmark run. Only that the run completes and prints its results table is checked:
 * figures from a smoke run mean nothing.
 */
class BenchmarkSmokeTest {
  private final PrintStream original = System.out;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  @BeforeEach
  void capture() {
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(original);
    original.print(output());
  }

  String output() {
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void theImageToImageBenchmarkRunsBothKindsAndPrintsItsRatio() throws Exception {
    ImageToImageBenchmark.benchmark(new ImageToImageBenchmark.Plan(256, new int[] {4}, 2, 4, 1, 0.1));
    assertThat(output()).contains("RESULTS image-to-image").contains("| 4 | 2 of 4 |");
  }

  @Test
  void theBareReferenceServerAnswersBothRoutes() throws Exception {
    BareServer bare = BareServer.start(0, 1);
    try {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      String base = "http://127.0.0.1:" + bare.port() + "/v1/images/";
      HttpResponse<String> estimate = http.send(HttpRequest.newBuilder(URI.create(base + "estimate"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"p\",\"count\":2}")).build(), HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(base + "img_1")).build(), HttpResponse.BodyHandlers.ofString());

      assertThat(estimate.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(estimate.body()).getJsonObject("estimated_cost").getInteger("amount")).isEqualTo(2);
      assertThat(get.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(get.body()).getString("id")).isEqualTo("img_1");
    } finally {
      bare.close();
    }
  }

  @Test
  void theHttpBenchmarkRunsItsWholePathThroughLoadtestOnATinyPlan() throws Exception {
    HttpBenchmark.benchmark(1, 1, 2, 0, 0, null);

    assertThat(output()).contains("RESULTS http").contains("| estimate | server |").contains("| get pending | server |")
        .contains("| get terminal | server |").contains("errors 0").doesNotContainPattern("errors [1-9]");
  }

  @Test
  void theEngineBenchmarkRunsItsWholePathOnATinyPlan() throws Exception {
    EngineBenchmark.benchmark(new EngineBenchmark.Plan(new int[] {256}, new int[] {2}, 2, 0.1));

    assertThat(output()).contains("RESULTS engine").contains("|  256x256  |  2 |");
  }

  @Test
  void theServerBenchmarkRunsItsWholePathOnATinyPlan() throws Exception {
    ServerBenchmark.benchmark(new ServerBenchmark.Plan(new int[] {2}, List.of("webhook", "poll"), 2, 2, 0.1));

    assertThat(output()).contains("RESULTS server").contains("|  2 | webhook |").contains("|  2 | poll    |");
  }

  @Test
  void theLatencyBenchmarkRunsItsWholePathOnATinyPlan() throws Exception {
    LatencyBenchmark.benchmark(new LatencyBenchmark.Plan(1, 1024, 1));

    assertThat(output()).contains("RESULTS latency").contains("| engine alone (+PNG) |")
        .contains("Prefer: wait=60").contains("| stored |");
  }
}
