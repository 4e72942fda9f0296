package com.aurous.server.api;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The style catalog through real HTTP against PostgreSQL: GET /v1/loras and /v1/loras/{id}, style
 * defaults applied and recorded, keyword auto-pick, bundles, team-private entries, and the
 * adapters each generation snapshots for the engine.
 */
class StylesTest {
  static final String PASTEL = "lora_01JEKX5A000000000000000001";
  static final String NEON = "lora_01JEKX5A000000000000000002";
  static final String MONO = "lora_01JEKX5A000000000000000003";
  static final String BUNDLE = "lora_01JEKX5A000000000000000004";
  static final String PASTEL_UUID = "3b0f6c1e-5a41-4d6e-9c1a-000000000001";
  static final String PRIVATE = "lora_01JEKX5A0000000000000000P9";
  static TestNode node;
  static TestNode.TeamKey team;
  static TestNode.TeamKey other;
  static ApiClient api;
  static ApiClient otherApi;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    team = node.newTeam(10_000);
    other = node.newTeam(10_000);
    api = node.client(team.key());
    otherApi = node.client(other.key());
    node.node().pool().preparedQuery("INSERT INTO loras (id, slug, name, team_id, kind, adapter_name, style_template,"
            + " keywords, default_steps) VALUES ($1, 'secret-sauce', 'Secret Sauce', $2, 'lora', 'pastel',"
            + " '{prompt}, secret', '{zanzibar}', 7)")
        .execute(Tuple.of(PRIVATE, other.team().id())).await();
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  private static JsonObject body(String prompt) {
    return new JsonObject().put("prompt", prompt);
  }

  private static JsonArray adapters(String generationId) {
    Row r = node.node().pool().preparedQuery("SELECT adapters FROM generations WHERE id = $1").execute(Tuple.of(generationId))
        .await().iterator().next();
    Object v = r.getValue("adapters");
    return v == null ? null : (JsonArray) v;
  }

  // ---- the catalog routes -------------------------------------------------------------------

  @Test
  void theCatalogListsTheBuiltInStylesInIdOrderWithTheirDefaultsTemplatesAndKeywords() {
    ApiClient.Response r = api.get("/v1/loras");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonObject page = r.json();
    assertThat(page.getString("object")).isEqualTo("list");
    assertThat(page.getBoolean("has_more")).isFalse();
    assertThat(page.getValue("next_cursor")).isNull();
    List<String> ids = new ArrayList<>();
    page.getJsonArray("data").forEach(o -> ids.add(((JsonObject) o).getString("id")));
    assertThat(ids).containsExactly(PASTEL, NEON, MONO, BUNDLE); // another team's private entry is not listed
    JsonObject pastel = page.getJsonArray("data").getJsonObject(0);
    assertThat(pastel.getString("object")).isEqualTo("lora");
    assertThat(pastel.getString("kind")).isEqualTo("lora");
    assertThat(pastel.getString("slug")).isEqualTo("pastel");
    assertThat(pastel.getString("uuid")).isEqualTo(PASTEL_UUID);
    assertThat(pastel.getString("name")).isEqualTo("Pastel");
    assertThat(pastel.getString("visibility")).isEqualTo("public");
    assertThat(pastel.getJsonObject("style_defaults")).isEqualTo(new JsonObject().put("steps", 12).put("guidance_scale", 3.5)
        .put("cfg_rescale", 0.6).put("denoise_strength", 0.55));
    assertThat(pastel.getString("style_template")).startsWith("{prompt}, soft pastel colours");
    assertThat(pastel.getJsonArray("keywords").getList()).contains("pastel", "watercolor");
    assertThat(page.getJsonArray("data").getJsonObject(3).getString("kind")).isEqualTo("bundle");
  }

