package com.aurous.server.cluster;

import com.aurous.server.auth.Team;
import com.aurous.server.auth.TeamStore;
import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Multipart;
import com.aurous.server.testing.NodeProcess;
import com.aurous.server.testing.PictureServer;
import com.aurous.server.testing.Pictures;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestDatabase;
import com.aurous.server.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The character job survives the death of the node running it: node p1 (its own JVM) claims a
 * character and is held mid-job by the test-only characters.test_job_delay_ms, renewing its
 * lease; it is killed (SIGKILL); the other node's job takes the character over from the start,
 * fetching its URL reference itself, and makes it ready. Without a cluster that waits for the
 * lease to run out; in a cluster the survivor hands it back as soon as p1 leaves.
 */
class CharacterJobAcrossNodesTest {
  static final int LEASE_S = 3;
  /** In the cluster case: far longer than the test waits, so only the departure can hand it back. */
  static final int LONG_LEASE_S = 120;
  static final Duration WELL_WITHIN_LONG_LEASE = Duration.ofSeconds(60);

  @Test
  void aCharacterWhoseNodeDiesMidJobIsFinishedByAnotherNode() throws Exception {
    String db = TestDatabase.createDatabase();
    try (PictureServer pictures = new PictureServer()) {
      String url = pictures.serve("/face.jpg", "image/jpeg", Pictures.jpeg(48, 48));
      int port = NodeProcess.freePort();
      Map<String, String> env = heldJobNode(db, port, LEASE_S);
      env.put("AUROUS_FILES_FETCH_TIMEOUT_MS", "1000");
      try (NodeProcess p1 = NodeProcess.start("p1", env, "Aurous API listening on")) {
        String key = newTeamKey(db);
        String base1 = "http://127.0.0.1:" + port;
        ApiClient.Response up = Multipart.upload(base1, key, "image/png", Pictures.png(32, 32));
        assertThat(up.status()).as(up.body()).isEqualTo(201);
        String file = up.json().getString("id");
        ApiClient.Response created = new ApiClient(base1, key).post("/v1/characters", new JsonObject().put("name", "Ada")
            .put("reference_image_urls", new JsonArray().add(file).add(url)));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.json().getString("id");

        try (TestNode other = TestNode.start(new JsonObject()
            .put("database", new JsonObject().put("url", db))
            .put("api", new JsonObject().put("allow_insecure_urls", true))
            .put("files", new JsonObject().put("fetch_timeout_ms", 1000))
            .put("characters", new JsonObject().put("lease_s", LEASE_S).put("poll_interval_ms", 200)))) {
          Polling.until(() -> row(other, id).getString("claimed_by"), "p1/characters"::equals, Duration.ofSeconds(30),
              id + " claimed by p1");
          // p1 renews its lease while it is held: the other node, polling all along, cannot take it.
          Thread.sleep(LEASE_S * 2000L);
          assertThat(row(other, id).getString("claimed_by")).isEqualTo("p1/characters");
          assertThat(row(other, id).getString("status")).isEqualTo("synthesizing");
          assertThat(pictures.hits.get()).isZero();

          p1.kill();

          ApiClient c = other.client(key);
          JsonObject ready = Polling.until(() -> c.get("/v1/characters/" + id).json(),
              x -> !"synthesizing".equals(x.getString("status")), Duration.ofSeconds(60), id);
          assertThat(ready.getString("status")).as(ready.encode()).isEqualTo("ready");
          JsonArray files = ready.getJsonArray("reference_file_ids");
          assertThat(files).hasSize(2);
          assertThat(files.getString(0)).isEqualTo(file);
          assertThat(c.get("/v1/files/" + files.getString(1)).json().getString("mime_type")).isEqualTo("image/jpeg");
          Row r = row(other, id);
          assertThat(r.getInteger("attempts")).isEqualTo(2);
          assertThat(r.getString("claimed_by")).isNull();
          assertThat(pictures.hits.get()).isEqualTo(1);
        }
      }
    }
  }

