package com.aurous.server.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * Maps AUROUS_* environment variables onto the nested keys of the file config.
 *
 * <p>Every leaf key of {@code conf/aurous.json} has exactly one variable: the dotted path
 * upper-cased with dots and underscores both turned into {@code _} (http.port becomes
 * AUROUS_HTTP_PORT, engine.max_batch_size becomes AUROUS_ENGINE_MAX_BATCH_SIZE). The value is
 * converted to the type the file gives that key, so a typo fails at start-up, not at first use.
 */
public final class EnvOverrides {
  public static final String PREFIX = "AUROUS_";
  /** Variables the launcher itself reads; they are not config keys. */
  private static final java.util.Set<String> RESERVED = java.util.Set.of("AUROUS_CONFIG");

  private EnvOverrides() {}

  public static JsonObject apply(JsonObject fileConfig, Map<String, String> env) {
    JsonObject result = fileConfig.copy();
    Map<String, String> paths = new java.util.HashMap<>();
    collectLeafPaths(result, "", paths);
    for (Map.Entry<String, String> e : env.entrySet()) {
      String name = e.getKey();
      if (!name.startsWith(PREFIX) || RESERVED.contains(name)) {
        continue;
      }
      String path = paths.get(name);
      if (path == null) {
        throw new ConfigException("environment variable " + name + " names no config key (see README: Configuration)");
      }
      setPath(result, path, convert(path, lookup(fileConfig, path), e.getValue()));
    }
    return result;
  }

  public static String variableFor(String dottedPath) {
    return PREFIX + dottedPath.toUpperCase(java.util.Locale.ROOT).replace('.', '_');
  }

  private static void collectLeafPaths(JsonObject obj, String prefix, Map<String, String> out) {
    for (String key : obj.fieldNames()) {
      String path = prefix.isEmpty() ? key : prefix + "." + key;
      Object v = obj.getValue(key);
      if (v instanceof JsonObject child && !isMapValued(path)) {
        collectLeafPaths(child, path, out);
      } else {
        out.put(variableFor(path), path);
      }
    }
  }

  /** Objects that are values in their own right (a whole table), set from one JSON variable. */
  private static boolean isMapValued(String path) {
    return path.equals("pricing.base_per_image");
  }

  static Object lookup(JsonObject root, String path) {
    Object cur = root;
    for (String part : path.split("\\.")) {
      if (!(cur instanceof JsonObject o)) {
        return null;
      }
      cur = o.getValue(part);
    }
    return cur;
  }

  private static void setPath(JsonObject root, String path, Object value) {
    String[] parts = path.split("\\.");
    JsonObject cur = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject next = cur.getJsonObject(parts[i]);
      if (next == null) {
        next = new JsonObject();
        cur.put(parts[i], next);
      }
      cur = next;
    }
    cur.put(parts[parts.length - 1], value);
  }

  private static Object convert(String path, Object template, String raw) {
    String var = variableFor(path);
    try {
      if (template instanceof Integer || template instanceof Long) {
        // A whole number in the file does not make the key integer-only (pricing.enhance_multiplier
        // is 2 in the file but may be 1.5): accept any number here; ServerConfig checks integrality
        // for the keys that need it and names the key.
        try {
          return Long.parseLong(raw.trim());
        } catch (NumberFormatException notWhole) {
          double d = Double.parseDouble(raw.trim());
          if (!Double.isFinite(d)) {
            throw new NumberFormatException(raw);
          }
          return d;
        }
      }
      if (template instanceof Number) {
        return Double.parseDouble(raw.trim());
      }
      if (template instanceof Boolean) {
        String v = raw.trim().toLowerCase(java.util.Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
          throw new ConfigException(var + " (" + path + ") must be true or false, got '" + raw + "'");
        }
        return Boolean.parseBoolean(v);
      }
      if (template instanceof JsonArray) {
        String v = raw.trim();
        if (v.startsWith("[")) {
          return new JsonArray(v);
        }
        JsonArray arr = new JsonArray();
        for (String item : v.split(",")) {
          if (!item.isBlank()) {
            arr.add(item.trim());
          }
        }
        return arr;
      }
      if (template instanceof JsonObject) {
        return new JsonObject(raw);
      }
      return raw;
    } catch (NumberFormatException | DecodeException ex) {
      throw new ConfigException(var + " (" + path + ") has the wrong type: '" + raw + "'");
    }
  }
}
