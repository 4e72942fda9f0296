package com.aurous.server.cluster;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.NodeProcess;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.RateLimitFields;
import com.aurous.server.testing.TestDatabase;
import com.aurous.server.testing.TestNode;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two API nodes of one cluster on loopback, one in this JVM and one in its own (two HTTP
 * verticles, so its leases are shared by two event loops), on one database: a team's request
 * quota and its concurrent-generation limit hold for the cluster, not per node.
 */
class RateLimitClusterTest {
  static final int LIMIT = 100;
  static final int WINDOW = 3600;
  static final int CONCURRENT = 5;
  static final JsonObject ESTIMATE = new JsonObject().put("prompt", "a lighthouse at dusk");
  static TestNode first;
  static NodeProcess second;
  static String secondBase;
  static ExecutorService clients;

  @BeforeAll
  static void start() throws Exception {
    String db = TestDatabase.createDatabase();
    String clusterName = "ratelimit-" + System.nanoTime();
    int firstPort = NodeProcess.freePort();
    int secondPort = NodeProcess.freePort();
    JsonArray members = new JsonArray().add("127.0.0.1:" + firstPort).add("127.0.0.1:" + secondPort);
    first = TestNode.start(new JsonObject()
        .put("database", new JsonObject().put("url", db))
        .put("node", new JsonObject().put("name", "first").put("roles", new JsonArray().add("api")))
        .put("cluster", new JsonObject().put("enabled", true).put("name", clusterName).put("port", firstPort).put("members", members))
        .put("rate_limits", new JsonObject().put("requests_per_window", LIMIT).put("window_s", WINDOW)
            .put("concurrent_generations", CONCURRENT)));
    int httpPort = NodeProcess.freePort();
    Map<String, String> env = new HashMap<>();
    env.put("AUROUS_DATABASE_URL", db);
    env.put("AUROUS_NODE_ROLES", "api");
    env.put("AUROUS_HTTP_HOST", "127.0.0.1");
    env.put("AUROUS_HTTP_PORT", Integer.toString(httpPort));
    env.put("AUROUS_HTTP_INSTANCES", "2");
    env.put("AUROUS_CLUSTER_ENABLED", "true");
    env.put("AUROUS_CLUSTER_NAME", clusterName);
    env.put("AUROUS_CLUSTER_PORT", Integer.toString(secondPort));
    env.put("AUROUS_CLUSTER_MEMBERS", String.join(",", members.getList()));
    env.put("AUROUS_RATE_LIMITS_REQUESTS_PER_WINDOW", Integer.toString(LIMIT));
    env.put("AUROUS_RATE_LIMITS_WINDOW_S", Integer.toString(WINDOW));
    env.put("AUROUS_RATE_LIMITS_CONCURRENT_GENERATIONS", Integer.toString(CONCURRENT));
    second = NodeProcess.start("second", env, "Aurous API listening");
    secondBase = "http://127.0.0.1:" + httpPort;
    Polling.until(() -> ((VertxInternal) first.node().vertx()).clusterManager().getNodes().size(), n -> n == 2,
        Duration.ofSeconds(30), "both nodes in one cluster");
    clients = Executors.newFixedThreadPool(48);
  }

  @AfterAll
  static void stop() throws Exception {
    if (clients != null) {
      clients.shutdownNow();
    }
    if (second != null) {
      second.close();
    }
    if (first != null) {
      first.close();
    }
  }

  @BeforeEach
  void roomInTheWindow() throws InterruptedException {
    RateLimitFields.awaitRoomInWindow(WINDOW, Duration.ofSeconds(60));
  }

  /** {@code perNode} requests on each node, interleaved and fired together; the answers by node. */
  static Map<String, List<ApiClient.Response>> burstOnBoth(String key, int perNode, java.util.function.BiFunction<ApiClient, Integer, ApiClient.Response> request)
      throws Exception {
    ApiClient one = first.client(key);
    ApiClient two = new ApiClient(secondBase, key);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<ApiClient.Response>> onFirst = new ArrayList<>();
    List<Future<ApiClient.Response>> onSecond = new ArrayList<>();
    for (int i = 0; i < perNode; i++) {
      int k = i;
      onFirst.add(clients.submit(() -> {
        go.await();
        return request.apply(one, k);
      }));
      onSecond.add(clients.submit(() -> {
        go.await();
        return request.apply(two, k);
      }));
    }
    go.countDown();
    Map<String, List<ApiClient.Response>> out = new HashMap<>();
    out.put("first", collect(onFirst));
    out.put("second", collect(onSecond));
    return out;
  }

