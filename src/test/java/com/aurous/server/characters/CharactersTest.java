package com.aurous.server.characters;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Multipart;
import com.aurous.server.testing.PictureServer;
import com.aurous.server.testing.Pictures;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * /v1/characters and the synthesis job, with references fetched from a local picture host
 * (reachable only through the test-only api.allow_insecure_urls, as webhook tests reach theirs).
 */
class CharactersTest {
  static final int MAX_BYTES = 200_000;
  static final int FETCH_TIMEOUT_MS = 2500;
  static TestNode node;
  static PictureServer pictures;

  @BeforeAll
  static void start() {
    pictures = new PictureServer();
    node = TestNode.start(new JsonObject()
        .put("api", new JsonObject().put("allow_insecure_urls", true))
        .put("files", new JsonObject().put("max_bytes", MAX_BYTES).put("fetch_timeout_ms", FETCH_TIMEOUT_MS)
            .put("fetch_max_redirects", 2))
        .put("characters", new JsonObject().put("poll_interval_ms", 200).put("lease_s", 10)
            .put("default_consistency_denoise_strength", 0.35)));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    pictures.close();
  }

  static String upload(TestNode.TeamKey team, byte[] data) {
    ApiClient.Response r = Multipart.upload(node.baseUrl(), team.key(), "image/png", data);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("id");
  }

