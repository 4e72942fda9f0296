package com.aurous.server.observability;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.NodeProcess;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * /health/live and /health/ready on a node with the engine against an external PostgreSQL,
 * which is stopped and started again on the same port (as in DatabaseOutageTest).
 */
class HealthTest {
  static Path pgData;
  static int pgPort;
  static EmbeddedPostgres postgres;
  static TestNode node;
  static ApiClient anonymous;

  @BeforeAll
  static void start() throws Exception {
    pgData = Files.createTempDirectory("aurous-health-pg");
    pgPort = NodeProcess.freePort();
    postgres = startPostgres();
    try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE aurous");
    }
    node = TestNode.startWithEngine(new JsonObject().put("intra_op_threads", 1),
        new JsonObject()
            .put("database", new JsonObject().put("url", "postgresql://postgres:postgres@127.0.0.1:" + pgPort + "/aurous")
                .put("acquire_timeout_ms", 3000))
            .put("health", new JsonObject().put("database_timeout_ms", 500).put("cache_ms", 200)));
    anonymous = node.client(null);
  }

  static EmbeddedPostgres startPostgres() throws IOException {
    return EmbeddedPostgres.builder().setDataDirectory(pgData).setCleanDataDirectory(false).setPort(pgPort)
        .setServerConfig("fsync", "off").start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  static JsonObject check(JsonObject health, String id) {
    JsonArray checks = health.getJsonArray("checks");
    for (int i = 0; i < checks.size(); i++) {
      if (id.equals(checks.getJsonObject(i).getString("id"))) {
        return checks.getJsonObject(i);
      }
    }
    return null;
  }

  @Test
  void readyIsUpNormallyThenNamesTheDatabaseWhileItIsGoneWhileLiveStaysUp() throws Exception {
    ApiClient.Response ready = anonymous.get("/health/ready");
    assertThat(ready.status()).as(ready.body()).isEqualTo(200);
    assertThat(ready.header("Aurous-Request-Id")).startsWith("req_");
    assertThat(ready.header("Content-Type")).startsWith("application/json");
    assertThat(ready.json().getString("outcome")).isEqualTo("UP");
    assertThat(check(ready.json(), "database").getString("status")).isEqualTo("UP");
    assertThat(check(ready.json(), "model").getString("status")).isEqualTo("UP");
    assertThat(check(ready.json(), "cluster")).as("no cluster check on a lone node").isNull();
    ApiClient.Response live = anonymous.get("/health/live");
    assertThat(live.status()).isEqualTo(200);
    assertThat(live.json().getString("outcome")).isEqualTo("UP");

    postgres.close();
    postgres = null;
    try {
      ApiClient.Response down = Polling.until(() -> anonymous.get("/health/ready"), r -> r.status() == 503,
          Duration.ofSeconds(20), "ready to answer 503");
      assertThat(down.header("Aurous-Request-Id")).startsWith("req_");
      assertThat(down.json().getString("outcome")).isEqualTo("DOWN");
      JsonObject database = check(down.json(), "database");
      assertThat(database.getString("status")).isEqualTo("DOWN");
      assertThat(database.getJsonObject("data").getString("reason")).startsWith("PostgreSQL did not answer");
      assertThat(check(down.json(), "model").getString("status")).isEqualTo("UP");
      for (int i = 0; i < 5; i++) {
        ApiClient.Response stillLive = anonymous.get("/health/live");
        assertThat(stillLive.status()).isEqualTo(200);
        assertThat(stillLive.header("Aurous-Request-Id")).startsWith("req_");
      }
    } finally {
      postgres = startPostgres();
    }
    Polling.until(() -> anonymous.get("/health/ready").status(), s -> s == 200, Duration.ofSeconds(30),
        "ready again once PostgreSQL is back");
  }

  @Test
  void healthRoutesAnswerOtherMethodsAndSubpathsInTheEnvelope() {
    ApiClient.Response post = anonymous.method("POST", "/health/ready", "{}");
    assertThat(post.status()).isEqualTo(405);
    assertThat(post.errorCode()).isEqualTo("method_not_allowed");
    ApiClient.Response sub = anonymous.get("/health/ready/database");
    assertThat(sub.status()).isEqualTo(404);
    assertThat(sub.errorCode()).isEqualTo("resource_missing");
    // vertx-web lets an exact route match with a trailing slash; either way no bare answer
    ApiClient.Response slash = anonymous.get("/health/live/");
    assertThat(slash.header("Aurous-Request-Id")).startsWith("req_");
    if (slash.status() == 200) {
      assertThat(slash.json().getString("outcome")).isEqualTo("UP");
    } else {
      assertThat(slash.status()).isEqualTo(404);
      assertThat(slash.errorCode()).isEqualTo("resource_missing");
    }
  }
}
