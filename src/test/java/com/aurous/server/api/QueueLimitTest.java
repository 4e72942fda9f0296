package com.aurous.server.api;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * engine.max_queue_size: once that many generations are pending, create answers 429 with
 * Retry-After and stores nothing. No engine consumes pending rows yet, so they stay pending.
 */
class QueueLimitTest {
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("engine", new JsonObject().put("max_queue_size", 2)));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  @Test
  void thirdCreateIs429WithRetryAfterAndStoresNothing() {
    TestNode.TeamKey a = node.newTeam(100);
    TestNode.TeamKey b = node.newTeam(100);
    ApiClient apiA = node.client(a.key());
    ApiClient apiB = node.client(b.key());
    JsonObject body = new JsonObject().put("prompt", "p");
    assertThat(apiA.post("/v1/images", body).status()).isEqualTo(201);
    String second = apiB.post("/v1/images", body).json().getString("id");

    ApiClient.Response full = apiA.post("/v1/images", body, "Idempotency-Key", "queue-key");
    assertThat(full.status()).isEqualTo(429);
    assertThat(full.errorCode()).isEqualTo("queue_full");
    assertThat(Integer.parseInt(full.header("Retry-After"))).isPositive();
    assertThat(full.header("Aurous-Request-Id")).startsWith("req_");
    assertThat(node.teams().balance(a.team().id()).await()).isEqualTo(99L);
    assertThat(node.teams().ledgerSum(a.team().id()).await()).isEqualTo(99L);
    assertThat(apiA.get("/v1/images").json().getJsonArray("data")).hasSize(1);
    long total = node.node().pool().query("SELECT count(*) FROM generations").execute().await().iterator().next().getLong(0);
    assertThat(total).isEqualTo(2);
    long keys = node.node().pool().preparedQuery("SELECT count(*) FROM idempotency_keys WHERE key = $1")
        .execute(Tuple.of("queue-key")).await().iterator().next().getLong(0);
    assertThat(keys).isZero();

    // estimate is not queued work
    assertThat(apiA.post("/v1/images/estimate", body).status()).isEqualTo(200);

    // a cancelled generation leaves the queue: there is room again, and the same key now works
    assertThat(apiB.post("/v1/images/" + second + "/cancel", "").status()).isEqualTo(200);
    ApiClient.Response retry = apiA.post("/v1/images", body, "Idempotency-Key", "queue-key");
    assertThat(retry.status()).as(retry.body()).isEqualTo(201);
    assertThat(apiA.post("/v1/images", body).status()).isEqualTo(429);
  }
}
