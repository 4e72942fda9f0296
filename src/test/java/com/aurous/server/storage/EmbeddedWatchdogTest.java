package com.aurous.server.storage;

import com.aurous.server.Main;
import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.NodeProcess;
import com.aurous.server.testing.Polling;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded default (no database.url) in a real {@code serve} process: its postmaster is
 * killed with SIGKILL, found through postmaster.pid the way an operator would.
 */
class EmbeddedWatchdogTest {
  Path dataDir;
  NodeProcess node;

  NodeProcess start(int port) throws Exception {
    dataDir = Files.createTempDirectory("aurous-watchdog");
    node = NodeProcess.start("watchdog", Map.of(
        "AUROUS_DATA_DIR", dataDir.toString(),
        "AUROUS_NODE_ROLES", "api",
        "AUROUS_HTTP_HOST", "127.0.0.1",
        "AUROUS_HTTP_PORT", Integer.toString(port),
        "AUROUS_DATABASE_EMBEDDED_WATCHDOG_INTERVAL_MS", "200",
        "AUROUS_DATABASE_EMBEDDED_RESTART_ATTEMPTS", "3",
        "AUROUS_DATABASE_ACQUIRE_TIMEOUT_MS", "2000"), "Aurous API listening on");
    return node;
  }

  long postmasterPid() throws Exception {
    return Long.parseLong(Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid")).get(0).trim());
  }

  static void kill(long pid) {
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
  }

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    // Whatever the outcome, no postmaster outlives the test.
    if (dataDir != null && Files.exists(dataDir.resolve("postgres").resolve("postmaster.pid"))) {
      kill(postmasterPid());
    }
  }

  @Test
  void aKilledEmbeddedPostgresIsRestartedOnTheSamePortAndTheNodeServesAgainWithItsData() throws Exception {
    int port = NodeProcess.freePort();
    start(port);
    String key = Files.readString(dataDir.resolve("dev-api-key")).trim();
    ApiClient api = new ApiClient("http://127.0.0.1:" + port, key);
    // Committed just before the kill, while the postmaster's backends are busy: all must survive it.
    java.util.List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ApiClient.Response created = api.post("/v1/images", new JsonObject().put("prompt", "a quiet pond " + i));
      assertThat(created.status()).as(created.body()).isEqualTo(201);
      ids.add(created.json().getString("id"));
    }
    int pgPort = Integer.parseInt(Files.readString(dataDir.resolve("postgres.port")).trim());

    long killed = postmasterPid();
    kill(killed);

    // (Until they notice, the killed postmaster's backends still answer on open connections.)
    Polling.until(node::output, out -> out.contains("Embedded PostgreSQL restarted on port " + pgPort), Duration.ofSeconds(60),
        "the watchdog to report the restart");
    Polling.until(() -> api.get("/v1/images"), r -> r.status() == 200, Duration.ofSeconds(30), "the node to serve again");
    assertThat(postmasterPid()).isNotEqualTo(killed);
    for (String id : ids) {
      ApiClient.Response got = api.get("/v1/images/" + id);
      assertThat(got.status()).as(id + " after the restart: " + got.body()).isEqualTo(200);
    }
    assertThat(node.isAlive()).isTrue();
  }

  @Test
  void whenTheEmbeddedPostgresCannotBeRestartedTheNodeStopsWithOneLineAndExitCode69() throws Exception {
    start(NodeProcess.freePort());
    // A data directory PostgreSQL no longer accepts: the running server does not care, a new one refuses to start.
    Files.delete(dataDir.resolve("postgres").resolve("PG_VERSION"));
    kill(postmasterPid());

    assertThat(node.awaitExit(Duration.ofSeconds(90))).isEqualTo(Main.EXIT_DATABASE_LOST);
    assertThat(node.output()).containsOnlyOnce("fatal: embedded PostgreSQL on port")
        .contains("could not be restarted after 3 attempt(s)")
        .contains("(exit code 69)");
  }
}
