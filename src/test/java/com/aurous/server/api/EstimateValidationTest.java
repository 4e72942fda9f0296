package com.aurous.server.api;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Every validation rule of POST /v1/images/estimate over real HTTP, and the same rules on
 * POST /v1/images (which shares the parser): bad input gets the envelope, never a 500, and a
 * rejected create stores nothing.
 */
class EstimateValidationTest {
  static TestNode node;
  static TestNode.TeamKey team;
  static ApiClient api;
  /** A team used only for rejected requests: its balance and list must never change. */
  static TestNode.TeamKey rejected;
  static ApiClient rejectedApi;

  static String FILE;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    team = node.newTeam(1_000_000);
    api = node.client(team.key());
    // file_ references must name a live file of the team: one real upload serves the pricing cases.
    FILE = com.aurous.server.testing.Multipart.upload(node.baseUrl(), team.key(), "image/png",
        com.aurous.server.testing.Pictures.png(8, 8)).json().getString("id");
    rejected = node.newTeam(1_000);
    rejectedApi = node.client(rejected.key());
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  private static JsonObject ok() {
    return new JsonObject().put("prompt", "a lighthouse at dusk");
  }

  private static JsonObject with(String field, Object value) {
    return ok().put(field, value);
  }

  private static String ulid() {
    return "01HXMQ7Z3K8Y2NABCDEFGHJKMN";
  }

