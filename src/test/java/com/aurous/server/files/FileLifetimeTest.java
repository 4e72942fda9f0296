package com.aurous.server.files;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Multipart;
import com.aurous.server.testing.Pictures;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * File lifetimes with files.ttl_s = 2 and a purge every second: an expired file is gone for
 * every purpose, and a file a character or an open generation holds outlives its TTL exactly
 * as long as it is held.
 */
class FileLifetimeTest {
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject()
        .put("files", new JsonObject().put("ttl_s", 2).put("purge_interval_s", 1))
        .put("characters", new JsonObject().put("poll_interval_ms", 200)));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static boolean stored(String id) {
    return node.node().pool().preparedQuery("SELECT 1 FROM files WHERE id = $1").execute(Tuple.of(id)).await().size() > 0;
  }

  static String upload(TestNode.TeamKey team) {
    ApiClient.Response r = Multipart.upload(node.baseUrl(), team.key(), "image/png", Pictures.png(12, 12));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("id");
  }

  @Test
  void anExpiredFileIsNotFoundAndIsPurged() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient c = node.client(team.key());
    String id = upload(team);
    assertThat(c.get("/v1/files/" + id).status()).isEqualTo(200);
    Polling.until(() -> c.get("/v1/files/" + id).status(), s -> s == 404, Duration.ofSeconds(20), id + " to expire");
    ApiClient.Response est = c.post("/v1/images/estimate", new JsonObject().put("prompt", "x")
        .put("reference_image_urls", new JsonArray().add(id)));
    assertThat(est.status()).isEqualTo(404);
    assertThat(c.get("/v1/files").json().getJsonArray("data")).isEmpty();
    assertThat(c.method("DELETE", "/v1/files/" + id, null).status()).isEqualTo(404);
    Polling.until(() -> stored(id), s -> !s, Duration.ofSeconds(20), id + " to be purged");
  }

  @Test
  void aHeldFileOutlivesItsTtlUntilNeitherTheCharacterNorTheGenerationHoldsIt() throws Exception {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient c = node.client(team.key());
    String file = upload(team);
    ApiClient.Response created = c.post("/v1/characters", new JsonObject().put("name", "Ada")
        .put("reference_image_urls", new JsonArray().add(file)));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String character = created.json().getString("id");
    Polling.until(() -> c.get("/v1/characters/" + character).json().getString("status"), "ready"::equals,
        Duration.ofSeconds(30), character);
    Thread.sleep(3500);
    // Past its TTL and through several purges: the character holds it.
    assertThat(c.get("/v1/files/" + file).status()).isEqualTo(200);
    ApiClient.Response g = c.post("/v1/images", new JsonObject().put("prompt", "Ada").put("character_id", character));
    assertThat(g.status()).as(g.body()).isEqualTo(201);
    String generation = g.json().getString("id");
    assertThat(c.method("DELETE", "/v1/characters/" + character, null).status()).isEqualTo(200);
    Thread.sleep(2000);
    // The character is gone; the accepted generation (pending: this node has no worker) still holds the file.
    assertThat(c.get("/v1/files/" + file).status()).isEqualTo(200);
    assertThat(stored(file)).isTrue();
    assertThat(c.post("/v1/images/" + generation + "/cancel", "{}").status()).isEqualTo(200);
    Polling.until(() -> c.get("/v1/files/" + file).status(), s -> s == 404, Duration.ofSeconds(20), file);
    Polling.until(() -> stored(file), s -> !s, Duration.ofSeconds(20), file + " to be purged");
  }
}
