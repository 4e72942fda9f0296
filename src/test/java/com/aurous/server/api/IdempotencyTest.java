package com.aurous.server.api;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Idempotency-Key on POST /v1/images, as the create page describes it. */
class IdempotencyTest {
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start();
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  private static String key() {
    return UUID.randomUUID().toString();
  }

  private static long count(String teamId) {
    return node.node().pool().preparedQuery("SELECT count(*) FROM generations WHERE team_id = $1")
        .execute(Tuple.of(teamId)).await().iterator().next().getLong(0);
  }

  @Test
  void sameKeyAndBodyReplaysTheStoredResponse() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient api = node.client(team.key());
    String k = key();
    String body = new JsonObject().put("prompt", "a harbour at night").put("seed", 7).encode();
    ApiClient.Response first = api.post("/v1/images", body, "Idempotency-Key", k);
    assertThat(first.status()).isEqualTo(201);
    assertThat(first.header("Aurous-Idempotent-Replayed")).isNull();
    ApiClient.Response second = api.post("/v1/images", body, "Idempotency-Key", k);
    assertThat(second.status()).isEqualTo(201);
    assertThat(second.header("Aurous-Idempotent-Replayed")).isEqualTo("true");
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(second.header("Aurous-Request-Id")).isNotEqualTo(first.header("Aurous-Request-Id"));
    assertThat(count(team.team().id())).isEqualTo(1);
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(99L);
  }

  @Test
  void keyOrderAndWhitespaceDoNotMatterCanonicalJson() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient api = node.client(team.key());
    String k = key();
    ApiClient.Response first = api.post("/v1/images",
        "{\"prompt\":\"a cat\",\"count\":2,\"reference_image_urls\":[\"https://example.com/a.png\"],\"seed\":9}",
        "Idempotency-Key", k);
    assertThat(first.status()).isEqualTo(201);
    ApiClient.Response second = api.post("/v1/images",
        "{\n  \"seed\" : 9,\n  \"reference_image_urls\" : [ \"https://example.com/a.png\" ],\n  \"count\": 2,\t\"prompt\" : \"a cat\"\n}",
        "Idempotency-Key", k);
    assertThat(second.status()).isEqualTo(201);
    assertThat(second.header("Aurous-Idempotent-Replayed")).isEqualTo("true");
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(count(team.team().id())).isEqualTo(1);
  }

  @Test
  void sameKeyDifferentBodyIs409() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient api = node.client(team.key());
    String k = key();
    assertThat(api.post("/v1/images", new JsonObject().put("prompt", "one"), "Idempotency-Key", k).status()).isEqualTo(201);
    for (JsonObject other : List.of(new JsonObject().put("prompt", "two"),
        new JsonObject().put("prompt", "one").put("count", 1),
        new JsonObject().put("prompt", "one").put("reference_image_urls", new JsonArray()))) {
      ApiClient.Response r = api.post("/v1/images", other, "Idempotency-Key", k);
      assertThat(r.status()).as(other.encode()).isEqualTo(409);
      assertThat(r.json().getJsonObject("error").getString("type")).isEqualTo("invalid_request");
      assertThat(r.errorCode()).isEqualTo("idempotency_key_in_use");
      assertThat(r.header("Aurous-Idempotent-Replayed")).isNull();
    }
    assertThat(count(team.team().id())).isEqualTo(1);
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(99L);
  }

  @Test
  void keysAreScopedToTheTeam() {
    TestNode.TeamKey a = node.newTeam(100);
    TestNode.TeamKey b = node.newTeam(100);
    String k = key();
    JsonObject body = new JsonObject().put("prompt", "shared key");
    ApiClient.Response ra = node.client(a.key()).post("/v1/images", body, "Idempotency-Key", k);
    ApiClient.Response rb = node.client(b.key()).post("/v1/images", body, "Idempotency-Key", k);
    assertThat(ra.status()).isEqualTo(201);
    assertThat(rb.status()).isEqualTo(201);
    assertThat(rb.header("Aurous-Idempotent-Replayed")).isNull();
    assertThat(rb.json().getString("id")).isNotEqualTo(ra.json().getString("id"));
  }

  @Test
  void keyLengthIsOneTo256() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient api = node.client(team.key());
    JsonObject body = new JsonObject().put("prompt", "p");
    ApiClient.Response tooLong = api.post("/v1/images", body, "Idempotency-Key", "k".repeat(257));
    assertThat(tooLong.status()).isEqualTo(400);
    assertThat(tooLong.errorParam()).isEqualTo("Idempotency-Key");
    assertThat(count(team.team().id())).isZero();
    ApiClient.Response max = api.post("/v1/images", body, "Idempotency-Key", "k".repeat(256));
    assertThat(max.status()).isEqualTo(201);
    ApiClient.Response one = api.post("/v1/images", body, "Idempotency-Key", "k");
    assertThat(one.status()).isEqualTo(201);
    assertThat(one.header("Aurous-Idempotent-Replayed")).isNull();
    assertThat(count(team.team().id())).isEqualTo(2);
  }

  @Test
  void twoIdempotencyKeyHeadersAre400AndStoreNothing() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient api = node.client(team.key());
    JsonObject body = new JsonObject().put("prompt", "p");
    String first = key();
    for (String second : List.of(key(), first)) {
      ApiClient.Response r = api.post("/v1/images", body, "Idempotency-Key", first, "Idempotency-Key", second);
      assertThat(r.status()).as(r.body()).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("invalid_idempotency_key");
      assertThat(r.errorParam()).isEqualTo("Idempotency-Key");
      assertThat(r.header("Aurous-Request-Id")).startsWith("req_");
    }
    assertThat(count(team.team().id())).isZero();
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(100L);
    // Neither key was claimed: one of them alone proceeds as a first request.
    ApiClient.Response alone = api.post("/v1/images", body, "Idempotency-Key", first);
    assertThat(alone.status()).as(alone.body()).isEqualTo(201);
    assertThat(alone.header("Aurous-Idempotent-Replayed")).isNull();
  }

  @Test
  void absentKeyProcessesEveryCallAnew() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient api = node.client(team.key());
    JsonObject body = new JsonObject().put("prompt", "p");
    assertThat(api.post("/v1/images", body).json().getString("id"))
        .isNotEqualTo(api.post("/v1/images", body).json().getString("id"));
    assertThat(count(team.team().id())).isEqualTo(2);
  }

  @Test
  void failedRequestsAreNotStoredSoARetryUnderTheSameKeyProceeds() {
    TestNode.TeamKey team = node.newTeam(1);
    ApiClient api = node.client(team.key());
    String k = key();
    // validation failure
    ApiClient.Response invalid = api.post("/v1/images", new JsonObject().put("prompt", "   "), "Idempotency-Key", k);
    assertThat(invalid.status()).isEqualTo(400);
    // catalog failure (unknown LoRA)
    ApiClient.Response unknownLora = api.post("/v1/images", new JsonObject().put("prompt", "p").put("lora_id", "no-such-style"),
        "Idempotency-Key", k);
    assertThat(unknownLora.status()).isEqualTo(404);
    // insufficient credits (costs 2, balance 1)
    JsonObject expensive = new JsonObject().put("prompt", "p").put("size", "2k_1_1");
    ApiClient.Response broke = api.post("/v1/images", expensive, "Idempotency-Key", k);
    assertThat(broke.status()).isEqualTo(402);
    // immediately retrying the very same request finds the key free again (not a stale in-flight claim)
    ApiClient.Response brokeAgain = api.post("/v1/images", expensive, "Idempotency-Key", k);
    assertThat(brokeAgain.status()).isEqualTo(402);
    assertThat(brokeAgain.header("Aurous-Idempotent-Replayed")).isNull();
    // a valid, affordable body under the same key now succeeds and is then the one replayed
    JsonObject valid = new JsonObject().put("prompt", "p");
    ApiClient.Response ok = api.post("/v1/images", valid, "Idempotency-Key", k);
    assertThat(ok.status()).as(ok.body()).isEqualTo(201);
    assertThat(ok.header("Aurous-Idempotent-Replayed")).isNull();
    assertThat(api.post("/v1/images", valid, "Idempotency-Key", k).header("Aurous-Idempotent-Replayed")).isEqualTo("true");
    assertThat(count(team.team().id())).isEqualTo(1);
  }

  @Test
  void expiredKeysNoLongerReplay() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient api = node.client(team.key());
    String k = key();
    JsonObject body = new JsonObject().put("prompt", "p");
    String firstId = api.post("/v1/images", body, "Idempotency-Key", k).json().getString("id");
    node.node().pool().preparedQuery("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE team_id = $1")
        .execute(Tuple.of(team.team().id())).await();
    ApiClient.Response again = api.post("/v1/images", body, "Idempotency-Key", k);
    assertThat(again.status()).isEqualTo(201);
    assertThat(again.header("Aurous-Idempotent-Replayed")).isNull();
    assertThat(again.json().getString("id")).isNotEqualTo(firstId);
  }

  @Test
  void fiftyConcurrentIdenticalRequestsMakeOneGenerationAndOneCharge() throws Exception {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient api = node.client(team.key());
    String k = key();
    String body = new JsonObject().put("prompt", "a storm over the sea").put("size", "2k_1_1").encode();
    int n = 50;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<ApiClient.Response>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        futures.add(CompletableFuture.supplyAsync(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return api.post("/v1/images", body, "Idempotency-Key", k);
        }, pool));
      }
      go.countDown();
      int created = 0;
      int replayed = 0;
      int conflicts = 0;
      String id = null;
      List<String> bodies = new ArrayList<>();
      for (var f : futures) {
        ApiClient.Response r = f.get(60, TimeUnit.SECONDS);
        if (r.status() == 201 && r.header("Aurous-Idempotent-Replayed") == null) {
          created++;
          id = r.json().getString("id");
        } else if (r.status() == 201) {
          replayed++;
          bodies.add(r.body());
        } else {
          assertThat(r.status()).as(r.body()).isEqualTo(409);
          assertThat(r.errorCode()).isEqualTo("idempotency_key_in_use");
          conflicts++;
        }
      }
      assertThat(created).isEqualTo(1);
      assertThat(created + replayed + conflicts).isEqualTo(n);
      for (String b : bodies) {
        assertThat(new JsonObject(b).getString("id")).isEqualTo(id);
      }
      JsonArray listed = api.get("/v1/images").json().getJsonArray("data");
      assertThat(listed).hasSize(1);
      assertThat(listed.getJsonObject(0).getString("id")).isEqualTo(id);
      assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(98L);
      assertThat(node.teams().ledgerSum(team.team().id()).await()).isEqualTo(98L);
      // after the storm, the key replays
      ApiClient.Response after = api.post("/v1/images", body, "Idempotency-Key", k);
      assertThat(after.header("Aurous-Idempotent-Replayed")).isEqualTo("true");
      assertThat(after.json().getString("id")).isEqualTo(id);
    } finally {
      pool.shutdownNow();
    }
  }
}
