package com.aurous.server.config;

import com.aurous.server.AurousNode;
import com.aurous.server.testing.ConfigProbe;
import com.aurous.server.testing.Subprocess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** conf/aurous.json, the AUROUS_* environment mapping and fail-fast validation naming the key. */
class ConfigTest {
  static JsonObject file() throws Exception {
    return new JsonObject(Files.readString(Path.of("conf/aurous.json")));
  }

  @Test
  void shippedConfigIsValid() throws Exception {
    ServerConfig c = ServerConfig.from(file());
    assertThat(c.httpPort()).isEqualTo(8080);
    assertThat(c.databaseUrl()).isEmpty();
    assertThat(c.dataDir()).isEqualTo(Path.of("data").toAbsolutePath());
    assertThat(c.bool("api.allow_insecure_urls")).isFalse();
  }

  @Test
  void everyLeafKeyHasItsVariable() throws Exception {
    Map<String, String> env = Map.ofEntries(
        Map.entry("AUROUS_HTTP_PORT", "9090"),
        Map.entry("AUROUS_DATA_DIR", "/tmp/aurous-x"),
        Map.entry("AUROUS_DATABASE_URL", "postgresql://u:p@db:5432/aurous"),
        Map.entry("AUROUS_HTTP_MAX_BODY_BYTES", "2048"),
        Map.entry("AUROUS_API_ALLOW_INSECURE_URLS", "TRUE"),
        Map.entry("AUROUS_NODE_ROLES", "api"),
        Map.entry("AUROUS_API_SUPPORTED_VERSIONS", "[\"2026-05-15\",\"2026-06-01\"]"),
        Map.entry("AUROUS_PRICING_ENHANCE_MULTIPLIER", "1.5"),
        Map.entry("AUROUS_PRICING_BASE_PER_IMAGE", "{\"1k\":1,\"2k\":3,\"4k\":9}"),
        Map.entry("AUROUS_ENGINE_MAX_QUEUE_SIZE", "7"),
        Map.entry("AUROUS_OUTPUTS_SIGNING_SECRET", "0123"),
        Map.entry("AUROUS_CONFIG", "/ignored/here.json"),
        Map.entry("PATH", "/usr/bin"));
    ServerConfig c = ServerConfig.from(EnvOverrides.apply(file(), env));
    assertThat(c.httpPort()).isEqualTo(9090);
    assertThat(c.string("data_dir")).isEqualTo("/tmp/aurous-x");
    assertThat(c.databaseUrl()).isEqualTo("postgresql://u:p@db:5432/aurous");
    assertThat(c.intIn("http.max_body_bytes", 0, 1 << 30)).isEqualTo(2048);
    assertThat(c.bool("api.allow_insecure_urls")).isTrue();
    assertThat(c.roles()).containsExactly("api");
    assertThat(c.supportedVersions()).containsExactly("2026-05-15", "2026-06-01");
    assertThat(c.number("pricing.enhance_multiplier", 1, 100)).isEqualTo(1.5);
    assertThat(c.pricingTable().getInteger("2k")).isEqualTo(3);
    assertThat(c.intIn("engine.max_queue_size", 1, 100)).isEqualTo(7);
    assertThat(c.string("outputs.signing_secret")).isEqualTo("0123");
    assertThat(EnvOverrides.variableFor("engine.max_batch_size")).isEqualTo("AUROUS_ENGINE_MAX_BATCH_SIZE");
  }

