package com.aurous.server.api;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `Prefer: wait=N` on POST /v1/images (RFC 7240): one request can carry the terminal object. The
 * api-only node has no worker, so what it creates stays pending and every wait runs out; its
 * maximum wait is 3 s so that clamping can be seen without a minute-long test.
 */
class PreferWaitTest {
  static TestNode apiOnly;
  static TestNode withEngine;
  static ApiClient api;
  static ApiClient engine;

  @BeforeAll
  static void start() {
    apiOnly = TestNode.start(new JsonObject().put("api", new JsonObject().put("prefer_wait_max_s", 3)));
    withEngine = TestNode.startWithEngine(new JsonObject());
    api = apiOnly.client(apiOnly.newTeam(1000).key());
    engine = withEngine.client(withEngine.newTeam(1000).key());
  }

  @AfterAll
  static void stop() throws Exception {
    apiOnly.close();
    withEngine.close();
  }

  private static JsonObject body() {
    return new JsonObject().put("prompt", "a lighthouse at dusk").put("steps", 2).put("seed", 5);
  }

  @Test
  void aCreateThatPrefersToWaitIsAnsweredSucceededWithItsOutputsInOneRequest() {
    ApiClient.Response r = engine.post("/v1/images", body(), "Prefer", "wait=60");

    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.header("Preference-Applied")).isEqualTo("wait=60");
    assertThat(r.json().getString("status")).isEqualTo("succeeded");
    assertThat(r.json().getJsonArray("output_urls")).hasSize(1);
    ApiClient.Response png = new ApiClient("", null).get(r.json().getJsonArray("output_urls").getString(0));
    assertThat(png.status()).isEqualTo(200);
  }

  @Test
  void aCreateWhoseWaitRunsOutIsAnsweredPendingOnceTheWaitHasPassed() {
    long t0 = System.nanoTime();
    ApiClient.Response r = api.post("/v1/images", body(), "Prefer", "wait=1");
    long elapsedMs = (System.nanoTime() - t0) / 1_000_000;

    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.header("Preference-Applied")).isEqualTo("wait=1");
    assertThat(r.json().getString("status")).isEqualTo("pending");
    assertThat(r.json().getString("id")).startsWith("img_");
    assertThat(elapsedMs).isGreaterThanOrEqualTo(900);
  }

  @Test
  void aWaitLongerThanTheMaximumIsClampedAndSaysSo() {
    ApiClient.Response r = api.post("/v1/images", body(), "Prefer", "wait=61");

    assertThat(r.status()).isEqualTo(201);
    assertThat(r.header("Preference-Applied")).isEqualTo("wait=3");
    assertThat(api.post("/v1/images", body(), "Prefer", "wait=99999999999999").header("Preference-Applied"))
        .isEqualTo("wait=3");
  }

  @Test
  void unusableWaitValuesAndOtherPreferencesAreIgnoredAndTheCreateAnsweredAtOnce() {
    for (String prefer : List.of("wait=abc", "wait=-1", "wait=0", "wait", "wait=", "wait=1.5", "respond-async",
        "return=minimal", "foo=bar;baz", "wait=abc, wait=1", ",,,", "wait=\"x\"")) {
      ApiClient.Response r = api.post("/v1/images", body(), "Prefer", prefer);

      assertThat(r.status()).as(prefer + ": " + r.body()).isEqualTo(201);
      assertThat(r.header("Preference-Applied")).as(prefer).isNull();
      assertThat(r.json().getString("status")).isEqualTo("pending");
    }
  }

  @Test
  void theFirstWaitCountsAndItsSpellingIsFree() {
    for (String prefer : List.of("wait=1, wait=abc", "respond-async, Wait=1", "wait=\"1\"", "wait=1; foo=bar")) {
      ApiClient.Response r = api.post("/v1/images", body(), "Prefer", prefer);

      assertThat(r.status()).as(prefer).isEqualTo(201);
      assertThat(r.header("Preference-Applied")).as(prefer).isEqualTo("wait=1");
    }
  }

  @Test
  void anIdempotentReplayAnswersTheStoredResponseWithoutWaiting() {
    String key = UUID.randomUUID().toString();
    ApiClient.Response first = api.post("/v1/images", body(), "Prefer", "wait=1", "Idempotency-Key", key);
    long t0 = System.nanoTime();
    ApiClient.Response replay = api.post("/v1/images", body(), "Prefer", "wait=1", "Idempotency-Key", key);

    assertThat(first.header("Preference-Applied")).isEqualTo("wait=1");
    assertThat(replay.status()).isEqualTo(201);
    assertThat(replay.header("Aurous-Idempotent-Replayed")).isEqualTo("true");
    assertThat(replay.header("Preference-Applied")).isNull();
    assertThat(replay.json().getString("id")).isEqualTo(first.json().getString("id"));
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(900);
  }

  @Test
  void aRefusedCreateThatPrefersToWaitIsRefusedAtOnce() {
    ApiClient.Response r = api.post("/v1/images", new JsonObject().put("prompt", ""), "Prefer", "wait=2");

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.header("Preference-Applied")).isNull();
  }

  @Test
  void aGenerationCancelledDuringTheWaitIsAnsweredCancelled() throws Exception {
    ApiClient own = apiOnly.client(apiOnly.newTeam(100).key());
    var waiting = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> own.post("/v1/images", body(), "Prefer", "wait=3"));
    String id = null;
    for (int i = 0; i < 200 && id == null; i++) {
      var data = own.get("/v1/images?limit=1").json().getJsonArray("data");
      if (!data.isEmpty()) {
        id = data.getJsonObject(0).getString("id");
      } else {
        Thread.sleep(10);
      }
    }
    assertThat(id).isNotNull();
    assertThat(own.post("/v1/images/" + id + "/cancel", "").status()).isEqualTo(200);

    ApiClient.Response r = waiting.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.header("Preference-Applied")).isEqualTo("wait=3");
    assertThat(r.json().getString("id")).isEqualTo(id);
    assertThat(r.json().getString("status")).isEqualTo("cancelled");
  }
}
