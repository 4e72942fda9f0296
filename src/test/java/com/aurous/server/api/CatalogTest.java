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

/** lora_id and character_id looked up in the loras/characters tables, scoped to the team. */
class CatalogTest {
  static final String LORA = "lora_01HXMQ7Z3K8Y2ABCDEFGHJKM00";
  static final String LORA_UUID = "6f1c2a9e-4b7d-4c1e-9a2f-0123456789ab";
  static final String PRIVATE_LORA = "lora_01HXMQ7Z3K8Y2ABCDEFGHJKM01";
  static final String READY = "char_01HXMQ7Z3K8Y2ABCDEFGHJKM02";
  static final String READY_UUID = "0b7e3a52-1111-4c1e-9a2f-0123456789ab";
  static final String SYNTH = "char_01HXMQ7Z3K8Y2ABCDEFGHJKM03";
  static final String FOREIGN = "char_01HXMQ7Z3K8Y2ABCDEFGHJKM04";
  static final String TUNED = "char_01HXMQ7Z3K8Y2ABCDEFGHJKM05";
  static TestNode node;
  static TestNode.TeamKey team;
  static TestNode.TeamKey other;
  static ApiClient api;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    team = node.newTeam(1000);
    other = node.newTeam(1000);
    api = node.client(team.key());
    var pool = node.node().pool();
    pool.preparedQuery("INSERT INTO loras (id, slug, legacy_uuid, name, team_id, default_steps, default_guidance_scale,"
            + " default_cfg_rescale, default_denoise_strength) VALUES ($1, 'sunset-style', $2::uuid, 'Sunset Style', NULL, 28, 6.5, 0.4, 0.45)")
        .execute(Tuple.of(LORA, LORA_UUID)).await();
    pool.preparedQuery("INSERT INTO loras (id, slug, name, team_id, default_steps) VALUES ($1, 'their-style', 'Theirs', $2, 5)")
        .execute(Tuple.of(PRIVATE_LORA, other.team().id())).await();
    // jsonb parameters take a JsonArray (a String would be stored as a JSON string)
    JsonArray refs = new JsonArray().add("https://cdn.example.com/a.png").add("https://cdn.example.com/b.png");
    pool.preparedQuery("INSERT INTO characters (id, legacy_uuid, team_id, name, status, reference_image_urls)"
            + " VALUES ($1, $2::uuid, $3, 'Ada', 'ready', $4::jsonb)")
        .execute(Tuple.of(READY, READY_UUID, team.team().id(), refs)).await();
    // Leased far ahead by a node that is not there, so this node's synthesis job leaves it synthesizing.
    pool.preparedQuery("INSERT INTO characters (id, team_id, name, status, claimed_by, lease_expires_at)"
            + " VALUES ($1, $2, 'Bo', 'synthesizing', 'elsewhere', now() + interval '1 hour')")
        .execute(Tuple.of(SYNTH, team.team().id())).await();
    pool.preparedQuery("INSERT INTO characters (id, team_id, name, status, reference_image_urls) VALUES ($1, $2, 'Cy', 'ready', $3::jsonb)")
        .execute(Tuple.of(FOREIGN, other.team().id(), refs)).await();
    pool.preparedQuery("INSERT INTO characters (id, team_id, name, status, reference_image_urls, consistency_denoise_strength)"
            + " VALUES ($1, $2, 'Di', 'ready', $3::jsonb, 0.35)")
        .execute(Tuple.of(TUNED, team.team().id(), new JsonArray().add("file_01HXMQ7Z3K8Y2NABCDEFGHJKMN"))).await();
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  private static JsonObject body() {
    return new JsonObject().put("prompt", "a portrait");
  }

  @ParameterizedTest
  @ValueSource(strings = {LORA, "sunset-style", LORA_UUID, "6F1C2A9E-4B7D-4C1E-9A2F-0123456789AB"})
  void loraByIdSlugOrUuidGivesItsDefaultsAndLorasArray(String ref) {
    ApiClient.Response r = api.post("/v1/images", body().put("lora_id", ref));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    JsonObject g = r.json();
    assertThat(g.getInteger("steps")).isEqualTo(28);
    assertThat(g.getDouble("guidance_scale")).isEqualTo(6.5);
    assertThat(g.getDouble("cfg_rescale")).isEqualTo(0.4);
    assertThat(g.getValue("denoise_strength")).isNull(); // t2i: never defaulted
    assertThat(g.getJsonArray("loras")).isEqualTo(new JsonArray().add(new JsonObject().put("id", LORA).put("name", "Sunset Style")));
    assertThat(api.get("/v1/images/" + g.getString("id")).json().getJsonArray("loras").getJsonObject(0).getString("id")).isEqualTo(LORA);
    assertThat(api.post("/v1/images/estimate", body().put("lora_id", ref)).status()).isEqualTo(200);
  }