  @Test
  void aCharacterWhoseNodeLeavesTheClusterMidJobIsHandedBackWithoutWaitingForItsLease() throws Exception {
    String db = TestDatabase.createDatabase();
    String clusterName = "characters-" + System.nanoTime();
    int hz1 = NodeProcess.freePort();
    int hz2 = NodeProcess.freePort();
    String members = "127.0.0.1:" + hz1 + ",127.0.0.1:" + hz2;
    try (PictureServer pictures = new PictureServer()) {
      String url = pictures.serve("/face.jpg", "image/jpeg", Pictures.jpeg(48, 48));
      int port = NodeProcess.freePort();
      Map<String, String> env = heldJobNode(db, port, LONG_LEASE_S);
      env.put("AUROUS_CLUSTER_ENABLED", "true");
      env.put("AUROUS_CLUSTER_NAME", clusterName);
      env.put("AUROUS_CLUSTER_PORT", Integer.toString(hz1));
      env.put("AUROUS_CLUSTER_MEMBERS", members);
      try (NodeProcess p1 = NodeProcess.startClusterMember("p1", env, "Aurous API listening on")) {
        String key = newTeamKey(db);
        String base1 = "http://127.0.0.1:" + port;
        ApiClient.Response created = new ApiClient(base1, key).post("/v1/characters", new JsonObject().put("name", "Grace")
            .put("reference_image_urls", new JsonArray().add(url)));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.json().getString("id");

        try (TestNode other = TestNode.start(new JsonObject()
            .put("database", new JsonObject().put("url", db))
            .put("node", new JsonObject().put("name", "other"))
            .put("api", new JsonObject().put("allow_insecure_urls", true))
            .put("cluster", new JsonObject().put("enabled", true).put("name", clusterName).put("port", hz2)
                .put("members", new JsonArray().add("127.0.0.1:" + hz1).add("127.0.0.1:" + hz2)))
            .put("characters", new JsonObject().put("lease_s", LONG_LEASE_S).put("poll_interval_ms", 200)))) {
          // p1's claim names its cluster member id, which is what the survivors see leave.
          String claimedBy = Polling.until(() -> row(other, id).getString("claimed_by"),
              c -> c != null && c.startsWith("p1/characters@"), Duration.ofSeconds(30), id + " claimed by p1");
          assertThat(pictures.hits.get()).isZero();

          p1.kill();

          // The lease has nearly two minutes left: a character ready within one came back on the departure.
          ApiClient c = other.client(key);
          JsonObject ready = Polling.until(() -> c.get("/v1/characters/" + id).json(),
              x -> !"synthesizing".equals(x.getString("status")), WELL_WITHIN_LONG_LEASE, id + " handed back by " + claimedBy);
          assertThat(ready.getString("status")).as(ready.encode()).isEqualTo("ready");
          JsonArray files = ready.getJsonArray("reference_file_ids");
          assertThat(files).hasSize(1);
          assertThat(c.get("/v1/files/" + files.getString(0)).json().getString("mime_type")).isEqualTo("image/jpeg");
          Row r = row(other, id);
          // The departure counted as the interrupted attempt, like an expired lease.
          assertThat(r.getInteger("attempts")).isEqualTo(2);
          assertThat(r.getString("claimed_by")).isNull();
          assertThat(pictures.hits.get()).isEqualTo(1);
        }
      }
    }
  }

  /** The node process migrated the database; the team is made directly in it. */
  static String newTeamKey(String db) {
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(db)).using(vertx).build();
      TeamStore teams = new TeamStore(pool);
      Team team = teams.createTeam("job-team", 100).await();
      return teams.createKey(team.id()).await().key();
    } finally {
      vertx.close().await();
    }
  }

  static Row row(TestNode node, String id) {
    return node.node().pool().preparedQuery("SELECT status, claimed_by, attempts FROM characters WHERE id = $1")
        .execute(Tuple.of(id)).await().iterator().next();
  }

  /** An API node (its own process) whose character job claims a character and then holds it mid-job. */
  static Map<String, String> heldJobNode(String db, int httpPort, int leaseSeconds) {
    Map<String, String> env = new HashMap<>();
    env.put("AUROUS_DATABASE_URL", db);
    env.put("AUROUS_NODE_ROLES", "api");
    env.put("AUROUS_HTTP_HOST", "127.0.0.1");
    env.put("AUROUS_HTTP_PORT", Integer.toString(httpPort));
    env.put("AUROUS_API_ALLOW_INSECURE_URLS", "true");
    env.put("AUROUS_CHARACTERS_LEASE_S", Integer.toString(leaseSeconds));
    env.put("AUROUS_CHARACTERS_POLL_INTERVAL_MS", "200");
    env.put("AUROUS_CHARACTERS_TEST_JOB_DELAY_MS", "600000");
    return env;
  }
}
