package com.aurous.server.engine;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TcpProxy;
import com.aurous.server.testing.TestDatabase;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node is cut off from PostgreSQL (a relay between them is cut; the database keeps running)
 * while a worker finishes a generation. The worker keeps the result and retries; meanwhile its
 * lease expires and another worker takes the row. The late result must then be refused: the
 * generation ends with one image set and one charge, from the run that held it.
 */
class LateCompletionAfterOutageTest {
  static final int LEASE_SECONDS = 3;
  static TcpProxy proxy;
  static String databaseName;
  static TestNode node;
  static TestNode.TeamKey team;
  static ApiClient api;
  static ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeAll
  static void start() throws Exception {
    String direct = TestDatabase.createDatabase();
    databaseName = direct.substring(direct.lastIndexOf('/') + 1);
    proxy = TcpProxy.start(TestDatabase.server().getPort());
    logs.start();
    ((Logger) LoggerFactory.getLogger(DeviceWorkerVerticle.class)).addAppender(logs);
    node = TestNode.startWithEngine(
        new JsonObject().put("max_batch_size", 2).put("max_running_per_worker", 2).put("intra_op_threads", 1)
            .put("lease_seconds", LEASE_SECONDS).put("rescue_interval_s", 1),
        new JsonObject().put("database", new JsonObject()
            .put("url", "postgresql://postgres:postgres@127.0.0.1:" + proxy.port() + "/" + databaseName)
            .put("acquire_timeout_ms", 3000))
            // Every read of the open generation goes to PostgreSQL, which is what this test watches.
            .put("api", new JsonObject().put("view_cache_open_ttl_ms", 0)));
    team = node.newTeam(1_000);
    api = node.client(team.key());
  }

  @AfterAll
  static void stop() throws Exception {
    ((Logger) LoggerFactory.getLogger(DeviceWorkerVerticle.class)).detachAppender(logs);
    if (node != null) {
      node.close();
    }
    proxy.close();
  }

  /** The test's own connection, not through the relay: it plays the other worker. */
  static Connection direct() throws Exception {
    return TestDatabase.server().getDatabase("postgres", databaseName).getConnection();
  }

  @Test
  void aResultFinishedWhileTheDatabaseWasUnreachableIsRefusedOnceAnotherWorkerTookTheGeneration() throws Exception {
    long imagesBefore = node.node().engineMetrics().get(0).imagesDone();
    ApiClient.Response created = api.post("/v1/images", new JsonObject().put("prompt", "a kite over dunes").put("steps", 8));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.json().getString("id");
    Polling.until(() -> api.get("/v1/images/" + id).json().getString("status"), "processing"::equals,
        Duration.ofSeconds(60), id + " to start");

    proxy.cut();
    // Finished on the device, not stored: PostgreSQL is out of reach.
    Polling.until(() -> node.node().engineMetrics().get(0).imagesDone(), n -> n > imagesBefore, Duration.ofSeconds(60),
        "the image to finish in memory");
    ApiClient.Response during = api.get("/v1/images/" + id);
    assertThat(during.status()).isEqualTo(503);
    assertThat(during.errorCode()).isEqualTo("service_unavailable");

    // Our lease runs out; a rescuer returns the row and another worker claims it for a while.
    Thread.sleep(LEASE_SECONDS * 1000L + 500);
    try (Connection c = direct(); PreparedStatement ps = c.prepareStatement("UPDATE generations SET status = 'pending',"
        + " claimed_by = 'node_other/CPU:0', lease_expires_at = now() + interval '6 seconds', attempts = attempts + 1"
        + " WHERE id = ? AND status IN ('pending', 'processing') AND lease_expires_at < now()")) {
      ps.setString(1, id);
      assertThat(ps.executeUpdate()).as("our lease expired and the row was taken").isEqualTo(1);
    }

    proxy.restore();
    Polling.until(() -> logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains("Result of generation " + id + " not applied")),
        b -> b, Duration.ofSeconds(20), "the late result to be refused");
    JsonObject whileTaken = api.get("/v1/images/" + id).json();
    assertThat(whileTaken.getString("status")).isNotEqualTo("succeeded");
    assertThat(whileTaken.getValue("output_urls")).isNull();

    // The other worker vanished too: its lease expires, the row is rescued and run again, once.
    JsonObject done = Polling.until(() -> api.get("/v1/images/" + id).json(),
        g -> "succeeded".equals(g.getString("status")) || "failed".equals(g.getString("status")),
        Duration.ofSeconds(90), id + " to finish");
    assertThat(done.getString("status")).isEqualTo("succeeded");
    assertThat(done.getJsonArray("output_urls")).hasSize(1);
    try (Connection c = direct(); PreparedStatement ps = c.prepareStatement("SELECT"
        + " (SELECT count(*) FROM generation_outputs WHERE generation_id = ?),"
        + " (SELECT count(*) FROM credit_ledger WHERE generation_id = ? AND kind = 'reserve'),"
        + " (SELECT count(*) FROM credit_ledger WHERE generation_id = ? AND kind = 'commit'),"
        + " (SELECT count(*) FROM credit_ledger WHERE generation_id = ? AND kind = 'release'),"
        + " (SELECT attempts FROM generations WHERE id = ?)")) {
      for (int i = 1; i <= 5; i++) {
        ps.setString(i, id);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertThat(rs.getLong(1)).as("images stored").isEqualTo(1);
        assertThat(rs.getLong(2)).as("reserves").isEqualTo(1);
        assertThat(rs.getLong(3)).as("commits").isEqualTo(1);
        assertThat(rs.getLong(4)).as("releases").isZero();
        assertThat(rs.getInt(5)).as("claims: ours, the other worker's, ours again").isEqualTo(3);
      }
    }
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(node.teams().ledgerSum(team.team().id()).await());
  }
}
