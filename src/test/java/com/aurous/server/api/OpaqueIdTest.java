package com.aurous.server.api;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ids are opaque: any prefix_ plus 1-64 URL-safe characters is an id (the contract's own
 * examples have 24 characters, not a ULID's 26); an unknown one is 404 resource_missing naming
 * its field, a malformed one 400 invalid_value.
 */
class OpaqueIdTest {
  /** Exactly as the contract pages print them. */
  static final String PAGE_LORA = "lora_01HXMQ7Z3K8Y2ABCDEFGHJKM";
  static final String PAGE_CHARACTER = "char_01HXMQ7Z3K8Y2ABCDEFGHJKM";
  static final String PAGE_IMAGE = "img_01HXMQ7Z3K8Y2ABCDEFGHJKM";
  static final String PAGE_FILE = "file_01HXMQ7Z3K8Y2NABCDEFGHJKMN";
  /** The longest id body accepted, and one character more. */
  static final String X64 = "0123456789012345678901234567890123456789012345678901234567890123";
  static final String X65 = X64 + "4";
  static TestNode node;
  static TestNode.TeamKey team;
  static ApiClient api;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    team = node.newTeam(1000);
    api = node.client(team.key());
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  private static JsonObject body() {
    return new JsonObject().put("prompt", "a portrait");
  }

  @ParameterizedTest
  @ValueSource(strings = {PAGE_LORA, "lora_x", "lora_a.b~c-d_e", "lora_" + X64})
  void anUnknownLoraIdOfAnyOpaqueShapeIs404NamingLoraId(String id) {
    for (String path : new String[] {"/v1/images/estimate", "/v1/images"}) {
      ApiClient.Response r = api.post(path, body().put("lora_id", id));
      assertThat(r.status()).as(id + " " + r.body()).isEqualTo(404);
      assertThat(r.errorCode()).isEqualTo("resource_missing");
      assertThat(r.errorParam()).isEqualTo("lora_id");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {PAGE_CHARACTER, "char_1", "char_" + X64})
  void anUnknownCharacterIdOfAnyOpaqueShapeIs404NamingCharacterId(String id) {
    for (String path : new String[] {"/v1/images/estimate", "/v1/images"}) {
      ApiClient.Response r = api.post(path, body().put("character_id", id));
      assertThat(r.status()).as(id + " " + r.body()).isEqualTo(404);
      assertThat(r.errorCode()).isEqualTo("resource_missing");
      assertThat(r.errorParam()).isEqualTo("character_id");
    }
  }

  @Test
  void theContractsExampleIdsWorkWhenTheCatalogHoldsThem() {
    // Private to another team, so for the main team they stay unknown in the other tests.
    TestNode.TeamKey holder = node.newTeam(1000);
    var pool = node.node().pool();
    pool.preparedQuery("INSERT INTO loras (id, slug, name, team_id, default_steps) VALUES ($1, 'page-style', 'Page Style', $2, 17)")
        .execute(Tuple.of(PAGE_LORA, holder.team().id())).await();
    pool.preparedQuery("INSERT INTO characters (id, team_id, name, status, reference_image_urls) VALUES ($1, $2, 'Page', 'ready', $3::jsonb)")
        .execute(Tuple.of(PAGE_CHARACTER, holder.team().id(), new JsonArray().add("https://cdn.example.com/p.png"))).await();
    ApiClient.Response r = node.client(holder.key()).post("/v1/images", body().put("lora_id", PAGE_LORA).put("character_id", PAGE_CHARACTER));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.json().getInteger("steps")).isEqualTo(17);
    assertThat(r.json().getString("character_id")).isEqualTo(PAGE_CHARACTER);
    assertThat(r.json().getJsonArray("loras").getJsonObject(0).getString("id")).isEqualTo(PAGE_LORA);
    // and the page's file id is a reference like any other, once the team has files by those ids
    for (String fileId : new String[] {PAGE_FILE, "file_x"}) {
      node.node().pool().preparedQuery("INSERT INTO files (id, team_id, mime_type, bytes, width, height, content, expires_at)"
              + " VALUES ($1, $2, 'image/png', 1, 1, 1, '\\x00'::bytea, now() + interval '1 hour')")
          .execute(Tuple.of(fileId, team.team().id())).await();
    }
    ApiClient.Response f = api.post("/v1/images/estimate", body().put("reference_image_urls", new JsonArray().add(PAGE_FILE).add("file_x")));
    assertThat(f.status()).as(f.body()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lora_", "lora_a b", "lora_a/b", "lora_é", "lora_" + X65, "Lora_x", X65})
  void aMalformedLoraIdIs400InvalidValue(String id) {
    ApiClient.Response r = api.post("/v1/images/estimate", body().put("lora_id", id));
    assertThat(r.status()).as(id + " " + r.body()).isEqualTo(400);
    assertThat(r.errorCode()).isEqualTo("invalid_value");
    assertThat(r.errorParam()).isEqualTo("lora_id");
  }

  @ParameterizedTest
  @ValueSource(strings = {"char_", "char_a%b", "char_" + X65, "chr_x", "bob"})
  void aMalformedCharacterIdIs400InvalidValue(String id) {
    ApiClient.Response r = api.post("/v1/images/estimate", body().put("character_id", id));
    assertThat(r.status()).as(id + " " + r.body()).isEqualTo(400);
    assertThat(r.errorCode()).isEqualTo("invalid_value");
    assertThat(r.errorParam()).isEqualTo("character_id");
  }

  @ParameterizedTest
  @ValueSource(strings = {PAGE_CHARACTER, "char_", "bob", "char_" + X65})
  void characterIdWithReferencesIsMutuallyExclusiveWhateverEitherValueIs(String id) {
    for (JsonArray refs : new JsonArray[] {new JsonArray().add(PAGE_FILE), new JsonArray().add("https://10.0.0.1/x.png"),
        new JsonArray().add("not a url")}) {
      for (String path : new String[] {"/v1/images/estimate", "/v1/images"}) {
        ApiClient.Response r = api.post(path, body().put("character_id", id).put("reference_image_urls", refs));
        assertThat(r.status()).as(id + " " + refs + " " + r.body()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("mutually_exclusive_input");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {PAGE_IMAGE, "img_1", "img_" + X64})
  void anUnknownGenerationIdOfAnyOpaqueShapeIs404OnEveryIdRoute(String id) {
    for (ApiClient.Response r : new ApiClient.Response[] {api.get("/v1/images/" + id), api.post("/v1/images/" + id + "/cancel", ""),
        api.get("/v1/images/" + id + "/webhook_deliveries")}) {
      assertThat(r.status()).as(id + " " + r.body()).isEqualTo(404);
      assertThat(r.errorCode()).isEqualTo("resource_missing");
      assertThat(r.errorParam()).isEqualTo("id");
    }
  }

  @Test
  void startingAfterTakesAnyOpaqueImageIdAsAPosition() {
    String id = api.post("/v1/images", body()).json().getString("id");
    // the page's id sorts before this server's ULIDs: nothing after it
    ApiClient.Response r = api.get("/v1/images?starting_after=" + PAGE_IMAGE);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().getJsonArray("data")).isEmpty();
    ApiClient.Response after = api.get("/v1/images?starting_after=img_zzz");
    assertThat(after.status()).as(after.body()).isEqualTo(200);
    assertThat(after.json().getJsonArray("data").getJsonObject(0).getString("id")).isEqualTo(id);
    for (String bad : new String[] {"img_", "img_" + X65, "lora_x", "img_a%20b"}) {
      ApiClient.Response b = api.get("/v1/images?starting_after=" + bad);
      assertThat(b.status()).as(bad + " " + b.body()).isEqualTo(400);
      assertThat(b.errorParam()).isEqualTo("starting_after");
    }
  }
}