  /** name, body (raw JSON text), expected status, code, param (null = not checked). */
  static Stream<Arguments> invalidBodies() {
    List<Arguments> a = new ArrayList<>();
    // prompt
    a.add(arguments("missing prompt", "{}", 400, "missing_field", "prompt"));
    a.add(arguments("null prompt", "{\"prompt\":null}", 400, "missing_field", "prompt"));
    a.add(arguments("empty prompt", json(new JsonObject().put("prompt", "")), 400, "string_too_short", "prompt"));
    a.add(arguments("whitespace prompt", json(new JsonObject().put("prompt", " \t\n ")), 400, "blank_string", "prompt"));
    a.add(arguments("4001-char prompt", json(new JsonObject().put("prompt", "x".repeat(4001))), 400, "string_too_long", "prompt"));
    a.add(arguments("whitespace negative_prompt", json(with("negative_prompt", "   ")), 400, "blank_string", "negative_prompt"));
    a.add(arguments("empty negative_prompt", json(with("negative_prompt", "")), 400, "string_too_short", "negative_prompt"));
    a.add(arguments("4001-char negative_prompt", json(with("negative_prompt", "y".repeat(4001))), 400, "string_too_long", "negative_prompt"));
    a.add(arguments("NUL in prompt", json(new JsonObject().put("prompt", "a\u0000b")), 400, "invalid_value", "prompt"));
    a.add(arguments("NUL in negative_prompt", json(with("negative_prompt", "a\u0000b")), 400, "invalid_value", "negative_prompt"));
    // wrong types, every field
    Object[][] wrongTypes = {
        {"prompt", 42}, {"prompt", true}, {"prompt", new JsonArray().add("a")}, {"prompt", new JsonObject()},
        {"negative_prompt", 1}, {"lora_id", 5}, {"character_id", false},
        {"steps", "30"}, {"guidance_scale", "7.5"}, {"cfg_rescale", true}, {"denoise_strength", new JsonArray()},
        {"seed", "42"}, {"size", 1}, {"count", "1"}, {"enhance_prompt", "true"}, {"enhance_prompt", 1},
        {"webhook_url", 7}, {"reference_image_urls", "https://example.com/a.png"}, {"reference_image_urls", new JsonObject()},
    };
    for (Object[] wt : wrongTypes) {
      JsonObject body = ok().put((String) wt[0], wt[1]);
      a.add(arguments("wrong type " + wt[0] + "=" + wt[1], json(body), 400, "invalid_type", wt[0]));
    }
    a.add(arguments("wrong type width", json(ok().put("width", "1024").put("height", 1024)), 400, "invalid_type", "width"));
    a.add(arguments("wrong type height", json(ok().put("width", 1024).put("height", false)), 400, "invalid_type", "height"));
    a.add(arguments("reference entry not a string", json(with("reference_image_urls", new JsonArray().add(3))),
        400, "invalid_type", "reference_image_urls[0]"));
    // out of range
    Object[][] ranges = {
        {"steps", 0}, {"steps", 101}, {"steps", -5},
        {"guidance_scale", 0.09}, {"guidance_scale", 30.01}, {"guidance_scale", 0},
        {"cfg_rescale", -0.01}, {"cfg_rescale", 1.01},
        {"denoise_strength", -0.1}, {"denoise_strength", 1.5},
        {"seed", -1}, {"seed", 4294967296L}, {"seed", new java.math.BigInteger("99999999999999999999999")},
        {"count", 0}, {"count", 5}, {"count", -1},
    };
    for (Object[] r : ranges) {
      a.add(arguments("out of range " + r[0] + "=" + r[1], json(ok().put((String) r[0], r[1])), 400, "out_of_range", r[0]));
    }
    a.add(arguments("width too small", json(ok().put("width", 1023).put("height", 1024)), 400, "out_of_range", "width"));
    a.add(arguments("width too large", json(ok().put("width", 4097).put("height", 1024)), 400, "out_of_range", "width"));
    a.add(arguments("height too small", json(ok().put("width", 1024).put("height", 256)), 400, "out_of_range", "height"));
    a.add(arguments("height too large", json(ok().put("width", 1024).put("height", 8192)), 400, "out_of_range", "height"));
    // non-integers
    a.add(arguments("fractional steps", json(with("steps", 10.5)), 400, "invalid_type", "steps"));
    a.add(arguments("fractional count", json(with("count", 1.5)), 400, "invalid_type", "count"));
    a.add(arguments("fractional seed", json(with("seed", 42.25)), 400, "invalid_type", "seed"));
    a.add(arguments("huge exponent seed", "{\"prompt\":\"p\",\"seed\":1e999999}", 400, null, "seed"));
    // width/height pairing and size
    a.add(arguments("width without height", json(with("width", 2048)), 400, "missing_field", "height"));
    a.add(arguments("height without width", json(with("height", 2048)), 400, "missing_field", "width"));
    a.add(arguments("size + width", json(ok().put("size", "2k_1_1").put("width", 2048)), 400, "parameter_invalid_combination", null));
    a.add(arguments("size + height", json(ok().put("size", "2k_1_1").put("height", 2048)), 400, "parameter_invalid_combination", null));
    a.add(arguments("size + width + height", json(ok().put("size", "square").put("width", 2048).put("height", 2048)),
        400, "parameter_invalid_combination", null));
    a.add(arguments("unknown size", json(with("size", "8k_1_1")), 400, "invalid_value", "size"));
    a.add(arguments("size wrong case", json(with("size", "SQUARE")), 400, "invalid_value", "size"));
    // ids
    a.add(arguments("character_id + references", json(ok().put("character_id", "char_" + ulid())
        .put("reference_image_urls", new JsonArray().add("file_" + ulid()))), 400, "mutually_exclusive_input", null));
    a.add(arguments("bad lora_id", json(with("lora_id", "Not A Slug!")), 400, "invalid_value", "lora_id"));
    a.add(arguments("bad character_id", json(with("character_id", "bob")), 400, "invalid_value", "character_id"));
    JsonArray seven = new JsonArray();
    for (int i = 0; i < 7; i++) {
      seven.add("file_" + ulid());
    }
    a.add(arguments("7 references", json(with("reference_image_urls", seven)), 400, "too_many_items", "reference_image_urls"));
    for (String badFile : List.of("file_", "file_" + "a".repeat(65), "file_a b", "file_01HXMQ7Z3K8Y2NABCDEFGHJKM!", "img_" + ulid(), "not-a-url", "")) {
      a.add(arguments("bad reference " + badFile, json(with("reference_image_urls", new JsonArray().add(badFile))), 400, null, "reference_image_urls[0]"));
    }
    // URL rules: references and webhooks
    String longUrl = "https://example.com/" + "a".repeat(2049 - "https://example.com/".length());
    List<String> badUrls = List.of(
        "http://example.com/a.png",
        "ftp://example.com/a.png",
        "https://localhost/a.png",
        "https://127.0.0.1/a.png",
        "https://127.1/a.png",
        "https://10.0.0.1/a.png",
        "https://172.16.5.4/a.png",
        "https://192.168.1.1/a.png",
        "https://169.254.169.254/latest/meta-data/",
        "https://metadata.google.internal/computeMetadata/v1/",
        "https://100.100.100.200/latest/meta-data",
        "https://0.0.0.0/",
        "https://[::1]/a.png",
        "https://[fe80::1]/a.png",
        "https://[fd00:ec2::254]/latest",
        "https://[fc00::5]/a.png",
        "https://[::ffff:127.0.0.1]/a.png",
        "https://[::ffff:169.254.169.254]/a.png",
        "https://2130706433/a.png",
        "https://0x7f000001/a.png",
        "https://017700000001/a.png",
        "https://user:pass@example.com/a.png",
        "https:///a.png",
        "https://exa mple.com/a.png",
        // java.net.URI takes any digits as a port; these name none a connection can use.
        "https://example.com:0/a.png",
        "https://example.com:65536/a.png",
        "https://example.com:99999/a.png",
        longUrl);
    for (String u : badUrls) {
      a.add(arguments("reference " + abbreviate(u), json(with("reference_image_urls", new JsonArray().add(u))),
          400, "invalid_url", "reference_image_urls[0]"));
      a.add(arguments("webhook " + abbreviate(u), json(with("webhook_url", u)), 400, "invalid_url", "webhook_url"));
    }
    a.add(arguments("second reference bad", json(with("reference_image_urls",
        new JsonArray().add("https://example.com/ok.png").add("https://10.1.2.3/x.png"))), 400, "invalid_url", "reference_image_urls[1]"));
    // body shape
    a.add(arguments("unknown field", json(with("style", "anime")), 400, "unknown_field", "style"));
    a.add(arguments("video field", json(with("video_duration", 5)), 400, "unknown_field", "video_duration"));
    a.add(arguments("malformed JSON", "{\"prompt\": \"a\",", 400, "malformed_json", null));
    a.add(arguments("not JSON at all", "prompt=a", 400, "malformed_json", null));
    a.add(arguments("JSON array body", "[{\"prompt\":\"a\"}]", 400, "malformed_json", null));
    a.add(arguments("JSON string body", "\"a lighthouse\"", 400, "malformed_json", null));
    a.add(arguments("JSON null body", "null", 400, "malformed_json", null));
    a.add(arguments("empty body", "", 400, "malformed_json", null));
    // A name given twice: parsers disagree on which wins, so refused rather than guessed.
    a.add(arguments("duplicate field", "{\"prompt\":\"a\",\"prompt\":\"b\"}", 400, "malformed_json", null));
    a.add(arguments("duplicate field of another type", "{\"prompt\":\"a\",\"reference_image_urls\":[],\"reference_image_urls\":null}",
        400, "malformed_json", null));
    // A lone UTF-16 surrogate is no Unicode text: PostgreSQL would have stored '?' in its place.
    a.add(arguments("lone high surrogate in prompt", "{\"prompt\":\"a\\ud800b\"}", 400, "malformed_json", "prompt"));
    a.add(arguments("lone low surrogate in negative_prompt", "{\"prompt\":\"a\",\"negative_prompt\":\"\\udc00\"}",
        400, "malformed_json", "negative_prompt"));
    a.add(arguments("swapped surrogate pair", "{\"prompt\":\"\\ude00\\ud83d\"}", 400, "malformed_json", "prompt"));
    a.add(arguments("lone surrogate in a reference", "{\"prompt\":\"a\",\"reference_image_urls\":[\"https://example.com/\\ud800\"]}",
        400, "malformed_json", "reference_image_urls"));
    a.add(arguments("lone surrogate in a field name", "{\"prompt\":\"a\",\"\\ud800\":1}", 400, "malformed_json", null));
    a.add(arguments("deeply nested", "{\"prompt\":" + "[".repeat(3000) + "]".repeat(3000) + "}", 400, null, null));
    a.add(arguments("2000-digit number", "{\"prompt\":\"p\",\"seed\":" + "9".repeat(2000) + "}", 400, null, null));
    return a.stream();
  }

