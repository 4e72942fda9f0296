package com.aurous.server.api;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Reserve on create, 402 when short, release on cancel, balance = sum(ledger) throughout. */
class CreditsTest {
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start();
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  private static void assertBalance(TestNode.TeamKey team, long expected) {
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(expected);
    assertThat(node.teams().ledgerSum(team.team().id()).await()).isEqualTo(expected);
  }

  private static List<String> ledgerKinds(String generationId) {
    List<String> kinds = new ArrayList<>();
    for (Row r : node.node().pool().preparedQuery("SELECT kind, amount FROM credit_ledger WHERE generation_id = $1 ORDER BY id")
        .execute(Tuple.of(generationId)).await()) {
      kinds.add(r.getString("kind") + ":" + r.getLong("amount"));
    }
    return kinds;
  }

  private static long generations(String teamId) {
    return node.node().pool().preparedQuery("SELECT count(*) FROM generations WHERE team_id = $1")
        .execute(Tuple.of(teamId)).await().iterator().next().getLong(0);
  }

  @Test
  void insufficientCreditsIs402AndStoresNothing() {
    TestNode.TeamKey team = node.newTeam(3);
    ApiClient api = node.client(team.key());
    ApiClient.Response r = api.post("/v1/images", new JsonObject().put("prompt", "p").put("size", "4k_1_1"));
    assertThat(r.status()).isEqualTo(402);
    assertThat(r.errorCode()).isEqualTo("insufficient_credits");
    assertThat(r.json().getJsonObject("error").getString("type")).isEqualTo("invalid_request");
    assertThat(generations(team.team().id())).isZero();
    assertBalance(team, 3);
    long ledgerRows = node.node().pool().preparedQuery("SELECT count(*) FROM credit_ledger WHERE team_id = $1")
        .execute(Tuple.of(team.team().id())).await().iterator().next().getLong(0);
    assertThat(ledgerRows).isEqualTo(1); // the grant only
    // estimate needs no credits at all
    assertThat(api.post("/v1/images/estimate", new JsonObject().put("prompt", "p").put("size", "4k_1_1")).status()).isEqualTo(200);
    assertThat(node.client(node.newTeam(0).key()).post("/v1/images/estimate", new JsonObject().put("prompt", "p")).status())
        .isEqualTo(200);
  }

  @Test
  void exactBalanceIsEnoughThenTheNextCreateIs402() {
    TestNode.TeamKey team = node.newTeam(4);
    ApiClient api = node.client(team.key());
    ApiClient.Response r = api.post("/v1/images", new JsonObject().put("prompt", "p").put("size", "2k_1_1").put("count", 2));
    assertThat(r.status()).isEqualTo(201);
    assertBalance(team, 0);
    assertThat(ledgerKinds(r.json().getString("id"))).containsExactly("reserve:-4");
    assertThat(api.post("/v1/images", new JsonObject().put("prompt", "p")).status()).isEqualTo(402);
    assertBalance(team, 0);
  }

  @Test
  void cancelReleasesTheReservationOnce() {
    TestNode.TeamKey team = node.newTeam(10);
    ApiClient api = node.client(team.key());
    String id = api.post("/v1/images", new JsonObject().put("prompt", "p").put("enhance_prompt", true).put("count", 2))
        .json().getString("id");
    assertBalance(team, 6);
    ApiClient.Response cancelled = api.post("/v1/images/" + id + "/cancel", "");
    assertThat(cancelled.status()).isEqualTo(200);
    assertBalance(team, 10);
    assertThat(api.post("/v1/images/" + id + "/cancel", "").status()).isEqualTo(409);
    assertBalance(team, 10);
    assertThat(ledgerKinds(id)).containsExactly("reserve:-4", "release:4");
  }

  @Test
  void concurrentCreatesNeverOverdraw() throws Exception {
    TestNode.TeamKey team = node.newTeam(5);
    ApiClient api = node.client(team.key());
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      List<CompletableFuture<ApiClient.Response>> fs = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        fs.add(CompletableFuture.supplyAsync(() -> api.post("/v1/images", new JsonObject().put("prompt", "p")), pool));
      }
      int created = 0;
      int refused = 0;
      for (var f : fs) {
        ApiClient.Response r = f.get(60, TimeUnit.SECONDS);
        if (r.status() == 201) {
          created++;
        } else {
          assertThat(r.status()).as(r.body()).isEqualTo(402);
          refused++;
        }
      }
      assertThat(created).isEqualTo(5);
      assertThat(refused).isEqualTo(15);
      assertBalance(team, 0);
      assertThat(generations(team.team().id())).isEqualTo(5);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void balanceEqualsLedgerSumAfterAMixOfOperations() {
    TestNode.TeamKey team = node.newTeam(20);
    ApiClient api = node.client(team.key());
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(api.post("/v1/images", new JsonObject().put("prompt", "p" + i).put("count", i % 4 + 1)).json().getString("id"));
    }
    node.teams().grant(team.team().id(), 7).await();
    api.post("/v1/images/" + ids.get(1) + "/cancel", "");
    api.post("/v1/images/" + ids.get(3) + "/cancel", "");
    api.post("/v1/images", new JsonObject().put("prompt", "too big").put("size", "4k_1_1").put("count", 4)
        .put("enhance_prompt", true)); // 32 > balance of 22: refused, nothing moves
    long expected = 20 + 7 - (1 + 2 + 3 + 4 + 1) + 2 + 4;
    assertBalance(team, expected);
    long sumAll = node.node().pool().query("SELECT count(*) FROM teams t WHERE t.balance <> "
        + "(SELECT coalesce(sum(amount), 0) FROM credit_ledger l WHERE l.team_id = t.id)").execute().await()
        .iterator().next().getLong(0);
    assertThat(sumAll).isZero();
  }
}
