package com.aurous.server.cluster;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.NodeProcess;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestDatabase;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real cluster on loopback: an API node in this JVM and three worker nodes in their own JVMs,
 * joined through Hazelcast and sharing one PostgreSQL. Workers poll only once a minute here, so
 * work reaching them at all proves dispatch over the clustered event bus; their leases last the
 * default 30 s, so work returned sooner than that proves the rescue on leaving the cluster.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {
  static final int WORKERS = 3;
  static final int LEASE_SECONDS = 30;
  static final int OPEN_VIEW_TTL_MS = 60_000;
  static TestNode api;
  static List<NodeProcess> workers = new ArrayList<>();
  static ApiClient client;
  static TestNode.TeamKey team;

  @BeforeAll
  static void start() throws Exception {
    String db = TestDatabase.createDatabase();
    String clusterName = "test-" + System.nanoTime();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i <= WORKERS; i++) {
      ports.add(NodeProcess.freePort());
    }
    JsonArray members = new JsonArray();
    ports.forEach(p -> members.add("127.0.0.1:" + p));
    api = TestNode.start(new JsonObject()
        .put("database", new JsonObject().put("url", db))
        .put("node", new JsonObject().put("name", "api").put("roles", new JsonArray().add("api")))
        .put("engine", new JsonObject().put("rescue_interval_s", 1))
        // Views of open generations kept up to a minute: only the workers' announcements refresh them sooner.
        .put("api", new JsonObject().put("view_cache_open_ttl_ms", OPEN_VIEW_TTL_MS))
        .put("cluster", new JsonObject().put("enabled", true).put("name", clusterName).put("port", ports.get(0))
            .put("members", members)));
    for (int i = 1; i <= WORKERS; i++) {
      Map<String, String> env = new HashMap<>();
      env.put("AUROUS_DATABASE_URL", db);
      env.put("AUROUS_NODE_ROLES", "worker");
      env.put("AUROUS_CLUSTER_ENABLED", "true");
      env.put("AUROUS_CLUSTER_NAME", clusterName);
      env.put("AUROUS_CLUSTER_PORT", Integer.toString(ports.get(i)));
      env.put("AUROUS_CLUSTER_MEMBERS", String.join(",", members.getList()));
      env.put("AUROUS_ENGINE_POLL_INTERVAL_MS", "60000");
      env.put("AUROUS_ENGINE_LEASE_SECONDS", Integer.toString(LEASE_SECONDS));
      env.put("AUROUS_ENGINE_RESCUE_INTERVAL_S", "1");
      env.put("AUROUS_ENGINE_MAX_BATCH_SIZE", "4");
      env.put("AUROUS_ENGINE_MAX_RUNNING_PER_WORKER", "4");
      env.put("AUROUS_ENGINE_INTRA_OP_THREADS", "1");
      workers.add(NodeProcess.startClusterMember("worker" + i, env, "ready: DiffusionModel"));
    }
    team = api.newTeam(1_000_000);
    client = api.client(team.key());
  }

  @AfterAll
  static void stop() throws Exception {
    for (NodeProcess w : workers) {
      w.close();
    }
    api.close();
  }

  static String create(JsonObject body) {
    ApiClient.Response r = client.post("/v1/images", body);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("id");
  }

  static Row row(String id) {
    return api.node().pool().preparedQuery("SELECT status, claimed_by, claimed_node, completed_by, attempts FROM generations WHERE id = $1")
        .execute(Tuple.of(id)).await().iterator().next();
  }

  @Test
  @Order(1)
  void aBurstAcceptedByOneNodeIsSharedByTheWorkersOfTheOthers() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      ids.add(create(new JsonObject().put("prompt", "burst " + i).put("steps", 20)));
    }
    Set<String> completers = new HashSet<>();
    for (String id : ids) {
      JsonObject g = Polling.until(() -> client.get("/v1/images/" + id).json(),
          x -> "succeeded".equals(x.getString("status")) || "failed".equals(x.getString("status")), Duration.ofSeconds(180), id);
      assertThat(g.getString("status")).isEqualTo("succeeded");
      completers.add(row(id).getString("completed_by"));
    }
    // Four slots per worker and twelve generations: all three workers had to take part.
    assertThat(completers).containsExactlyInAnyOrder("worker1/CPU:0", "worker2/CPU:0", "worker3/CPU:0");
  }

  @Test
  @Order(2)
  void aWorkerKilledMidGenerationHasItsWorkReturnedAtOnceFinishedByAnotherAndChargedOnce() throws Exception {
    long before = api.teams().balance(team.team().id()).await();
    String id = create(new JsonObject().put("prompt", "survive a crash").put("size", "2k_1_1").put("steps", 60));
    Row running = Polling.until(() -> row(id), r -> "processing".equals(r.getString("status")), Duration.ofSeconds(60), "processing");
    String victimId = running.getString("claimed_by");
    NodeProcess victim = workers.stream().filter(w -> victimId.startsWith(w.name() + "/")).findFirst().orElseThrow();
    victim.kill();
    long killed = System.nanoTime();

    // The survivors see the member leave and return its claims: long before its 30 s lease ends.
    Polling.until(() -> row(id), r -> !victimId.equals(r.getString("claimed_by")), Duration.ofSeconds(60), "rescue");
    Duration rescued = Duration.ofNanos(System.nanoTime() - killed);
    assertThat(rescued).isLessThan(Duration.ofSeconds(10));

    JsonObject done = Polling.until(() -> client.get("/v1/images/" + id).json(),
        x -> "succeeded".equals(x.getString("status")) || "failed".equals(x.getString("status")), Duration.ofSeconds(180), id);
    assertThat(done.getString("status")).isEqualTo("succeeded");
    System.out.printf("SIGKILL to rescue %d ms, to completion %d ms (lease %d s)%n", rescued.toMillis(),
        Duration.ofNanos(System.nanoTime() - killed).toMillis(), LEASE_SECONDS);
    Row after = row(id);
    assertThat(after.getString("completed_by")).isNotEqualTo(victimId).endsWith("/CPU:0");
    assertThat(after.getInteger("attempts")).isGreaterThanOrEqualTo(2);
    var ledger = api.node().pool().preparedQuery("SELECT kind, count(*) FROM credit_ledger WHERE generation_id = $1 GROUP BY kind ORDER BY kind")
        .execute(Tuple.of(id)).await();
    Map<String, Long> kinds = new HashMap<>();
    ledger.forEach(r -> kinds.put(r.getString(0), r.getLong(1)));
    assertThat(kinds).containsExactlyInAnyOrderEntriesOf(Map.of("reserve", 1L, "commit", 1L));
    long cost = done.getJsonObject("cost").getLong("amount");
    assertThat(api.teams().balance(team.team().id()).await()).isEqualTo(before - cost);
    assertThat(api.node().pool().preparedQuery("SELECT count(*) FROM generation_outputs WHERE generation_id = $1")
        .execute(Tuple.of(id)).await().iterator().next().getLong(0)).isEqualTo(1L);
  }

  @Test
  @Order(3)
  void aCreateThatPrefersToWaitOnAnApiOnlyNodeIsAnsweredSucceededWhenAWorkerOfAnotherNodeFinishesIt() {
    // The API node runs no worker, and the workers poll once a minute: the work reaches them over
    // the clustered bus, and the completion comes back over it to the waiting request.
    ApiClient.Response r = client.post("/v1/images", new JsonObject().put("prompt", "a waited-for harbour")
        .put("steps", 2).put("seed", 9), "Prefer", "wait=60");

    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.header("Preference-Applied")).isEqualTo("wait=60");
    assertThat(r.json().getString("status")).isEqualTo("succeeded");
    assertThat(r.json().getJsonArray("output_urls")).hasSize(1);
    assertThat(row(r.json().getString("id")).getString("completed_by")).doesNotStartWith("api/");
  }

  @Test
  @Order(4)
  void anApiNodeHoldingAPendingGenerationsViewShowsItProcessingAndThenSucceededAsWorkersOfOtherNodesAnnounceIt() {
    // The create leaves the pending view in the API node's cache, for a minute unless announced.
    String id = create(new JsonObject().put("prompt", "a watched lighthouse").put("size", "2k_1_1").put("steps", 40));
    Duration beforeTheCacheWouldExpire = Duration.ofMillis(OPEN_VIEW_TTL_MS / 2);
    long start = System.nanoTime();
    JsonObject seen = Polling.until(() -> client.get("/v1/images/" + id).json(),
        x -> !"pending".equals(x.getString("status")), beforeTheCacheWouldExpire, "the start announced");
    assertThat(seen.getString("status")).isIn("processing", "succeeded");
    JsonObject done = Polling.until(() -> client.get("/v1/images/" + id).json(),
        x -> Set.of("succeeded", "failed", "cancelled").contains(x.getString("status")),
        beforeTheCacheWouldExpire.minus(Duration.ofNanos(System.nanoTime() - start)), "the end announced");
    assertThat(done.getString("status")).isEqualTo("succeeded");
    assertThat(done.getJsonArray("output_urls")).hasSize(1);
    assertThat(row(id).getString("completed_by")).doesNotStartWith("api/");
  }
}