  static Stream<Arguments> badVariables() {
    return Stream.of(
        arguments("AUROUS_HTTP_PORT", "eighty"),
        arguments("AUROUS_HTTP_PORT", "80.5x"),
        arguments("AUROUS_HTTP_PORT", "Infinity"),
        arguments("AUROUS_API_ALLOW_INSECURE_URLS", "yes"),
        arguments("AUROUS_PRICING_BASE_PER_IMAGE", "{not json"),
        arguments("AUROUS_HTTP_PORTT", "8080"),
        arguments("AUROUS_DATABASE", "postgresql://x"),
        arguments("AUROUS_NOPE", "1"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("badVariables")
  void wrongTypeOrUnknownVariableFailsNamingIt(String name, String value) {
    assertThatThrownBy(() -> EnvOverrides.apply(file(), Map.of(name, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(name);
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        arguments("http.port", new JsonObject().put("http", new JsonObject().put("port", 70000))),
        arguments("http.port", new JsonObject().put("http", new JsonObject().put("port", "8080"))),
        arguments("http.port", new JsonObject().put("http", new JsonObject().put("port", 80.5))),
        arguments("http.max_body_bytes", new JsonObject().put("http", new JsonObject().put("max_body_bytes", 10))),
        arguments("http.instances", new JsonObject().put("http", new JsonObject().put("instances", 0))),
        arguments("data_dir", new JsonObject().put("data_dir", "")),
        arguments("node.roles", new JsonObject().put("node", new JsonObject().put("roles", new JsonArray().add("gpu")))),
        arguments("node.roles", new JsonObject().put("node", new JsonObject().put("roles", new JsonArray()))),
        arguments("database.pool_size", new JsonObject().put("database", new JsonObject().put("pool_size", 0))),
        arguments("api.default_version", new JsonObject().put("api", new JsonObject().put("default_version", "2030-01-01"))),
        arguments("api.supported_versions", new JsonObject().put("api", new JsonObject().put("supported_versions", new JsonArray().add("may")))),
        arguments("api.allow_insecure_urls", new JsonObject().put("api", new JsonObject().put("allow_insecure_urls", "false"))),
        arguments("pricing.base_per_image.4k", new JsonObject().put("pricing", new JsonObject().put("base_per_image",
            new JsonObject().put("1k", 1).put("2k", 2)))),
        arguments("pricing.enhance_multiplier", new JsonObject().put("pricing", new JsonObject().put("enhance_multiplier", 0.5))),
        arguments("engine.devices", new JsonObject().put("engine", new JsonObject().put("devices", new JsonArray().add("TPU:0")))),
        arguments("engine.max_queue_size", new JsonObject().put("engine", new JsonObject().put("max_queue_size", 0))),
        arguments("outputs.ttl_hours", new JsonObject().put("outputs", new JsonObject().put("ttl_hours", -1))),
        arguments("bootstrap.default_credits", new JsonObject().put("bootstrap", new JsonObject().put("default_credits", -5))),
        arguments("enhance.enhancer", new JsonObject().put("enhance", new JsonObject().put("enhancer", "gpt"))),
        arguments("enhance.llm_url", new JsonObject().put("enhance", new JsonObject().put("enhancer", "llm").put("llm_model", "m"))),
        arguments("enhance.llm_url", new JsonObject().put("enhance", new JsonObject().put("enhancer", "llm").put("llm_model", "m")
            .put("llm_url", "ftp://x/v1/chat/completions"))),
        arguments("enhance.llm_model", new JsonObject().put("enhance", new JsonObject().put("enhancer", "llm")
            .put("llm_url", "http://127.0.0.1:11434/v1/chat/completions"))),
        arguments("enhance.timeout_ms", new JsonObject().put("enhance", new JsonObject().put("timeout_ms", 10))),
        arguments("enhance.timeout_ms", new JsonObject().put("enhance", new JsonObject().put("timeout_ms", 60_000)
            .put("enhancer", "llm").put("llm_model", "m").put("llm_url", "http://127.0.0.1:11434/v1/chat/completions"))),
        arguments("enhance.max_in_flight", new JsonObject().put("enhance", new JsonObject().put("max_in_flight", 0))),
        arguments("enhance.default_template", new JsonObject().put("enhance", new JsonObject().put("default_template", "no slot"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badValues")
  void serverConfigRejectsBadValuesNamingTheKey(String key, JsonObject override) {
    assertThatThrownBy(() -> ServerConfig.from(ConfigLoader.deepMerge(file(), override)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(key);
  }

  @Test
  void aFractionForAnIntegerKeyFailsNamingTheKey() throws Exception {
    JsonObject merged = EnvOverrides.apply(file(), Map.of("AUROUS_HTTP_PORT", "80.5"));
    assertThatThrownBy(() -> ServerConfig.from(merged)).isInstanceOf(ConfigException.class).hasMessageContaining("http.port");
  }

  @Test
  void aNodeWithABrokenConfigFailsFastNamingTheKey() {
    assertThatThrownBy(() -> AurousNode.start(new JsonObject().put("http", new JsonObject().put("port", "x"))))
        .satisfies(e -> {
          Throwable t = e;
          while (t != null && !(t instanceof ConfigException)) {
            t = t.getCause();
          }
          assertThat(t).as("a ConfigException in the cause chain of " + e).isNotNull();
          assertThat(t.getMessage()).contains("http.port");
        });
  }

  @Test
  void theRealLoaderReadsEnvironmentAndAurousConfigInAFreshJvm() throws Exception {
    Path alt = Files.createTempFile("aurous-alt", ".json");
    Files.writeString(alt, file().put("http", file().getJsonObject("http").put("port", 7070)).encode());
    Subprocess.Result r = Subprocess.run(ConfigProbe.class, Map.of(
        "AUROUS_CONFIG", alt.toString(),
        "AUROUS_ENGINE_MAX_QUEUE_SIZE", "3",
        "AUROUS_OUTPUTS_SIGNING_SECRET", "000123",
        "AUROUS_NODE_NAME", "true",
        "AUROUS_DATABASE_URL", "postgresql://u:p@db.example:5432/a"));
    assertThat(r.exitCode()).as(r.output()).isZero();
    String line = r.output().lines().filter(l -> l.startsWith("CONFIG ")).findFirst().orElseThrow();
    JsonObject c = new JsonObject(line.substring("CONFIG ".length()));
    assertThat(c.getJsonObject("http").getInteger("port")).isEqualTo(7070);
    assertThat(c.getJsonObject("engine").getInteger("max_queue_size")).isEqualTo(3);
    assertThat(c.getJsonObject("outputs").getValue("signing_secret")).isEqualTo("000123");
    assertThat(c.getJsonObject("node").getValue("name")).isEqualTo("true");
    assertThat(c.getJsonObject("database").getString("url")).isEqualTo("postgresql://u:p@db.example:5432/a");

    Subprocess.Result bad = Subprocess.run(ConfigProbe.class, Map.of("AUROUS_HTTP_PORT", "eighty"));
    assertThat(bad.exitCode()).as(bad.output()).isEqualTo(78);
    assertThat(bad.output()).contains("AUROUS_HTTP_PORT");
  }
}
