package com.aurous.server.ratelimit;

import com.aurous.server.auth.TeamStore;
import com.aurous.server.cli.AdminCommands;
import com.aurous.server.cli.CliArgs;
import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.RateLimitFields;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Per-team limits on one node, through real HTTP against real PostgreSQL: a request quota per
 * window (an hour, so a burst never straddles two) and a ceiling on open generations. An API-only
 * node, so created generations stay pending and count as open.
 */
class RateLimitTest {
  static final int LIMIT = 30;
  static final int WINDOW = 3600;
  static final int CONCURRENT = 4;
  static final JsonObject ESTIMATE = new JsonObject().put("prompt", "a lighthouse at dusk");
  static TestNode node;
  static ExecutorService clients;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("rate_limits", new JsonObject()
        .put("requests_per_window", LIMIT).put("window_s", WINDOW).put("concurrent_generations", CONCURRENT)));
    clients = Executors.newFixedThreadPool(40);
  }

  @AfterAll
  static void stop() throws Exception {
    clients.shutdownNow();
    node.close();
  }

  @BeforeEach
  void roomInTheWindow() throws InterruptedException {
    RateLimitFields.awaitRoomInWindow(WINDOW, Duration.ofSeconds(60));
  }

  static List<ApiClient.Response> burst(int n, Function<Integer, ApiClient.Response> request) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<Future<ApiClient.Response>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = i;
      futures.add(clients.submit(() -> {
        go.await();
        return request.apply(k);
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

  static String cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new AdminCommands(node.teams(), new PrintStream(out, true, StandardCharsets.UTF_8)).run(new CliArgs(args));
    return out.toString(StandardCharsets.UTF_8);
  }

  static String keyId(String key) {
    return node.node().pool().preparedQuery("SELECT id FROM api_keys WHERE key_hash = $1")
        .execute(Tuple.of(com.aurous.server.auth.ApiKeys.hash(key))).await().iterator().next().getString("id");
  }

  @Test
  void aBurstOfThreeTimesTheLimitAdmitsExactlyTheLimitAndRefusesTheRestWithRetryAfterAndTheFields() throws Exception {
    TestNode.TeamKey team = node.newTeam(10);
    ApiClient api = node.client(team.key());

    List<ApiClient.Response> responses = burst(3 * LIMIT, i -> api.post("/v1/images/estimate", ESTIMATE));

    assertThat(byStatus(responses)).as(responses.toString())
        .containsExactlyInAnyOrderEntriesOf(Map.of(200, (long) LIMIT, 429, 2L * LIMIT));
    List<Long> remainingAfterAdmits = new ArrayList<>();
    for (ApiClient.Response r : responses) {
      assertThat(RateLimitFields.policy(r)).isEqualTo(new RateLimitFields.Policy("team", LIMIT, WINDOW));
      RateLimitFields.Limit limit = RateLimitFields.limit(r);
      assertThat(limit.name()).isEqualTo("team");
      assertThat(limit.reset()).isBetween(1, WINDOW);
      if (r.status() == 429) {
        assertThat(r.errorCode()).isEqualTo("rate_limited");
        assertThat(r.json().getJsonObject("error").getString("type")).isEqualTo("rate_limit");
        assertThat(r.header("Aurous-Request-Id")).startsWith("req_");
        assertThat(limit.remaining()).isZero();
        assertThat(Integer.parseInt(r.header("Retry-After"))).isEqualTo(limit.reset());
      } else {
        assertThat(r.header("Retry-After")).isNull();
        remainingAfterAdmits.add(limit.remaining());
      }
    }
    // On a lone node the remaining count is exact: each admitted request saw a different one, LIMIT-1 down to 0.
    assertThat(remainingAfterAdmits).containsExactlyInAnyOrderElementsOf(
        java.util.stream.LongStream.range(0, LIMIT).boxed().toList());
    // The window is spent: a later request of the same team is refused too, another team's is not.
    assertThat(api.post("/v1/images/estimate", ESTIMATE).status()).isEqualTo(429);
    assertThat(node.client(node.newTeam(10).key()).post("/v1/images/estimate", ESTIMATE).status()).isEqualTo(200);
  }

  @Test
  void successesAndErrorsAlikeCarryTheFieldsAndEachCountsOnce() {
    TestNode.TeamKey team = node.newTeam(10);
    ApiClient api = node.client(team.key());
    List<ApiClient.Response> answers = List.of(
        api.post("/v1/images/estimate", ESTIMATE),
        api.post("/v1/images/estimate", new JsonObject().put("prompt", 42)),
        api.post("/v1/images/estimate", new JsonObject().put("prompt", "x").put("steps", 100_000)),
        api.get("/v1/images/img_doesnotexist0000000000000"),
        api.get("/v1/images?limit=nope"),
        api.get("/v1/no-such-route"),
        api.method("DELETE", "/v1/images", null),
        api.get("/v1/images", "Aurous-Version", "1999-01-01"),
        api.get("/v1/images"));

    assertThat(answers.stream().map(ApiClient.Response::status).toList())
        .containsExactly(200, 400, 400, 404, 400, 404, 405, 400, 200);
    for (int i = 0; i < answers.size(); i++) {
      ApiClient.Response r = answers.get(i);
      assertThat(RateLimitFields.policy(r)).as("answer %d: %s", i, r.headers())
          .isEqualTo(new RateLimitFields.Policy("team", LIMIT, WINDOW));
      assertThat(RateLimitFields.limit(r).remaining()).as("answer %d", i).isEqualTo(LIMIT - 1L - i);
    }
    // A request that did not authenticate is not the team's: no fields, nothing counted.
    ApiClient.Response anonymous = node.client("al_live_" + "x".repeat(40)).post("/v1/images/estimate", ESTIMATE);
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.header("RateLimit-Policy")).isNull();
    assertThat(anonymous.header("RateLimit")).isNull();
    assertThat(RateLimitFields.limit(api.post("/v1/images/estimate", ESTIMATE)).remaining()).isEqualTo(LIMIT - 1L - answers.size());
  }

  @Test
  void aKeyWithItsOwnLimitSetFromTheCliIsCountedOnItsOwnAndZeroMeansUnlimited() throws Exception {
    TestNode.TeamKey team = node.newTeam(10);
    String second = node.teams().createKey(team.team().id()).await().key();
    ApiClient teamKey = node.client(team.key());
    ApiClient ownKey = node.client(second);
    // Cached first, so the override must reach the cache through the key notification.
    assertThat(ownKey.post("/v1/images/estimate", ESTIMATE).status()).isEqualTo(200);

    assertThat(cli("keys", "limit", keyId(second), "--requests", "3")).contains("requests 3");
    Polling.until(() -> RateLimitFields.policy(ownKey.post("/v1/images/estimate", ESTIMATE)),
        p -> p != null && p.name().equals("key"), Duration.ofSeconds(5), "the key's own policy");

    List<ApiClient.Response> responses = burst(12, i -> ownKey.post("/v1/images/estimate", ESTIMATE));
    // The poll's last request was the first counted against the key's own 3: the burst gets the other 2.
    assertThat(byStatus(responses)).as(responses.toString()).containsExactlyInAnyOrderEntriesOf(Map.of(200, 2L, 429, 10L));
    responses.forEach(r -> assertThat(RateLimitFields.policy(r)).isEqualTo(new RateLimitFields.Policy("key", 3, WINDOW)));
    assertThat(ownKey.post("/v1/images/estimate", ESTIMATE).status()).isEqualTo(429);
    // The team's other key has its own (the team's) quota, untouched by the key's requests after the override.
    ApiClient.Response viaTeam = teamKey.post("/v1/images/estimate", ESTIMATE);
    assertThat(viaTeam.status()).isEqualTo(200);
    assertThat(RateLimitFields.policy(viaTeam)).isEqualTo(new RateLimitFields.Policy("team", LIMIT, WINDOW));
    assertThat(cli("keys", "list", "--team", team.team().name())).contains("requests=3").contains("requests=default");

    cli("keys", "limit", second, "--requests", "0");
    Polling.until(() -> ownKey.post("/v1/images/estimate", ESTIMATE), r -> r.status() == 200 && r.header("RateLimit") == null,
        Duration.ofSeconds(5), "the key unlimited");
    List<ApiClient.Response> unlimited = burst(2 * LIMIT, i -> ownKey.post("/v1/images/estimate", ESTIMATE));
    assertThat(byStatus(unlimited)).containsExactlyEntriesOf(Map.of(200, 2L * LIMIT));

    cli("keys", "limit", second, "--requests", "default");
    Polling.until(() -> RateLimitFields.policy(ownKey.post("/v1/images/estimate", ESTIMATE)),
        p -> p != null && p.name().equals("team"), Duration.ofSeconds(5), "the team's policy again");
  }

  @Test
  void theCliRefusesABadLimitAndChangesNothing() {
    TestNode.TeamKey team = node.newTeam(10);
    String id = keyId(team.key());
    for (String bad : List.of("-1", "abc", "1.5", "1000000001", "true")) {
      assertThatThrownBy(() -> cli("keys", "limit", id, "--requests", bad)).as(bad).isInstanceOf(CliArgs.CliException.class);
      assertThatThrownBy(() -> cli("keys", "limit", id, "--concurrent", bad)).as(bad).isInstanceOf(CliArgs.CliException.class);
    }
    assertThatThrownBy(() -> cli("keys", "limit", id)).isInstanceOf(CliArgs.CliException.class);
    assertThatThrownBy(() -> cli("keys", "limit", "key_nosuchkey", "--requests", "5")).isInstanceOf(CliArgs.CliException.class);
    var row = node.node().pool().preparedQuery("SELECT rate_limit_requests, rate_limit_concurrent FROM api_keys WHERE id = $1")
        .execute(Tuple.of(id)).await().iterator().next();
    assertThat(row.getLong(0)).isNull();
    assertThat(row.getLong(1)).isNull();
  }

  @Test
  void aConcurrentBurstOfCreatesAdmitsExactlyTheConcurrentLimitAndChargesOnlyThose() throws Exception {
    TestNode.TeamKey team = node.newTeam(1000);
    ApiClient api = node.client(team.key());

    List<ApiClient.Response> responses = burst(24, i -> api.post("/v1/images", new JsonObject().put("prompt", "burst " + i)));

    assertThat(byStatus(responses)).as(responses.toString())
        .containsExactlyInAnyOrderEntriesOf(Map.of(201, (long) CONCURRENT, 429, 24L - CONCURRENT));
    for (ApiClient.Response r : responses) {
      assertThat(RateLimitFields.policy(r)).isNotNull();
      if (r.status() == 429) {
        assertThat(r.errorCode()).isEqualTo("rate_limited");
        assertThat(r.header("Retry-After")).isEqualTo("5");
      }
    }
    assertThat(open(team)).isEqualTo(CONCURRENT);
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(1000L - CONCURRENT);
    assertThat(node.teams().ledgerSum(team.team().id()).await()).isEqualTo(1000L - CONCURRENT);

    // A finished generation frees its place: cancel one, and exactly one more create gets in.
    String first = responses.stream().filter(r -> r.status() == 201).findFirst().orElseThrow().json().getString("id");
    assertThat(api.post("/v1/images/" + first + "/cancel", "").status()).isEqualTo(200);
    List<ApiClient.Response> again = burst(6, i -> api.post("/v1/images", new JsonObject().put("prompt", "again " + i)));
    assertThat(byStatus(again)).containsExactlyInAnyOrderEntriesOf(Map.of(201, 1L, 429, 5L));
  }

  @Test
  void aKeysOwnConcurrentLimitReplacesTheTeamDefaultForCreatesMadeWithIt() throws Exception {
    TestNode.TeamKey team = node.newTeam(1000);
    TeamStore.CreatedKey narrow = node.teams().createKey(team.team().id()).await();
    cli("keys", "limit", narrow.keyId(), "--concurrent", "2");

    List<ApiClient.Response> responses = burst(10,
        i -> node.client(narrow.key()).post("/v1/images", new JsonObject().put("prompt", "narrow " + i)));

    assertThat(byStatus(responses)).as(responses.toString()).containsExactlyInAnyOrderEntriesOf(Map.of(201, 2L, 429, 8L));
    // The team's default key may open up to the team default: two more, counted with the two above.
    List<ApiClient.Response> wide = burst(10,
        i -> node.client(team.key()).post("/v1/images", new JsonObject().put("prompt", "wide " + i)));
    assertThat(byStatus(wide)).containsExactlyInAnyOrderEntriesOf(Map.of(201, (long) CONCURRENT - 2, 429, 12L - CONCURRENT));
    assertThat(open(team)).isEqualTo(CONCURRENT);
  }

  static long open(TestNode.TeamKey team) {
    return node.node().pool().preparedQuery("SELECT count(*) FROM generations WHERE team_id = $1 AND status IN ('pending', 'processing')")
        .execute(Tuple.of(team.team().id())).await().iterator().next().getLong(0);
  }
}