  @Test
  void theCatalogPagesByLimitAndStartingAfter() {
    JsonObject first = api.get("/v1/loras?limit=3").json();
    assertThat(first.getJsonArray("data")).hasSize(3);
    assertThat(first.getBoolean("has_more")).isTrue();
    assertThat(first.getString("next_cursor")).isEqualTo(MONO);
    JsonObject second = api.get("/v1/loras?limit=3&starting_after=" + MONO).json();
    assertThat(second.getJsonArray("data")).hasSize(1);
    assertThat(second.getJsonArray("data").getJsonObject(0).getString("id")).isEqualTo(BUNDLE);
    assertThat(second.getBoolean("has_more")).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {PASTEL, "pastel", PASTEL_UUID, "3B0F6C1E-5A41-4D6E-9C1A-000000000001"})
  void oneLoraIsFoundByIdSlugOrUuid(String ref) {
    ApiClient.Response r = api.get("/v1/loras/" + ref);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().getString("id")).isEqualTo(PASTEL);
  }

  @Test
  void anotherTeamsPrivateLoraIs404LikeAMissingOneButItsOwnerSeesIt() {
    for (String ref : new String[] {PRIVATE, "secret-sauce"}) {
      ApiClient.Response r = api.get("/v1/loras/" + ref);
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.errorCode()).isEqualTo("resource_missing");
      assertThat(r.errorParam()).isEqualTo("id");
      ApiClient.Response missing = api.get("/v1/loras/lora_01JEKX5A0000000000000000Z9");
      assertThat(missing.status()).isEqualTo(404);
      assertThat(missing.json().getJsonObject("error").fieldNames()).isEqualTo(r.json().getJsonObject("error").fieldNames());
      assertThat(api.post("/v1/images", body("a cat").put("lora_id", ref)).status()).isEqualTo(404);
    }
    JsonObject own = otherApi.get("/v1/loras/secret-sauce").json();
    assertThat(own.getString("visibility")).isEqualTo("team");
    List<String> ownIds = new ArrayList<>();
    otherApi.get("/v1/loras").json().getJsonArray("data").forEach(o -> ownIds.add(((JsonObject) o).getString("id")));
    assertThat(ownIds).contains(PRIVATE);
    // its keyword auto-picks it for its own team only
    assertThat(otherApi.post("/v1/images", body("a zanzibar sunset")).json().getJsonArray("loras").getJsonObject(0)
        .getString("id")).isEqualTo(PRIVATE);
    assertThat(api.post("/v1/images", body("a zanzibar sunset")).json().getValue("loras")).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"lora_", "lora_%20x", "..%2F..%2Fetc%2Fpasswd", "Pastel", "pastel--x", "%00", "lora_x%27%20OR%201=1",
      "img_01JEKX5A000000000000000001"})
  void hostileOrMalformedIdsAre404InTheEnvelope(String ref) {
    ApiClient.Response r = api.get("/v1/loras/" + ref);
    assertThat(r.status()).as(ref + " " + r.body()).isIn(400, 404);
    assertThat(r.json().getJsonObject("error").getString("code")).isNotBlank();
    assertThat(r.header("Aurous-Request-Id")).isNotBlank();
  }

  @Test
  void aVeryLongIdIs404AndNotEchoedInFull() {
    String ref = "a".repeat(3000);
    ApiClient.Response r = api.get("/v1/loras/" + ref);
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.body().length()).isLessThan(1000);
  }

  @Test
  void badQueryParametersAre400() {
    assertThat(api.get("/v1/loras?limit=0").errorCode()).isEqualTo("out_of_range");
    assertThat(api.get("/v1/loras?limit=101").errorCode()).isEqualTo("out_of_range");
    assertThat(api.get("/v1/loras?limit=abc").errorCode()).isEqualTo("invalid_type");
    assertThat(api.get("/v1/loras?starting_after=img_01JEKX5A000000000000000001").errorCode()).isEqualTo("invalid_value");
    assertThat(api.get("/v1/loras?kind=bundle").errorCode()).isEqualTo("unknown_parameter");
  }

  @Test
  void otherMethodsAre405AndAMissingKeyIs401() {
    for (String method : new String[] {"POST", "PUT", "DELETE", "PATCH"}) {
      ApiClient.Response r = api.method(method, "/v1/loras/pastel", "{}");
      assertThat(r.status()).as(method).isEqualTo(405);
      assertThat(r.errorCode()).isEqualTo("method_not_allowed");
    }
    assertThat(api.method("DELETE", "/v1/loras", null).status()).isEqualTo(405);
    assertThat(new ApiClient(node.baseUrl(), null).get("/v1/loras").status()).isEqualTo(401);
  }

  // ---- styles on generations ----------------------------------------------------------------

  @Test
  void aLorasStyleDefaultsApplyWhereTheRequestIsSilentAndAreRecorded() {
    JsonObject g = api.post("/v1/images", body("a lighthouse").put("lora_id", "neon").put("guidance_scale", 9.0)).json();
    assertThat(g.getInteger("steps")).isEqualTo(12);
    assertThat(g.getDouble("guidance_scale")).isEqualTo(9.0); // explicit wins
    assertThat(g.getDouble("cfg_rescale")).isEqualTo(0.75);
    assertThat(g.getValue("denoise_strength")).isNull(); // t2i: never defaulted
    assertThat(g.getJsonArray("loras")).isEqualTo(new JsonArray().add(new JsonObject().put("id", NEON).put("name", "Neon")));
    assertThat(g.getValue("bundle_name")).isNull();
    assertThat(g.getString("lora_selection")).isEqualTo("requested");
    assertThat(g.getString("prompt")).isEqualTo("a lighthouse"); // no enhance_prompt: the prompt is untouched
    assertThat(adapters(g.getString("id"))).isEqualTo(new JsonArray().add(new JsonObject().put("name", "neon").put("weight", 1.0)));
    JsonObject stored = api.get("/v1/images/" + g.getString("id")).json();
    assertThat(stored.getInteger("steps")).isEqualTo(12);
    assertThat(stored.getDouble("cfg_rescale")).isEqualTo(0.75);
    // with a reference the style's denoise default applies
    JsonObject i2i = api.post("/v1/images", body("a lighthouse").put("lora_id", MONO)
        .put("reference_image_urls", new JsonArray().add("https://example.com/r.png"))).json();
    assertThat(i2i.getDouble("denoise_strength")).isEqualTo(0.6);
    assertThat(i2i.getInteger("steps")).isEqualTo(11);
  }

  @ParameterizedTest
  @ValueSource(strings = {"A NEON sign over a bar", "cyberpunk alley, rain", "night city (synthwave)"})
  void withoutLoraIdAWholeWordKeywordPicksTheStyle(String prompt) {
    JsonObject g = api.post("/v1/images", body(prompt)).json();
    assertThat(g.getJsonArray("loras").getJsonObject(0).getString("id")).isEqualTo(NEON);
    assertThat(g.getString("lora_selection")).isEqualTo("auto");
    assertThat(g.getInteger("steps")).isEqualTo(12);
    assertThat(adapters(g.getString("id")).getJsonObject(0).getString("name")).isEqualTo("neon");
  }

  @Test
  void autoPickTakesTheFirstStyleInCatalogOrderAndMultiWordKeywords() {
    // pastel (…01) comes before monochrome (…03) in catalog order
    JsonObject both = api.post("/v1/images", body("a monochrome pastel still life")).json();
    assertThat(both.getJsonArray("loras").getJsonObject(0).getString("id")).isEqualTo(PASTEL);
    JsonObject words = api.post("/v1/images", body("an old Black-and-White photo of a harbour")).json();
    assertThat(words.getJsonArray("loras").getJsonObject(0).getString("id")).isEqualTo(MONO);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a neonate sleeping", "pastelle colours, neonlights", "a black cat on white snow", "a portrait"})
  void noWholeWordMatchMeansNoStyle(String prompt) {
    JsonObject g = api.post("/v1/images", body(prompt)).json();
    assertThat(g.getValue("loras")).as(prompt).isNull();
    assertThat(g.getValue("lora_selection")).isNull();
    assertThat(g.getInteger("steps")).isEqualTo(11); // the platform default
    assertThat(adapters(g.getString("id"))).isNull();
  }

  @Test
  void aBundleShowsItsNameWithLorasNullAndSnapshotsItsMembersAdapters() {
    for (String ref : new String[] {BUNDLE, "neon-pastel", "3b0f6c1e-5a41-4d6e-9c1a-000000000004"}) {
      JsonObject g = api.post("/v1/images", body("a fox").put("lora_id", ref)).json();
      assertThat(g.getString("bundle_name")).isEqualTo("Neon Pastel");
      assertThat(g.getValue("loras")).isNull();
      assertThat(g.getInteger("steps")).isEqualTo(12);
      assertThat(adapters(g.getString("id"))).isEqualTo(new JsonArray()
          .add(new JsonObject().put("name", "neon").put("weight", 0.6))
          .add(new JsonObject().put("name", "pastel").put("weight", 0.6)));
      assertThat(api.get("/v1/images/" + g.getString("id")).json().getString("bundle_name")).isEqualTo("Neon Pastel");
    }
    // auto-picked by its own keyword too
    assertThat(api.post("/v1/images", body("vaporwave palm trees")).json().getString("bundle_name")).isEqualTo("Neon Pastel");
  }

  @Test
  void theEstimateAcceptsStylesAndBundlesAndPricesThemLikeNone() {
    long plain = api.post("/v1/images/estimate", body("a neon fox")).json().getJsonObject("estimated_cost").getLong("amount");
    long bundle = api.post("/v1/images/estimate", body("a fox").put("lora_id", "neon-pastel")).json()
        .getJsonObject("estimated_cost").getLong("amount");
    assertThat(bundle).isEqualTo(plain);
    assertThat(api.post("/v1/images/estimate", body("a fox").put("lora_id", "no-such")).status()).isEqualTo(404);
  }

  @Test
  void theTemplateEnhancerRewritesWithTheStylesTemplateAndTheOriginalPromptStaysVisible() {
    JsonObject g = api.post("/v1/images", body("a lighthouse").put("lora_id", "pastel").put("enhance_prompt", true)).json();
    assertThat(g.getString("prompt")).isEqualTo("a lighthouse, soft pastel colours, gentle light, airy");
    assertThat(g.getString("original_prompt")).isEqualTo("a lighthouse");
    assertThat(g.getString("prompt_enhancer")).isEqualTo("template");
    assertThat(g.getValue("prompt_enhance_fallback")).isNull();
    assertThat(g.getJsonObject("cost").getJsonObject("breakdown").getLong("enhance")).isEqualTo(1);
    assertThat(g.getJsonObject("cost").getLong("amount")).isEqualTo(2);
    // no style: the configured default template
    JsonObject plain = api.post("/v1/images", body("a lighthouse").put("enhance_prompt", true)).json();
    assertThat(plain.getString("prompt")).isEqualTo("a lighthouse, highly detailed, sharp focus, balanced composition");
    // not asked: untouched and unrecorded
    JsonObject none = api.post("/v1/images", body("a lighthouse")).json();
    assertThat(none.getString("original_prompt")).isEqualTo("a lighthouse");
    assertThat(none.getValue("prompt_enhancer")).isNull();
  }
}
