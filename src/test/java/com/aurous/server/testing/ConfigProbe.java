package com.aurous.server.testing;

import com.aurous.server.config.ConfigException;
import com.aurous.server.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** Loads the configuration exactly as a node does (file + environment) and prints it. */
public final class ConfigProbe {
  private ConfigProbe() {}

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    int code = 0;
    try {
      System.out.println("CONFIG " + ConfigLoader.load(vertx, new JsonObject()).await().json().encode());
    } catch (ConfigException e) {
      System.out.println("CONFIG_ERROR " + e.getMessage());
      code = 78;
    } finally {
      vertx.close().await();
    }
    System.exit(code);
  }
}
