package com.aurous.server.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed, validated view of the merged configuration. Every accessor is checked once at
 * start-up ({@link #from}), so a broken value stops the node with a message naming the key
 * instead of failing on the first request that needs it.
 */
public final class ServerConfig {
  /**
   * Every integer key and its allowed range: the one place ranges live. {@link #validate} checks
   * them all at load, and call sites read them with {@link #integer} / {@link #longInteger}.
   */
  private static final Map<String, long[]> INTEGER_RANGES = new LinkedHashMap<>();
  private static final Map<String, double[]> NUMBER_RANGES = new LinkedHashMap<>();

  static {
    range("http.port", 0, 65535);
    range("http.instances", 1, 64);
    range("http.max_body_bytes", 1024, 16 * 1024 * 1024);
    range("http.idle_timeout_s", 2, 86_400);
    range("database.pool_size", 1, 512);
    range("database.embedded_port", 0, 65535);
    range("database.acquire_timeout_ms", 100, 600_000);
    range("database.max_wait_queue", 1, 1_000_000);
    range("database.embedded_watchdog_interval_ms", 100, 600_000);
    range("database.embedded_restart_attempts", 1, 100);
    range("bootstrap.default_credits", 0, Long.MAX_VALUE / 4);
    range("api.idempotency_window_hours", 1, 24 * 30);
    range("api.idempotency_purge_interval_s", 1, 86_400);
    range("api.idempotency_in_flight_timeout_s", 5, 86_400);
    range("api.unavailable_retry_after_s", 1, 3600);
    range("api.auth_cache_max_keys", 0, 10_000_000);
    range("api.auth_cache_ttl_s", 1, 86_400);
    range("api.auth_cache_unknown_ttl_ms", 0, 600_000);
    range("api.auth_listen_check_ms", 50, 60_000);
    range("api.list_default_limit", 1, 1000);
    range("api.list_max_limit", 1, 1000);
    range("api.events_heartbeat_s", 1, 3600);
    range("api.events_max_duration_s", 1, 86_400);
    range("api.events_max_streams", 1, 1_000_000);
    range("api.prefer_wait_max_s", 1, 600);
    range("api.view_cache_max_entries", 0, 10_000_000);
    range("api.view_cache_terminal_ttl_s", 1, 86_400);
    range("api.view_cache_open_ttl_ms", 0, 60_000);
    NUMBER_RANGES.put("pricing.enhance_multiplier", new double[] {1, 100});
    range("pricing.per_reference", 0, 1_000_000);
    range("enhance.timeout_ms", 50, 120_000);
    range("enhance.max_in_flight", 1, 10_000);
    range("enhance.max_tokens", 1, 32_768);
    range("enhance.breaker_max_failures", 1, 1000);
    range("enhance.breaker_reset_ms", 100, 3_600_000);
    range("engine.intra_op_threads", 0, 1024);
    range("engine.max_batch_size", 1, 1024);
    range("engine.batch_timeout_ms", 0, 60_000);
    range("engine.max_queue_size", 1, 10_000_000);
    range("engine.max_running_per_worker", 1, 4096);
    range("engine.poll_interval_ms", 10, 600_000);
    range("engine.lease_seconds", 2, 3600);
    range("engine.rescue_interval_s", 1, 3600);
    range("cluster.port", 1, 65535);
    range("outputs.ttl_hours", 1, 24 * 365);
    range("outputs.reaper_interval_s", 1, 86_400);
    range("outputs.png_compression_level", 0, 9);
    range("metrics.pending_sample_interval_ms", 100, 3_600_000);
    range("health.database_timeout_ms", 50, 60_000);
    range("health.cache_ms", 0, 60_000);
    range("webhooks.poll_interval_ms", 10, 600_000);
    range("webhooks.lease_seconds", 2, 3600);
    range("webhooks.max_in_flight", 1, 10_000);
    range("webhooks.attempt_timeout_ms", 100, 120_000);
    range("webhooks.max_attempts", 1, 20);
    range("webhooks.retry_delay_ms", 0, 3_600_000);
    range("webhooks.breaker_max_failures", 1, 1000);
    range("webhooks.breaker_reset_ms", 100, 3_600_000);
    range("files.max_bytes", 1024, 64L * 1024 * 1024);
    range("files.max_pixels", 1, 268_435_456);
    range("files.ttl_s", 1, 30L * 86_400);
    range("files.purge_interval_s", 1, 86_400);
    range("files.fetch_timeout_ms", 100, 120_000);
    range("files.fetch_max_redirects", 0, 10);
    range("files.decode_threads", 1, 64);
    range("characters.poll_interval_ms", 10, 3_600_000);
    range("characters.lease_s", 2, 3600);
    range("characters.max_attempts", 1, 20);
    range("characters.test_job_delay_ms", 0, 600_000);
    NUMBER_RANGES.put("characters.default_consistency_denoise_strength", new double[] {0, 1});
    range("rate_limits.requests_per_window", 0, 1_000_000_000);
    range("rate_limits.window_s", 1, 86_400);
    range("rate_limits.concurrent_generations", 0, 10_000_000);
    range("rate_limits.concurrent_retry_after_s", 1, 3600);
    range("rate_limits.lease_percent", 1, 100);
    range("rate_limits.lease_max", 1, 1_000_000_000);
  }

  private static void range(String key, long min, long max) {
    INTEGER_RANGES.put(key, new long[] {min, max});
  }

  private final JsonObject json;

  private ServerConfig(JsonObject json) {
    this.json = json;
  }

  public static ServerConfig from(JsonObject json) {
    ServerConfig c = new ServerConfig(json);
    c.validate();
    return c;
  }

  public JsonObject json() {
    return json;
  }

  private void validate() {
    INTEGER_RANGES.forEach((key, r) -> longIn(key, r[0], r[1]));
    NUMBER_RANGES.forEach((key, r) -> number(key, r[0], r[1]));
    dataDir();
    roles();
    httpHost();
    string("http.public_base_url");
    string("database.url");
    string("bootstrap.default_team");
    string("api.default_version");
    supportedVersions();
    bool("api.allow_insecure_urls");
    if (!supportedVersions().contains(string("api.default_version"))) {
      throw new ConfigException("api.default_version '" + string("api.default_version")
          + "' is not in api.supported_versions " + supportedVersions());
    }
    string("pricing.currency");
    pricingTable();
    enhance();
    devices();
    string("engine.model_dir");
    string("engine.sampler");
    bool("cluster.enabled");
    string("cluster.name");
    string("cluster.config_file");
    string("cluster.host");
    for (String m : stringList("cluster.members")) {
      if (!m.matches("^[^:\\s]+:\\d{1,5}$")) {
        throw new ConfigException("cluster.members holds '" + m + "'; use host:port");
      }
    }
    string("node.name");
    string("outputs.signing_secret");
    bool("webhooks.enabled");
    bool("metrics.enabled");
    bool("playground.enabled");
    if (integer("files.fetch_timeout_ms") + 1000L >= integer("characters.lease_s") * 1000L) {
      // One reference is fetched between lease renewals of the character job: the lease must outlast a fetch.
      throw new ConfigException("characters.lease_s must exceed files.fetch_timeout_ms by more than a second");
    }
    if (integer("http.idle_timeout_s") <= Math.max(integer("api.prefer_wait_max_s"), integer("api.events_heartbeat_s"))) {
      // A waiting create and an event stream between heartbeats send nothing: the idle timeout must outlast both.
      throw new ConfigException("http.idle_timeout_s must exceed api.prefer_wait_max_s and api.events_heartbeat_s");
    }
    if (integer("webhooks.lease_seconds") * 1000L <= integer("webhooks.attempt_timeout_ms") + 1000L) {
      // An attempt must end well inside its lease, or another node could take the delivery mid-attempt.
      throw new ConfigException("webhooks.lease_seconds must exceed webhooks.attempt_timeout_ms by more than a second");
    }
  }

  // ---- typed accessors ------------------------------------------------------------------

  public Path dataDir() {
    String d = string("data_dir");
    if (d.isBlank()) {
      throw new ConfigException("data_dir must not be empty");
    }
    return Path.of(d).toAbsolutePath().normalize();
  }

  public List<String> roles() {
    List<String> roles = stringList("node.roles");
    for (String r : roles) {
      if (!r.equals("api") && !r.equals("worker")) {
        throw new ConfigException("node.roles may hold only 'api' and 'worker', got '" + r + "'");
      }
    }
    if (roles.isEmpty()) {
      throw new ConfigException("node.roles must name at least one of 'api', 'worker'");
    }
    return roles;
  }

  public boolean hasRole(String role) {
    return roles().contains(role);
  }

  public String httpHost() {
    return string("http.host");
  }

  public int httpPort() {
    return integer("http.port");
  }

  public String databaseUrl() {
    return string("database.url");
  }

  public List<String> supportedVersions() {
    List<String> versions = stringList("api.supported_versions");
    for (String v : versions) {
      if (!v.matches("^\\d{4}-\\d{2}-\\d{2}$")) {
        throw new ConfigException("api.supported_versions holds '" + v + "', not a YYYY-MM-DD date");
      }
    }
    return versions;
  }

  public JsonObject pricingTable() {
    JsonObject t = object("pricing.base_per_image");
    for (String tier : List.of("1k", "2k", "4k")) {
      Object v = t.getValue(tier);
      if (!(v instanceof Number n) || n.doubleValue() < 0) {
        throw new ConfigException("pricing.base_per_image." + tier + " must be a non-negative number");
      }
    }
    return t;
  }

  /** enhance.*: the LLM enhancer needs a URL and a model, and answers well inside the idempotency claim it runs under. */
  private void enhance() {
    String enhancer = string("enhance.enhancer");
    if (!enhancer.equals("template") && !enhancer.equals("llm")) {
      throw new ConfigException("enhance.enhancer must be 'template' or 'llm', got '" + enhancer + "'");
    }
    String url = string("enhance.llm_url");
    if (enhancer.equals("llm")) {
      if (!url.matches("^https?://[^\\s/]+(/\\S*)?$")) {
        throw new ConfigException("enhance.llm_url must be the http(s) URL of a chat-completions endpoint when enhance.enhancer is 'llm'");
      }
      if (string("enhance.llm_model").isBlank()) {
        throw new ConfigException("enhance.llm_model must name the model when enhance.enhancer is 'llm'");
      }
    }
    string("enhance.llm_api_key");
    if (!string("enhance.default_template").contains("{prompt}")) {
      throw new ConfigException("enhance.default_template must contain {prompt}");
    }
    if ("llm".equals(string("enhance.enhancer"))
        && integer("enhance.timeout_ms") >= integer("api.idempotency_in_flight_timeout_s") * 1000L) {
      // A create enhances while holding its Idempotency-Key claim; the claim must outlast the LLM's timeout.
      throw new ConfigException("enhance.timeout_ms must be below api.idempotency_in_flight_timeout_s");
    }
  }

  public List<String> devices() {
    List<String> devices = stringList("engine.devices");
    for (String d : devices) {
      if (!d.matches("^(CPU|GPU):\\d+$")) {
        throw new ConfigException("engine.devices holds '" + d + "'; use CPU:n or GPU:n");
      }
    }
    return devices;
  }

  // ---- generic checked getters ----------------------------------------------------------

  public String string(String path) {
    Object v = EnvOverrides.lookup(json, path);
    if (v == null) {
      throw new ConfigException(path + " is missing");
    }
    if (!(v instanceof String s)) {
      throw new ConfigException(path + " must be a string, got " + v);
    }
    return s;
  }

  public boolean bool(String path) {
    Object v = EnvOverrides.lookup(json, path);
    if (!(v instanceof Boolean b)) {
      throw new ConfigException(path + " must be true or false, got " + v);
    }
    return b;
  }

  /** An integer key of {@link #INTEGER_RANGES}, already checked against its range at load. */
  public int integer(String path) {
    long v = longInteger(path);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(path + " is a long key; read it with longInteger");
    }
    return (int) v;
  }

  public long longInteger(String path) {
    long[] r = INTEGER_RANGES.get(path);
    if (r == null) {
      throw new IllegalArgumentException("no range declared for config key " + path);
    }
    return longIn(path, r[0], r[1]);
  }

  /** A decimal key of {@link #NUMBER_RANGES}, already checked against its range at load. */
  public double number(String path) {
    double[] r = NUMBER_RANGES.get(path);
    if (r == null) {
      throw new IllegalArgumentException("no range declared for config key " + path);
    }
    return number(path, r[0], r[1]);
  }

  int intIn(String path, int min, int max) {
    return (int) longIn(path, min, max);
  }

  long longIn(String path, long min, long max) {
    Object v = EnvOverrides.lookup(json, path);
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new ConfigException(path + " must be an integer, got " + v);
    }
    long l = n.longValue();
    if (l < min || l > max) {
      throw new ConfigException(path + " must be in [" + min + ", " + max + "], got " + l);
    }
    return l;
  }

  double number(String path, double min, double max) {
    Object v = EnvOverrides.lookup(json, path);
    if (!(v instanceof Number n) || n.doubleValue() < min || n.doubleValue() > max) {
      throw new ConfigException(path + " must be a number in [" + min + ", " + max + "], got " + v);
    }
    return n.doubleValue();
  }

  public JsonObject object(String path) {
    Object v = EnvOverrides.lookup(json, path);
    if (!(v instanceof JsonObject o)) {
      throw new ConfigException(path + " must be an object, got " + v);
    }
    return o;
  }

  public List<String> stringList(String path) {
    Object v = EnvOverrides.lookup(json, path);
    if (!(v instanceof JsonArray arr)) {
      throw new ConfigException(path + " must be a list, got " + v);
    }
    List<String> out = new ArrayList<>();
    for (Object o : arr) {
      if (!(o instanceof String s)) {
        throw new ConfigException(path + " must hold only strings, got " + o);
      }
      out.add(s);
    }
    return out;
  }
}
