package com.aurous.server.engine;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Step-level batching, observed through the API and the worker's own counters. */
class ContinuousBatchingTest {
  TestNode node;
  ApiClient api;

  void start(JsonObject engine) {
    node = TestNode.startWithEngine(engine);
    api = node.client(node.newTeam(100_000).key());
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
  }

  String create(JsonObject body) {
    ApiClient.Response r = api.post("/v1/images", body);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("id");
  }

  JsonObject await(String id, String status) {
    return Polling.until(() -> api.get("/v1/images/" + id).json(), g -> status.equals(g.getString("status"))
        || "failed".equals(g.getString("status")), Duration.ofSeconds(120), id + " " + status);
  }

  @Test
  void aLateArrivalJoinsTheRunningBatchAndSharesItsSteps() {
    start(new JsonObject().put("max_batch_size", 8).put("batch_timeout_ms", 0));
    EngineMetrics metrics = node.node().engineMetrics().get(0);
    String early = create(new JsonObject().put("prompt", "early").put("steps", 100));
    await(early, "processing");
    String late = create(new JsonObject().put("prompt", "late").put("steps", 20));
    JsonObject lateDone = await(late, "succeeded");
    JsonObject earlyDone = await(early, "succeeded");
    assertThat(lateDone.getString("status")).isEqualTo("succeeded");
    assertThat(earlyDone.getString("status")).isEqualTo("succeeded");
    // The late one did not wait for the early one: it joined at a step boundary and left first.
    assertThat(Instant.parse(lateDone.getString("completed_at"))).isBefore(Instant.parse(earlyDone.getString("completed_at")));
    // Shared steps: fewer model calls than the two generations' steps added up, some with two samples.
    assertThat(metrics.stepsRun()).isLessThan(120);
    assertThat(metrics.batchSize().getMaxValue()).isEqualTo(2);
  }

  @Test
  void aSmallBucketIsNotStarvedByAStreamOfAnotherShape() {
    start(new JsonObject().put("max_batch_size", 2).put("max_running_per_worker", 4).put("batch_timeout_ms", 0));
    List<String> squares = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      squares.add(create(new JsonObject().put("prompt", "square " + i).put("steps", 30)));
    }
    String landscape = create(new JsonObject().put("prompt", "the odd one").put("size", "landscape").put("steps", 10));
    for (int i = 3; i < 14; i++) {
      squares.add(create(new JsonObject().put("prompt", "square " + i).put("steps", 30)));
    }
    JsonObject odd = await(landscape, "succeeded");
    assertThat(odd.getString("status")).isEqualTo("succeeded");
    JsonObject lastSquare = await(squares.get(squares.size() - 1), "succeeded");
    assertThat(Instant.parse(odd.getString("completed_at"))).isBefore(Instant.parse(lastSquare.getString("completed_at")));
    // Every sample's batch held one shape only and never more than max_batch_size.
    assertThat(node.node().engineMetrics().get(0).batchSize().getMaxValue()).isLessThanOrEqualTo(2);
  }
}