  static JsonObject create(ApiClient c, JsonArray refs) {
    ApiClient.Response r = c.post("/v1/characters", new JsonObject().put("name", "Ada").put("reference_image_urls", refs));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.json().getString("status")).isEqualTo("synthesizing");
    return r.json();
  }

  static JsonObject settled(ApiClient c, String id) {
    return Polling.until(() -> c.get("/v1/characters/" + id).json(),
        x -> !"synthesizing".equals(x.getString("status")), Duration.ofSeconds(60), id);
  }

  @Test
  void aCharacterFromAnUploadedFileBecomesReadyAndHoldsThatFile() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient c = node.client(team.key());
    String file = upload(team, Pictures.png(32, 32));
    JsonObject ch = create(c, new JsonArray().add(file));
    assertThat(ch.getString("id")).startsWith("char_");
    assertThat(ch.getDouble("consistency_denoise_strength")).isEqualTo(0.35);
    JsonObject ready = settled(c, ch.getString("id"));
    assertThat(ready.getString("status")).isEqualTo("ready");
    assertThat(ready.getJsonArray("reference_file_ids")).isEqualTo(new JsonArray().add(file));
    assertThat(ready.getString("ready_at")).isNotNull();
    assertThat(c.get("/v1/files/" + file).json().getBoolean("in_use")).isTrue();
    assertThat(c.method("DELETE", "/v1/files/" + file, null).status()).isEqualTo(409);
  }

  @Test
  void aCharacterFromAUrlIsFetchedAndKeptAsAFileOfTheTeam() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient c = node.client(team.key());
    byte[] jpeg = Pictures.jpeg(40, 24);
    // Declared as text: the content decides, not the Content-Type.
    String url = pictures.serve("/ada.jpg", "text/plain", jpeg);
    String redirected = pictures.redirect("/moved", pictures.serve("/ada2.png", "image/png", Pictures.png(24, 24)));
    JsonObject ready = settled(c, create(c, new JsonArray().add(url).add(redirected)).getString("id"));
    assertThat(ready.getString("status")).as(ready.encode()).isEqualTo("ready");
    JsonArray files = ready.getJsonArray("reference_file_ids");
    assertThat(files).hasSize(2);
    JsonObject f = c.get("/v1/files/" + files.getString(0)).json();
    assertThat(f.getString("mime_type")).isEqualTo("image/jpeg");
    assertThat(f.getInteger("width")).isEqualTo(40);
    assertThat(c.get("/v1/files/" + files.getString(1)).json().getString("mime_type")).isEqualTo("image/png");
    assertThat(ready.getJsonArray("reference_image_urls")).isEqualTo(new JsonArray().add(url).add(redirected));
  }

  @Test
  void aRedirectToAForbiddenAddressFailsTheCharacterWithAReason() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient c = node.client(team.key());
    String url = pictures.redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/");
    JsonObject failed = settled(c, create(c, new JsonArray().add(url)).getString("id"));
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getString("failure_reason")).contains(url).contains("link-local");
    ApiClient.Response est = c.post("/v1/images/estimate", new JsonObject().put("prompt", "x").put("character_id",
        failed.getString("id")));
    assertThat(est.status()).isEqualTo(400);
    assertThat(est.errorCode()).isEqualTo("character_not_ready");
  }

  @Test
  void tooBigWrongOrSilentReferencesFailTheCharacterClearly() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient c = node.client(team.key());
    String big = pictures.serve("/big.png", "image/png", new byte[MAX_BYTES + 1]);
    String html = pictures.serve("/page.png", "image/png", "<html>hello</html>".getBytes(StandardCharsets.UTF_8));
    String silent = pictures.hang("/silent.png");
    String loop = pictures.redirect("/loop", pictures.url("/loop"));
    String missing = pictures.url("/nothing-here.png");
    String bomb = pictures.serve("/bomb.png", "image/png", Pictures.bombPng(50_000, 50_000));
    JsonObject bigC = create(c, new JsonArray().add(big));
    JsonObject htmlC = create(c, new JsonArray().add(html));
    JsonObject silentC = create(c, new JsonArray().add(silent));
    JsonObject loopC = create(c, new JsonArray().add(loop));
    JsonObject missingC = create(c, new JsonArray().add(missing));
    JsonObject bombC = create(c, new JsonArray().add(bomb));
    assertThat(reason(c, bigC)).contains("larger than " + MAX_BYTES + " bytes");
    assertThat(reason(c, htmlC)).contains("not a PNG, JPEG or WebP");
    assertThat(reason(c, silentC)).contains("did not answer within " + FETCH_TIMEOUT_MS + " ms");
    assertThat(reason(c, loopC)).contains("redirected more than 2 times");
    assertThat(reason(c, missingC)).contains("HTTP 404");
    assertThat(reason(c, bombC)).contains("50000x50000");
    // Nothing was kept of any of them.
    assertThat(c.get("/v1/files").json().getJsonArray("data")).isEmpty();
  }

  static String reason(ApiClient c, JsonObject character) {
    JsonObject s = settled(c, character.getString("id"));
    assertThat(s.getString("status")).as(s.encode()).isEqualTo("failed");
    return s.getString("failure_reason");
  }

  @Test
  void aSynthesizingCharacterIsNotReadyAndAnotherTeamsIsNotFound() {
    TestNode.TeamKey team = node.newTeam(100);
    TestNode.TeamKey other = node.newTeam(100);
    ApiClient c = node.client(team.key());
    JsonObject ch = create(c, new JsonArray().add(pictures.hang("/slow.png")));
    ApiClient.Response est = c.post("/v1/images/estimate", new JsonObject().put("prompt", "x").put("character_id", ch.getString("id")));
    assertThat(est.status()).as(est.body()).isEqualTo(400);
    assertThat(est.errorCode()).isEqualTo("character_not_ready");
    ApiClient theirs = node.client(other.key());
    assertThat(theirs.get("/v1/characters/" + ch.getString("id")).status()).isEqualTo(404);
    assertThat(theirs.method("DELETE", "/v1/characters/" + ch.getString("id"), null).status()).isEqualTo(404);
    assertThat(theirs.get("/v1/characters").json().getJsonArray("data")).isEmpty();
    ApiClient.Response cross = theirs.post("/v1/images", new JsonObject().put("prompt", "x").put("character_id", ch.getString("id")));
    assertThat(cross.status()).isEqualTo(404);
    assertThat(cross.errorParam()).isEqualTo("character_id");
    // A file of another team is no reference for a character either.
    String theirFile = upload(other, Pictures.png(8, 8));
    ApiClient.Response borrowed = c.post("/v1/characters", new JsonObject().put("name", "x")
        .put("reference_image_urls", new JsonArray().add(theirFile)));
    assertThat(borrowed.status()).isEqualTo(404);
    assertThat(borrowed.errorParam()).isEqualTo("reference_image_urls[0]");
  }

  @Test
  void aGenerationSnapshotsTheCharactersFilesAndDefaultAndKeepsThemAfterTheCharacterIsDeleted() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient c = node.client(team.key());
    String file = upload(team, Pictures.png(16, 16));
    String id = create(c, new JsonArray().add(file)).getString("id");
    assertThat(settled(c, id).getString("status")).isEqualTo("ready");
    ApiClient.Response est = c.post("/v1/images/estimate", new JsonObject().put("prompt", "x").put("character_id", id));
    assertThat(est.json().getJsonObject("estimated_cost").getJsonObject("breakdown").getLong("references")).isEqualTo(1);
    ApiClient.Response r = c.post("/v1/images", new JsonObject().put("prompt", "Ada at the sea").put("character_id", id));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    JsonObject g = r.json();
    assertThat(g.getString("character_id")).isEqualTo(id);
    assertThat(g.getJsonArray("reference_image_urls")).isEqualTo(new JsonArray().add(file));
    assertThat(g.getDouble("denoise_strength")).isEqualTo(0.35);
    assertThat(g.getString("inference_type")).isEqualTo("i2i");
    ApiClient.Response explicit = c.post("/v1/images", new JsonObject().put("prompt", "x").put("character_id", id)
        .put("denoise_strength", 0.8));
    assertThat(explicit.json().getDouble("denoise_strength")).isEqualTo(0.8);

    assertThat(c.method("DELETE", "/v1/characters/" + id, null).status()).isEqualTo(200);
    assertThat(c.get("/v1/characters/" + id).status()).isEqualTo(404);
    JsonObject after = c.get("/v1/images/" + g.getString("id")).json();
    assertThat(after.getJsonArray("reference_image_urls")).isEqualTo(new JsonArray().add(file));
    assertThat(after.getString("status")).isEqualTo("pending");
    // The pending generation still holds the file the character held.
    assertThat(c.get("/v1/files/" + file).json().getBoolean("in_use")).isTrue();
    ApiClient.Response both = c.post("/v1/images", new JsonObject().put("prompt", "x").put("character_id", id)
        .put("reference_image_urls", new JsonArray().add(file)));
    assertThat(both.status()).isEqualTo(400);
    assertThat(both.errorCode()).isEqualTo("mutually_exclusive_input");
  }

  @Test
  void charactersAreListedInPagesAndBadBodiesAreClear400s() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient c = node.client(team.key());
    String file = upload(team, Pictures.png(8, 8));
    String a = create(c, new JsonArray().add(file)).getString("id");
    String b = create(c, new JsonArray().add(file)).getString("id");
    JsonObject page = c.get("/v1/characters?limit=1").json();
    assertThat(page.getJsonArray("data").getJsonObject(0).getString("id")).isEqualTo(b);
    assertThat(page.getBoolean("has_more")).isTrue();
    JsonObject next = c.get("/v1/characters?limit=1&starting_after=" + page.getString("next_cursor")).json();
    assertThat(next.getJsonArray("data").getJsonObject(0).getString("id")).isEqualTo(a);
    assertThat(next.getBoolean("has_more")).isFalse();

    JsonArray seven = new JsonArray();
    for (int i = 0; i < 7; i++) {
      seven.add(file);
    }
    Object[][] bad = {
        {new JsonObject().put("reference_image_urls", new JsonArray().add(file)), "missing_field", "name"},
        {new JsonObject().put("name", "  ").put("reference_image_urls", new JsonArray().add(file)), "invalid_value", "name"},
        {new JsonObject().put("name", 5).put("reference_image_urls", new JsonArray().add(file)), "invalid_type", "name"},
        {new JsonObject().put("name", "x"), "missing_field", "reference_image_urls"},
        {new JsonObject().put("name", "x").put("reference_image_urls", new JsonArray()), "too_few_items", "reference_image_urls"},
        {new JsonObject().put("name", "x").put("reference_image_urls", seven), "too_many_items", "reference_image_urls"},
        {new JsonObject().put("name", "x").put("reference_image_urls", new JsonArray().add("ftp://x/y.png")), "invalid_url",
            "reference_image_urls[0]"},
        {new JsonObject().put("name", "x").put("reference_image_urls", new JsonArray().add(3)), "invalid_type",
            "reference_image_urls[0]"},
        {new JsonObject().put("name", "x").put("reference_image_urls", new JsonArray().add(file)).put("colour", "red"),
            "unknown_field", "colour"},
        {new JsonObject().put("name", "x").put("reference_image_urls", new JsonArray().add(file))
            .put("consistency_denoise_strength", 1.5), "out_of_range", "consistency_denoise_strength"},
    };
    for (Object[] row : bad) {
      ApiClient.Response r = c.post("/v1/characters", (JsonObject) row[0]);
      assertThat(r.status()).as(r.body()).isEqualTo(400);
      assertThat(r.errorCode()).as(r.body()).isEqualTo(row[1]);
      assertThat(r.errorParam()).as(r.body()).isEqualTo(row[2]);
    }
    assertThat(c.post("/v1/characters", "{not json").status()).isEqualTo(400);
    assertThat(c.get("/v1/characters/bogus").status()).isEqualTo(404);
    assertThat(c.get("/v1/characters").json().getJsonArray("data")).hasSize(2);
  }

  /**
   * What the survivors do when a member leaves (the Hazelcast event itself is exercised by
   * cluster/CharacterJobAcrossNodesTest): only that member's claims come back; one with attempts
   * left is taken over by this node's job, one that used its last attempt is failed, not left
   * synthesizing with no lease to expire.
   */
  @Test
  void aDepartedMembersCharactersAreHandedBackAndOneOnItsLastAttemptIsFailed() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient c = node.client(team.key());
    String file = upload(team, Pictures.png(32, 32));
    String gone = CharacterStore.workerId("gone", "member-1");
    String alive = CharacterStore.workerId("alive", "member-2");
    String retried = held(team, file, gone, 1);
    String exhausted = held(team, file, gone, 3);
    String other = held(team, file, alive, 1);

    assertThat(new CharacterStore(node.node().pool()).rescueNode("member-1").await()).containsExactlyInAnyOrder(retried, exhausted);

    JsonObject ready = settled(c, retried);
    assertThat(ready.getString("status")).as(ready.encode()).isEqualTo("ready");
    assertThat(ready.getJsonArray("reference_file_ids")).isEqualTo(new JsonArray().add(file));
    JsonObject failed = settled(c, exhausted);
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getString("failure_reason")).contains("interrupted 3 times");
    var row = node.node().pool().preparedQuery("SELECT status, claimed_by, attempts FROM characters WHERE id = $1")
        .execute(io.vertx.sqlclient.Tuple.of(other)).await().iterator().next();
    assertThat(row.getString("status")).isEqualTo("synthesizing");
    assertThat(row.getString("claimed_by")).isEqualTo(alive);
    assertThat(c.get("/v1/characters/" + other).json().getString("status")).isEqualTo("synthesizing");
  }

  /** A character claimed by {@code workerId} for an hour, as its job would have left it. */
  static String held(TestNode.TeamKey team, String file, String workerId, int attempts) {
    String id = "char_held" + System.nanoTime();
    node.node().pool().preparedQuery("INSERT INTO characters (id, team_id, name, status, source_references,"
            + " consistency_denoise_strength, claimed_by, lease_expires_at, attempts)"
            + " VALUES ($1, $2, 'Held', 'synthesizing', $3, 0.35, $4, now() + interval '1 hour', $5)")
        .execute(io.vertx.sqlclient.Tuple.of(id, team.team().id(), new JsonArray().add(file), workerId, attempts)).await();
    return id;
  }
}