  static List<ApiClient.Response> collect(List<Future<ApiClient.Response>> futures) throws Exception {
    List<ApiClient.Response> out = new ArrayList<>();
    for (Future<ApiClient.Response> f : futures) {
      out.add(f.get(120, TimeUnit.SECONDS));
    }
    return out;
  }

  static long count(List<ApiClient.Response> responses, int status) {
    return responses.stream().filter(r -> r.status() == status).count();
  }

  @Test
  void aBurstSpreadOverTwoNodesAdmitsNoMoreThanTheLimitInTotal() throws Exception {
    TestNode.TeamKey team = first.newTeam(10);

    Map<String, List<ApiClient.Response>> answers = burstOnBoth(team.key(), LIMIT * 3 / 2,
        (api, i) -> api.post("/v1/images/estimate", ESTIMATE));

    long admittedFirst = count(answers.get("first"), 200);
    long admittedSecond = count(answers.get("second"), 200);
    String tally = "first admitted " + admittedFirst + ", second admitted " + admittedSecond;
    System.out.println("RateLimitClusterTest: " + tally + " of " + (3 * LIMIT) + " requests, quota " + LIMIT);
    // Each node refused some, so each had spent its last lease and the ledger had none left:
    // every token handed out was used, and no more than the quota was handed out.
    assertThat(count(answers.get("first"), 429)).as(tally).isPositive();
    assertThat(count(answers.get("second"), 429)).as(tally).isPositive();
    assertThat(admittedFirst + admittedSecond).as(tally).isEqualTo(LIMIT);
    assertThat(admittedFirst).as(tally).isPositive();
    assertThat(admittedSecond).as(tally).isPositive();
    for (List<ApiClient.Response> node : answers.values()) {
      for (ApiClient.Response r : node) {
        assertThat(r.status()).isIn(200, 429);
        assertThat(RateLimitFields.policy(r)).isEqualTo(new RateLimitFields.Policy("team", LIMIT, WINDOW));
        if (r.status() == 429) {
          assertThat(r.errorCode()).isEqualTo("rate_limited");
          assertThat(Integer.parseInt(r.header("Retry-After"))).isEqualTo(RateLimitFields.limit(r).reset());
        }
      }
    }
    // The window stays spent on both nodes.
    assertThat(first.client(team.key()).post("/v1/images/estimate", ESTIMATE).status()).isEqualTo(429);
    assertThat(new ApiClient(secondBase, team.key()).post("/v1/images/estimate", ESTIMATE).status()).isEqualTo(429);
  }

  @Test
  void aBurstOfCreatesSpreadOverTwoNodesOpensExactlyTheConcurrentLimit() throws Exception {
    TestNode.TeamKey team = first.newTeam(1000);

    Map<String, List<ApiClient.Response>> answers = burstOnBoth(team.key(), 12,
        (api, i) -> api.post("/v1/images", new JsonObject().put("prompt", "cluster burst " + i)));

    List<ApiClient.Response> all = new ArrayList<>(answers.get("first"));
    all.addAll(answers.get("second"));
    assertThat(count(all, 201)).as(all.toString()).isEqualTo(CONCURRENT);
    assertThat(count(all, 429)).as(all.toString()).isEqualTo(24 - CONCURRENT);
    all.stream().filter(r -> r.status() == 429).forEach(r -> assertThat(r.errorCode()).isEqualTo("rate_limited"));
    long open = first.node().pool().preparedQuery("SELECT count(*) FROM generations WHERE team_id = $1")
        .execute(Tuple.of(team.team().id())).await().iterator().next().getLong(0);
    assertThat(open).isEqualTo(CONCURRENT);
    assertThat(first.teams().balance(team.team().id()).await()).isEqualTo(1000L - CONCURRENT);
  }
}
