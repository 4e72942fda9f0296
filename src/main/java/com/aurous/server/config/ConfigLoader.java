package com.aurous.server.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the node's configuration through vertx-config: the JSON file first, then the
 * environment, so that an environment variable always wins over the file (a later store
 * overrides an earlier one). Explicit overrides (tests, CLI flags) win over both.
 */
public final class ConfigLoader {
  public static final String DEFAULT_FILE = "conf/aurous.json";

  private ConfigLoader() {}

  public static Future<ServerConfig> load(Vertx vertx, JsonObject overrides) {
    String file = System.getenv().getOrDefault("AUROUS_CONFIG", DEFAULT_FILE);
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setScanPeriod(-1);
    if (Files.exists(Path.of(file))) {
      options.addStore(new ConfigStoreOptions().setType("file").setFormat("json")
          .setConfig(new JsonObject().put("path", file)));
    } else {
      // Running from outside the project folder: the defaults shipped in the jar.
      options.addStore(new ConfigStoreOptions().setType("json").setConfig(bundledDefaults()));
    }
    // raw-data: keep every variable a string. Without it vertx-config turns numeric-looking
    // values into numbers, so a string key such as outputs.signing_secret=0123 became "123".
    options.addStore(new ConfigStoreOptions().setType("env").setConfig(new JsonObject().put("raw-data", true)));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
        .eventually(retriever::close)
        .map(merged -> {
          JsonObject fileConfig = new JsonObject();
          java.util.Map<String, String> env = new java.util.HashMap<>();
          for (String key : merged.fieldNames()) {
            Object v = merged.getValue(key);
            if (key.startsWith(EnvOverrides.PREFIX)) {
              env.put(key, String.valueOf(v));
            } else if (key.equals(key.toLowerCase(java.util.Locale.ROOT))) {
              fileConfig.put(key, v);
            }
          }
          JsonObject withEnv = EnvOverrides.apply(fileConfig, env);
          return ServerConfig.from(deepMerge(withEnv, overrides == null ? new JsonObject() : overrides));
        });
  }

  static JsonObject bundledDefaults() {
    try (var in = ConfigLoader.class.getResourceAsStream("/conf-defaults/aurous.json")) {
      if (in == null) {
        throw new ConfigException("no " + DEFAULT_FILE + " and no bundled defaults in the jar");
      }
      return new JsonObject(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw new ConfigException("cannot read bundled defaults: " + e.getMessage());
    }
  }

  public static JsonObject deepMerge(JsonObject base, JsonObject over) {
    JsonObject out = base.copy();
    for (String key : over.fieldNames()) {
      Object o = over.getValue(key);
      Object b = out.getValue(key);
      if (o instanceof JsonObject oo && b instanceof JsonObject bo && !key.equals("base_per_image")) {
        out.put(key, deepMerge(bo, oo));
      } else {
        out.put(key, o);
      }
    }
    return out;
  }
}