  @Test
  void explicitValuesBeatTheLorasDefaultsAndLoraDenoiseAppliesWithReferences() {
    ApiClient.Response r = api.post("/v1/images", body().put("lora_id", "sunset-style").put("steps", 3).put("cfg_rescale", 0.9)
        .put("reference_image_urls", new JsonArray().add("https://example.com/r.png")));
    JsonObject g = r.json();
    assertThat(g.getInteger("steps")).isEqualTo(3);
    assertThat(g.getDouble("guidance_scale")).isEqualTo(6.5);
    assertThat(g.getDouble("cfg_rescale")).isEqualTo(0.9);
    assertThat(g.getDouble("denoise_strength")).isEqualTo(0.45);
    assertThat(g.getString("inference_type")).isEqualTo("i2i");
  }

  @ParameterizedTest
  @ValueSource(strings = {"lora_01HXMQ7Z3K8Y2ABCDEFGHJKM99", "no-such-style", "00000000-0000-4000-8000-000000000000",
      PRIVATE_LORA, "their-style"})
  void unknownOrOtherTeamsLoraIs404NamingLoraId(String ref) {
    for (String path : new String[] {"/v1/images/estimate", "/v1/images"}) {
      ApiClient.Response r = api.post(path, body().put("lora_id", ref));
      assertThat(r.status()).as(r.body()).isEqualTo(404);
      assertThat(r.errorParam()).isEqualTo("lora_id");
    }
    // the owning team does see its private LoRA
    if (ref.equals(PRIVATE_LORA)) {
      assertThat(node.client(other.key()).post("/v1/images", body().put("lora_id", ref)).json().getInteger("steps")).isEqualTo(5);
    }
  }

  @Test
  void otherTeamsCharacterIs404LikeAMissingOne() {
    ApiClient.Response foreign = api.post("/v1/images/estimate", body().put("character_id", FOREIGN));
    ApiClient.Response missing = api.post("/v1/images/estimate", body().put("character_id", "char_01HXMQ7Z3K8Y2ABCDEFGHJKM99"));
    assertThat(foreign.status()).isEqualTo(404);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(foreign.errorParam()).isEqualTo("character_id");
    assertThat(foreign.errorCode()).isEqualTo(missing.errorCode());
    assertThat(api.post("/v1/images", body().put("character_id", FOREIGN)).status()).isEqualTo(404);
  }

  @Test
  void characterNotReadyIs400() {
    for (String path : new String[] {"/v1/images/estimate", "/v1/images"}) {
      ApiClient.Response r = api.post(path, body().put("character_id", SYNTH));
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("character_not_ready");
      assertThat(r.errorParam()).isEqualTo("character_id");
    }
    for (String status : new String[] {"reviewing", "failed"}) {
      node.node().pool().preparedQuery("UPDATE characters SET status = $2 WHERE id = $1").execute(Tuple.of(SYNTH, status)).await();
      assertThat(api.post("/v1/images", body().put("character_id", SYNTH)).errorCode()).isEqualTo("character_not_ready");
    }
  }

  @Test
  void readyCharacterGivesI2iWithDefaultDenoiseAndSnapshotsItsReferences() {
    ApiClient.Response r = api.post("/v1/images", body().put("character_id", READY));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    JsonObject g = r.json();
    String id = g.getString("id");
    assertThat(g.getString("inference_type")).isEqualTo("i2i");
    assertThat(g.getDouble("denoise_strength")).isEqualTo(0.6);
    assertThat(g.getString("character_id")).isEqualTo(READY);
    assertThat(g.getJsonArray("reference_image_urls"))
        .isEqualTo(new JsonArray().add("https://cdn.example.com/a.png").add("https://cdn.example.com/b.png"));
    // the estimate prices the character's references at the reference rate
    JsonObject est = api.post("/v1/images/estimate", body().put("character_id", READY)).json().getJsonObject("estimated_cost");
    assertThat(est.getLong("amount")).isEqualTo(g.getJsonObject("cost").getLong("amount"));
    // the character changes later: the generation keeps what it was submitted with
    node.node().pool().preparedQuery("UPDATE characters SET reference_image_urls = '[\"https://cdn.example.com/z.png\"]'::jsonb WHERE id = $1")
        .execute(Tuple.of(READY)).await();
    assertThat(api.get("/v1/images/" + id).json().getJsonArray("reference_image_urls")).hasSize(2);
    // legacy UUID works too; explicit denoise wins; the character's own consistency default applies
    assertThat(api.post("/v1/images", body().put("character_id", READY_UUID).put("denoise_strength", 0.2)).json()
        .getDouble("denoise_strength")).isEqualTo(0.2);
    assertThat(api.post("/v1/images", body().put("character_id", TUNED)).json().getDouble("denoise_strength")).isEqualTo(0.35);
  }
}
