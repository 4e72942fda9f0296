package com.aurous.server;

import com.aurous.server.testing.ApiClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The zero-install default: no database.url means embedded PostgreSQL under data_dir, plus a dev team and key. */
class DevBootstrapTest {
  private static JsonObject config(Path dataDir) {
    return new JsonObject()
        .put("data_dir", dataDir.toString())
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 1))
        .put("database", new JsonObject().put("url", "").put("pool_size", 4))
        .put("bootstrap", new JsonObject().put("default_team", "default").put("default_credits", 1000))
        // The default roles (api + worker): short leases so work cut off by the stop resumes quickly.
        .put("engine", new JsonObject().put("lease_seconds", 2).put("rescue_interval_s", 1).put("poll_interval_ms", 100));
  }

  @Test
  void firstStartCreatesTheDevTeamAndKeyAndARestartKeepsEverything() throws Exception {
    Path dataDir = Files.createTempDirectory("aurous-dev");
    String key;
    String generationId;
    try (AurousNode node = AurousNode.start(config(dataDir))) {
      assertThat(dataDir.resolve("postgres")).isDirectory();
      Path keyFile = dataDir.resolve("dev-api-key");
      assertThat(keyFile).exists();
      assertThat(Files.getPosixFilePermissions(keyFile))
          .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
      key = Files.readString(keyFile).trim();
      assertThat(key).matches("al_live_[0-9A-Za-z]{32,}").isEqualTo(node.devApiKey());
      ApiClient api = new ApiClient("http://127.0.0.1:" + node.port(), key);
      ApiClient.Response r = api.post("/v1/images", new JsonObject().put("prompt", "hello"));
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      generationId = r.json().getString("id");
      long teams = node.pool().query("SELECT count(*) FROM teams").execute().await().iterator().next().getLong(0);
      assertThat(teams).isEqualTo(1);
      long balance = node.pool().query("SELECT balance FROM teams WHERE name = 'default'").execute().await()
          .iterator().next().getLong(0);
      assertThat(balance).isEqualTo(999);
    }
    try (AurousNode node = AurousNode.start(config(dataDir))) {
      assertThat(node.devApiKey()).isNull();
      assertThat(Files.readString(dataDir.resolve("dev-api-key")).trim()).isEqualTo(key);
      long teams = node.pool().query("SELECT count(*) FROM teams").execute().await().iterator().next().getLong(0);
      assertThat(teams).isEqualTo(1);
      ApiClient api = new ApiClient("http://127.0.0.1:" + node.port(), key);
      ApiClient.Response r = api.get("/v1/images/" + generationId);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      // Whatever state the stop left it in, the restarted node carries it through to the end.
      JsonObject done = com.aurous.server.testing.Polling.until(() -> api.get("/v1/images/" + generationId).json(),
          g -> "succeeded".equals(g.getString("status")) || "failed".equals(g.getString("status")),
          java.time.Duration.ofSeconds(60), generationId);
      assertThat(done.getString("status")).isEqualTo("succeeded");
    }
  }
}
