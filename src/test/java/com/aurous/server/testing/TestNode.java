package com.aurous.server.testing;

import com.aurous.server.AurousNode;
import com.aurous.server.auth.Team;
import com.aurous.server.auth.TeamStore;
import com.aurous.server.engine.ReferenceSource;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;

/** A real node on a free loopback port against its own test database. */
public final class TestNode implements AutoCloseable {
  private final AurousNode node;
  private final String databaseUrl;

  private TestNode(AurousNode node, String databaseUrl) {
    this.node = node;
    this.databaseUrl = databaseUrl;
  }

  /** An API-only node: pending generations stay pending, so API tests see stable states. */
  public static TestNode start() {
    return start(new JsonObject());
  }

  /** A node with the engine (one CPU worker on the built-in model) as well as the API. */
  public static TestNode startWithEngine(JsonObject engineOverrides) {
    return startWithEngine(engineOverrides, new JsonObject());
  }

  public static TestNode startWithEngine(JsonObject engineOverrides, JsonObject otherOverrides) {
    return startWithEngine(engineOverrides, otherOverrides, null);
  }

  /** With the engine, its workers taking reference pictures from {@code references} (null: the node's own). */
  public static TestNode startWithEngine(JsonObject engineOverrides, JsonObject otherOverrides, ReferenceSource references) {
    JsonObject o = otherOverrides.copy()
        .put("node", new JsonObject().put("roles", new io.vertx.core.json.JsonArray().add("api").add("worker")))
        .put("engine", new JsonObject().put("poll_interval_ms", 100).mergeIn(engineOverrides));
    return start(o, references);
  }

  public static TestNode start(JsonObject overrides) {
    return start(overrides, null);
  }

  private static TestNode start(JsonObject overrides, ReferenceSource references) {
    try {
      String url = overrides.getJsonObject("database", new JsonObject()).getString("url");
      if (url == null) {
        url = TestDatabase.createDatabase();
      }
      Path dataDir = Files.createTempDirectory("aurous-test-data");
      JsonObject base = new JsonObject()
          .put("data_dir", dataDir.toString())
          .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 1))
          .put("database", new JsonObject().put("url", url).put("pool_size", 8))
          .put("node", new JsonObject().put("roles", new io.vertx.core.json.JsonArray().add("api")));
      return new TestNode(AurousNode.start(com.aurous.server.config.ConfigLoader.deepMerge(base, overrides), references), url);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start test node", e);
    }
  }

  public AurousNode node() {
    return node;
  }

  public String databaseUrl() {
    return databaseUrl;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + node.port();
  }

  public ApiClient client(String apiKey) {
    return new ApiClient(baseUrl(), apiKey);
  }

  /** A new team with the given credits and a fresh key. */
  public TeamKey newTeam(long credits) {
    TeamStore teams = new TeamStore(node.pool());
    Team team = teams.createTeam("team-" + java.util.UUID.randomUUID(), credits).await();
    return new TeamKey(team, teams.createKey(team.id()).await().key());
  }

  public record TeamKey(Team team, String key) {}

  public TeamStore teams() {
    return new TeamStore(node.pool());
  }

  @Override
  public void close() throws Exception {
    node.close();
  }
}
