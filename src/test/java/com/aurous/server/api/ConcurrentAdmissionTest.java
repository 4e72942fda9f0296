package com.aurous.server.api;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Admission under a concurrent burst: the queue limit and a team's balance are each one atomic
 * decision with the insert, so a burst admits exactly what fits. An API-only node, so nothing
 * leaves pending while the burst runs.
 */
class ConcurrentAdmissionTest {
  static final int QUEUE = 8;
  static TestNode node;
  static ExecutorService clients;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("engine", new JsonObject().put("max_queue_size", QUEUE)));
    clients = Executors.newFixedThreadPool(40);
  }

  @AfterAll
  static void stop() throws Exception {
    clients.shutdownNow();
    node.close();
  }

  /** Each test starts with an empty queue: whatever a test admitted is cancelled after it. */
  @AfterEach
  void emptyTheQueue() {
    node.node().pool().query("UPDATE generations SET status = 'cancelled' WHERE status = 'pending'").execute().await();
  }

  /** Fires {@code n} creates as close to together as the client threads allow. */
  static List<ApiClient.Response> burst(ApiClient api, int n, Function<Integer, JsonObject> body) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<Future<ApiClient.Response>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = i;
      futures.add(clients.submit(() -> {
        go.await();
        return api.post("/v1/images", body.apply(k));
      }));
    }
    go.countDown();
    List<ApiClient.Response> out = new ArrayList<>();
    for (Future<ApiClient.Response> f : futures) {
      out.add(f.get(120, TimeUnit.SECONDS));
    }
    return out;
  }

  static Map<Integer, Long> byStatus(List<ApiClient.Response> responses) {
    return responses.stream().collect(Collectors.groupingBy(ApiClient.Response::status, Collectors.counting()));
  }

  long generationsOf(TestNode.TeamKey team) {
    return node.node().pool().preparedQuery("SELECT count(*) FROM generations WHERE team_id = $1")
        .execute(Tuple.of(team.team().id())).await().iterator().next().getLong(0);
  }

  @Test
  void eightyConcurrentCreatesAgainstAQueueOfEightAdmitExactlyEightAndChargeOnlyThose() throws Exception {
    TestNode.TeamKey team = node.newTeam(1000);
    ApiClient api = node.client(team.key());

    List<ApiClient.Response> responses = burst(api, 80, i -> new JsonObject().put("prompt", "burst " + i));

    assertThat(byStatus(responses)).as(responses.toString()).containsExactlyInAnyOrderEntriesOf(Map.of(201, 8L, 429, 72L));
    for (ApiClient.Response r : responses) {
      assertThat(r.header("Aurous-Request-Id")).startsWith("req_");
      if (r.status() == 429) {
        assertThat(r.errorCode()).isEqualTo("queue_full");
        assertThat(r.header("Retry-After")).isNotNull();
      }
    }
    assertThat(generationsOf(team)).isEqualTo(QUEUE);
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(1000L - QUEUE);
    assertThat(node.teams().ledgerSum(team.team().id()).await()).isEqualTo(1000L - QUEUE);
    long reserves = node.node().pool().preparedQuery("SELECT count(*) FROM credit_ledger WHERE team_id = $1 AND kind = 'reserve'")
        .execute(Tuple.of(team.team().id())).await().iterator().next().getLong(0);
    assertThat(reserves).isEqualTo(QUEUE);
  }

  @Test
  void aConcurrentBurstAgainstAShortBalanceReservesExactlyWhatTheBalanceCovers() throws Exception {
    TestNode.TeamKey team = node.newTeam(3);
    ApiClient api = node.client(team.key());

    List<ApiClient.Response> responses = burst(api, 20, i -> new JsonObject().put("prompt", "short " + i));

    assertThat(byStatus(responses)).as(responses.toString()).containsExactlyInAnyOrderEntriesOf(Map.of(201, 3L, 402, 17L));
    responses.stream().filter(r -> r.status() == 402)
        .forEach(r -> assertThat(r.errorCode()).isEqualTo("insufficient_credits"));
    assertThat(generationsOf(team)).isEqualTo(3);
    assertThat(node.teams().balance(team.team().id()).await()).isZero();
    assertThat(node.teams().ledgerSum(team.team().id()).await()).isZero();
  }
}
