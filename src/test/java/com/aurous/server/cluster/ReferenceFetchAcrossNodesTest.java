package com.aurous.server.cluster;

import com.aurous.server.auth.Team;
import com.aurous.server.auth.TeamStore;
import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.NodeProcess;
import com.aurous.server.testing.PictureServer;
import com.aurous.server.testing.Pictures;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestDatabase;
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
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A generation whose https reference is being fetched survives the fetching node's death: two
 * nodes (own JVMs, both API and worker) of one Hazelcast cluster; the picture host holds the first
 * fetch open, so the worker that claimed the generation is mid-fetch when it is killed (SIGKILL).
 * The survivor sees the member leave, returns the claim to pending, claims it, fetches the
 * reference again and finishes it; it is charged once. Generation leases are two minutes here and
 * the test waits one, so only the departure can have handed it back.
 */
class ReferenceFetchAcrossNodesTest {
  static final int LEASE_S = 120;
  static final Duration WELL_WITHIN_LEASE = Duration.ofSeconds(60);

  @Test
  void aGenerationWhoseNodeDiesWhileFetchingItsReferenceIsFetchedAgainAndFinishedByTheOtherNode() throws Exception {
    String db = TestDatabase.createDatabase();
    String clusterName = "fetch-" + System.nanoTime();
    int hz1 = NodeProcess.freePort();
    int hz2 = NodeProcess.freePort();
    String members = "127.0.0.1:" + hz1 + ",127.0.0.1:" + hz2;
    try (PictureServer pictures = new PictureServer()) {
      String url = pictures.holdFirst("/scene.png", "image/png", Pictures.png(64, 48));
      int http1 = NodeProcess.freePort();
      int http2 = NodeProcess.freePort();
      try (NodeProcess n1 = NodeProcess.startClusterMember("n1", env(db, clusterName, hz1, members, http1), "Aurous API listening on");
           NodeProcess n2 = NodeProcess.startClusterMember("n2", env(db, clusterName, hz2, members, http2), "Aurous API listening on")) {
        Vertx vertx = Vertx.vertx();
        try {
          Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(db)).using(vertx).build();
          TeamStore teams = new TeamStore(pool);
          Team team = teams.createTeam("fetch-team", 1_000_000).await();
          String key = teams.createKey(team.id()).await().key();
          long before = teams.balance(team.id()).await();

          ApiClient.Response created = new ApiClient("http://127.0.0.1:" + http1, key).post("/v1/images", new JsonObject()
              .put("prompt", "a harbour at dawn").put("steps", 4).put("seed", 3).put("denoise_strength", 0.5)
              .put("reference_image_urls", new JsonArray().add(url)));
          assertThat(created.status()).as(created.body()).isEqualTo(201);
          String id = created.json().getString("id");

          // The picture host has the first fetch open: the node whose worker claimed it is mid-fetch.
          Polling.until(pictures.hits::get, n -> n >= 1, Duration.ofSeconds(120), "the first fetch of " + url);
          String fetcher = row(pool, id).getString("claimed_by");
          assertThat(fetcher).as("claimed while fetching").isNotNull();
          NodeProcess victim = fetcher.startsWith("n1/") ? n1 : n2;
          NodeProcess survivor = victim == n1 ? n2 : n1;
          ApiClient c = new ApiClient("http://127.0.0.1:" + (survivor == n1 ? http1 : http2), key);
          assertThat(c.get("/v1/images/" + id).json().getString("status")).isIn("pending", "processing");
          assertThat(pictures.hits.get()).isEqualTo(1);

          victim.kill();

          Row rescued = Polling.until(() -> row(pool, id), r -> r.getString("claimed_by") != null
                  && r.getString("claimed_by").startsWith(survivor.name() + "/") || "succeeded".equals(r.getString("status")),
              WELL_WITHIN_LEASE, id + " taken over from " + fetcher);
          assertThat(rescued.getString("status")).isNotEqualTo("failed");
          JsonObject done = Polling.until(() -> c.get("/v1/images/" + id).json(),
              g -> "succeeded".equals(g.getString("status")) || "failed".equals(g.getString("status")), Duration.ofSeconds(300), id);
          assertThat(done.getString("status")).as(done.encode()).isEqualTo("succeeded");
          List<Object> outputs = done.getJsonArray("output_urls").getList();
          assertThat(outputs).hasSize(1);
          ApiClient.Response png = new ApiClient("", null).get((String) outputs.get(0));
          assertThat(png.status()).isEqualTo(200);
          assertThat(Pictures.read(png.bytes())).isNotNull();
          // The survivor fetched the reference itself: the held first fetch died with its node.
          assertThat(pictures.hits.get()).isEqualTo(2);

          Row after = row(pool, id);
          assertThat(after.getString("completed_by")).startsWith(survivor.name() + "/");
          assertThat(after.getInteger("attempts")).isEqualTo(2);
          var ledger = pool.preparedQuery("SELECT kind, count(*) FROM credit_ledger WHERE generation_id = $1 GROUP BY kind")
              .execute(Tuple.of(id)).await();
          Map<String, Long> kinds = new HashMap<>();
          ledger.forEach(r -> kinds.put(r.getString(0), r.getLong(1)));
          assertThat(kinds).containsExactlyInAnyOrderEntriesOf(Map.of("reserve", 1L, "commit", 1L));
          long cost = done.getJsonObject("cost").getLong("amount");
          assertThat(cost).isPositive();
          assertThat(teams.balance(team.id()).await()).isEqualTo(before - cost);
        } finally {
          vertx.close().await();
        }
      }
    }
  }

  static Map<String, String> env(String db, String clusterName, int hzPort, String members, int httpPort) {
    Map<String, String> env = new HashMap<>();
    env.put("AUROUS_DATABASE_URL", db);
    env.put("AUROUS_NODE_ROLES", "api,worker");
    env.put("AUROUS_HTTP_HOST", "127.0.0.1");
    env.put("AUROUS_HTTP_PORT", Integer.toString(httpPort));
    env.put("AUROUS_HTTP_INSTANCES", "1");
    env.put("AUROUS_API_ALLOW_INSECURE_URLS", "true");
    env.put("AUROUS_CLUSTER_ENABLED", "true");
    env.put("AUROUS_CLUSTER_NAME", clusterName);
    env.put("AUROUS_CLUSTER_PORT", Integer.toString(hzPort));
    env.put("AUROUS_CLUSTER_MEMBERS", members);
    env.put("AUROUS_ENGINE_LEASE_SECONDS", Integer.toString(LEASE_S));
    env.put("AUROUS_ENGINE_INTRA_OP_THREADS", "1");
    // Long enough that the held fetch is still open when its node is killed.
    env.put("AUROUS_FILES_FETCH_TIMEOUT_MS", "30000");
    return env;
  }

  static Row row(Pool pool, String id) {
    return pool.preparedQuery("SELECT status, claimed_by, completed_by, attempts FROM generations WHERE id = $1")
        .execute(Tuple.of(id)).await().iterator().next();
  }
}