  private static String json(JsonObject o) {
    return o.encode();
  }

  private static String abbreviate(String s) {
    return s.length() > 60 ? s.substring(0, 40) + "...(" + s.length() + " chars)" : s;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidBodies")
  void estimateRejects(String name, String body, int status, String code, String param) {
    ApiClient.Response r = rejectedApi.post("/v1/images/estimate", body);
    assertEnvelope(r, status, code, param);
  }

  @ParameterizedTest(name = "create: {0}")
  @MethodSource("invalidBodies")
  void createRejectsTheSameAndStoresNothing(String name, String body, int status, String code, String param) {
    ApiClient.Response r = rejectedApi.post("/v1/images", body);
    assertEnvelope(r, status, code, param);
    assertThat(node.teams().balance(rejected.team().id()).await()).isEqualTo(1_000L);
    assertThat(rejectedApi.get("/v1/images").json().getJsonArray("data")).isEmpty();
  }

  static void assertEnvelope(ApiClient.Response r, int status, String code, String param) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.header("Aurous-Request-Id")).startsWith("req_");
    JsonObject err = r.json().getJsonObject("error");
    assertThat(err).as(r.body()).isNotNull();
    assertThat(err.getString("type")).isEqualTo("invalid_request");
    assertThat(err.getString("message")).isNotBlank();
    if (code != null) {
      assertThat(err.getString("code")).as(r.body()).isEqualTo(code);
    }
    if (param != null) {
      assertThat(err.getString("param")).as(r.body()).isEqualTo(param);
    }
  }

  @Test
  void bodyOverMaxBodyBytesIs413() {
    int limit = node.node().config().integer("http.max_body_bytes");
    String body = new JsonObject().put("prompt", "p".repeat(limit + 10)).encode();
    for (String path : List.of("/v1/images/estimate", "/v1/images")) {
      ApiClient.Response r = api.post(path, body);
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.errorCode()).isEqualTo("body_too_large");
      assertThat(r.header("Aurous-Request-Id")).startsWith("req_");
    }
  }

  // ---- accepted input ------------------------------------------------------------------

  @Test
  void anEscapedSurrogatePairIsOneCharacterAndIsStoredAsSent() {
    ApiClient.Response r = api.post("/v1/images", "{\"prompt\":\"a \\ud83d\\ude00 \ud83c\udf0a\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.json().getString("prompt")).isEqualTo("a \ud83d\ude00 \ud83c\udf0a");
    assertThat(api.get("/v1/images/" + r.json().getString("id")).json().getString("prompt")).isEqualTo("a \ud83d\ude00 \ud83c\udf0a");
  }

  static Stream<Arguments> sizes() {
    return Stream.of(
        arguments("2k_1_1", 2048, 2048), arguments("2k_3_2", 2048, 1376), arguments("2k_2_3", 1376, 2048),
        arguments("2k_4_3", 2048, 1536), arguments("2k_3_4", 1536, 2048), arguments("2k_16_9", 2048, 1152),
        arguments("2k_9_16", 1152, 2048), arguments("2k_21_9", 2048, 864),
        arguments("4k_1_1", 4096, 4096), arguments("4k_3_2", 4096, 2720), arguments("4k_2_3", 2720, 4096),
        arguments("4k_4_3", 4096, 3072), arguments("4k_3_4", 3072, 4096), arguments("4k_16_9", 4096, 2304),
        arguments("4k_9_16", 2304, 4096), arguments("4k_21_9", 4096, 1760),
        arguments("square", 1024, 1024), arguments("landscape", 1536, 1024), arguments("portrait", 1024, 1536),
        arguments("hd_square", 2048, 2048), arguments("hd_landscape", 2048, 1152), arguments("hd_portrait", 1152, 2048));
  }

  @ParameterizedTest(name = "{0} -> {1}x{2}")
  @MethodSource("sizes")
  void sizePresetsMapToTheirDocumentedDimensions(String size, int width, int height) {
    ApiClient.Response r = api.post("/v1/images", with("size", size));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    JsonObject g = r.json();
    assertThat(g.getInteger("width")).isEqualTo(width);
    assertThat(g.getInteger("height")).isEqualTo(height);
    assertThat(g.getString("size_preset")).isEqualTo(size);
    long expectedBase = Math.max(width, height) <= 1536 ? 1 : Math.max(width, height) <= 2048 ? 2 : 4;
    assertThat(g.getJsonObject("cost").getLong("amount")).isEqualTo(expectedBase);
    ApiClient.Response e = api.post("/v1/images/estimate", with("size", size));
    assertThat(e.json().getJsonObject("estimated_cost").getLong("amount")).isEqualTo(expectedBase);
  }

  static Stream<Arguments> snapping() {
    return Stream.of(
        arguments(1024, 1024, 1024, 1024), arguments(1039, 1040, 1024, 1056), arguments(1055.9, 2000, 1056, 2016),
        arguments(4096, 4095, 4096, 4096), arguments(4090, 1030, 4096, 1024), arguments(1536.4, 1552, 1536, 1568),
        arguments(2047, 2033, 2048, 2048));
  }

  @ParameterizedTest(name = "{0}x{1} -> {2}x{3}")
  @MethodSource("snapping")
  void customDimensionsSnapToNearestMultipleOf32(Number w, Number h, int width, int height) {
    ApiClient.Response r = api.post("/v1/images", ok().put("width", w).put("height", h));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.json().getInteger("width")).isEqualTo(width);
    assertThat(r.json().getInteger("height")).isEqualTo(height);
    assertThat(r.json().getValue("size_preset")).isNull();
  }

  @Test
  void estimateHasTheDocumentedShapeAndNoSideEffects() {
    long before = node.teams().balance(team.team().id()).await();
    long listed = api.get("/v1/images?limit=100").json().getJsonArray("data").size();
    ApiClient.Response r = api.post("/v1/images/estimate", ok());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json()).isEqualTo(new JsonObject()
        .put("object", "estimate")
        .put("estimated_cost", new JsonObject().put("amount", 1).put("breakdown", new JsonObject().put("base", 1)))
        .put("currency", "credit"));
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(before);
    assertThat(api.get("/v1/images?limit=100").json().getJsonArray("data").size()).isEqualTo(listed);
  }

  static Stream<Arguments> pricing() {
    JsonArray twoRefs = new JsonArray().add(FILE).add("https://example.com/ref2.jpg");
    return Stream.of(
        arguments("1k default", ok(), 1, 1, 0, 0),
        arguments("2k", with("size", "2k_16_9"), 2, 2, 0, 0),
        arguments("4k", with("size", "4k_1_1"), 4, 4, 0, 0),
        arguments("custom 2k", ok().put("width", 2048).put("height", 1024), 2, 2, 0, 0),
        arguments("custom 4k", ok().put("width", 2080).put("height", 1024), 4, 4, 0, 0),
        arguments("count 3 at 2k", ok().put("size", "2k_1_1").put("count", 3), 6, 6, 0, 0),
        arguments("enhance at 1k", with("enhance_prompt", true), 2, 1, 1, 0),
        arguments("enhance false", with("enhance_prompt", false), 1, 1, 0, 0),
        arguments("enhance count 4 at 4k", ok().put("size", "4k_16_9").put("count", 4).put("enhance_prompt", true), 32, 16, 16, 0),
        arguments("two references", with("reference_image_urls", twoRefs), 3, 1, 0, 2),
        arguments("empty references", with("reference_image_urls", new JsonArray()), 1, 1, 0, 0),
        arguments("everything", ok().put("size", "2k_1_1").put("count", 2).put("enhance_prompt", true)
            .put("reference_image_urls", twoRefs), 10, 4, 4, 2));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pricing")
  void pricingFollowsTheTable(String name, JsonObject body, long amount, long base, long enhance, long references) {
    ApiClient.Response r = api.post("/v1/images/estimate", body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonObject cost = r.json().getJsonObject("estimated_cost");
    assertThat(cost.getLong("amount")).isEqualTo(amount);
    JsonObject breakdown = cost.getJsonObject("breakdown");
    assertThat(breakdown.getLong("base")).isEqualTo(base);
    assertThat(breakdown.getLong("enhance", 0L)).isEqualTo(enhance);
    assertThat(breakdown.getLong("references", 0L)).isEqualTo(references);
    assertThat(base + enhance + references).isEqualTo(amount);
    // create charges exactly the estimate
    long before = node.teams().balance(team.team().id()).await();
    ApiClient.Response c = api.post("/v1/images", body);
    assertThat(c.status()).as(c.body()).isEqualTo(201);
    assertThat(c.json().getJsonObject("cost").getLong("amount")).isEqualTo(amount);
    assertThat(c.json().getJsonObject("cost").getString("currency")).isEqualTo("credit");
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(before - amount);
  }

  @Test
  void acceptsTheDocumentedExampleBodyMinusCatalogIds() {
    JsonObject body = new JsonObject()
        .put("prompt", "A golden sunset over mountains, cinematic lighting, 8k resolution")
        .put("negative_prompt", "blurry, low quality, watermark, text")
        .put("width", 2048).put("height", 2048).put("steps", 30).put("guidance_scale", 7.5)
        .put("cfg_rescale", 0.7).put("denoise_strength", 0.6).put("seed", 42).put("count", 1)
        .put("enhance_prompt", false).put("webhook_url", "https://your-server.com/webhooks/aurouslabs")
        .put("reference_image_urls", new JsonArray().add(FILE).add("https://example.com/ref2.jpg"));
    ApiClient.Response e = api.post("/v1/images/estimate", body);
    assertThat(e.status()).as(e.body()).isEqualTo(200);
    ApiClient.Response c = api.post("/v1/images", body);
    assertThat(c.status()).as(c.body()).isEqualTo(201);
    JsonObject g = c.json();
    assertThat(g.getString("inference_type")).isEqualTo("i2i");
    assertThat(g.getLong("seed")).isEqualTo(42L);
    assertThat(g.getInteger("steps")).isEqualTo(30);
    assertThat(g.getDouble("guidance_scale")).isEqualTo(7.5);
    assertThat(g.getDouble("denoise_strength")).isEqualTo(0.6);
    assertThat(g.getJsonArray("reference_image_urls")).hasSize(2);
    assertThat(g.getString("webhook_url")).isEqualTo("https://your-server.com/webhooks/aurouslabs");
  }

  @Test
  void boundaryValuesAreAccepted() {
    JsonObject low = ok().put("steps", 1).put("guidance_scale", 0.1).put("cfg_rescale", 0).put("denoise_strength", 0)
        .put("seed", 0).put("count", 1).put("width", 1024).put("height", 1024).put("prompt", "x".repeat(4000));
    JsonObject high = ok().put("steps", 100).put("guidance_scale", 30).put("cfg_rescale", 1).put("denoise_strength", 1)
        .put("seed", 4294967295L).put("count", 4).put("width", 4096).put("height", 4096).put("negative_prompt", "n".repeat(4000));
    for (JsonObject body : List.of(low, high)) {
      ApiClient.Response r = api.post("/v1/images", body);
      assertThat(r.status()).as(r.body()).isEqualTo(201);
    }
    ApiClient.Response r = api.post("/v1/images", high);
    assertThat(r.json().getLong("seed")).isEqualTo(4294967295L);
    // integral floats are integers: 30.0 steps, 2.0 count, 1e3 seed
    ApiClient.Response f = api.post("/v1/images", "{\"prompt\":\"p\",\"steps\":30.0,\"count\":2.0,\"seed\":1e3}");
    assertThat(f.status()).as(f.body()).isEqualTo(201);
    assertThat(f.json().getInteger("steps")).isEqualTo(30);
    assertThat(f.json().getInteger("image_count")).isEqualTo(2);
    assertThat(f.json().getLong("seed")).isEqualTo(1000L);
  }

  @Test
  void explicitNullsMeanDefaultAndEmptyReferencesWithCharacterAreNotExclusive() {
    ApiClient.Response r = api.post("/v1/images", ok().putNull("steps").putNull("size").putNull("seed").putNull("webhook_url"));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.json().getInteger("steps")).isEqualTo(11);
    // Empty array = no references: with a character it is not mutually exclusive (the character is unknown -> 404).
    ApiClient.Response c = api.post("/v1/images/estimate", ok().put("character_id", "char_" + ulid())
        .put("reference_image_urls", new JsonArray()));
    assertThat(c.status()).as(c.body()).isEqualTo(404);
    assertThat(c.errorParam()).isEqualTo("character_id");
  }

  @Test
  void publicHttpsReferenceAndWebhookUrlsAreAccepted() {
    ApiClient.Response r = api.post("/v1/images/estimate", ok()
        .put("webhook_url", "https://hooks.example.com:8443/aurous?x=1")
        .put("reference_image_urls", new JsonArray().add("https://8.8.8.8/a.png").add("https://[2606:4700::1111]/b.png")
            .add("https://cdn.example.org/" + "a".repeat(2048 - "https://cdn.example.org/".length()))));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }
}
