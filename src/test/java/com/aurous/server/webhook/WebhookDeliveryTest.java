package com.aurous.server.webhook;

import com.aurous.server.cli.CliArgs;
import com.aurous.server.cli.WebhookCommands;
import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Webhooks end to end on a real node with the engine: generations created over HTTP, delivered to
 * real receivers on loopback (allowed here only through api.allow_insecure_urls).
 */
class WebhookDeliveryTest {
  static final int ATTEMPT_TIMEOUT_MS = 2000;
  static final int RETRY_DELAY_MS = 2000;
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.startWithEngine(new JsonObject().put("max_batch_size", 4),
        new JsonObject()
            .put("api", new JsonObject().put("allow_insecure_urls", true))
            .put("webhooks", new JsonObject()
                .put("poll_interval_ms", 200)
                .put("attempt_timeout_ms", ATTEMPT_TIMEOUT_MS)
                .put("retry_delay_ms", RETRY_DELAY_MS)
                .put("max_attempts", 3)
                .put("breaker_max_failures", 3)
                .put("breaker_reset_ms", 60_000)));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static Pool pool() {
    return node.node().pool();
  }

  static String create(ApiClient api, String webhookUrl) {
    JsonObject body = new JsonObject().put("prompt", "a lighthouse").put("steps", 2);
    if (webhookUrl != null) {
      body.put("webhook_url", webhookUrl);
    }
    ApiClient.Response r = api.post("/v1/images", body);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("id");
  }

  static JsonObject deliveries(ApiClient api, String id) {
    ApiClient.Response r = api.get("/v1/images/" + id + "/webhook_deliveries");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  static JsonObject awaitDelivery(ApiClient api, String id, String status) {
    return Polling.until(() -> deliveries(api, id), d -> !d.getJsonArray("data").isEmpty()
            && status.equals(d.getJsonArray("data").getJsonObject(0).getString("status")),
        Duration.ofSeconds(60), id + " delivery to be " + status).getJsonArray("data").getJsonObject(0);
  }

  static List<Receiver.Hit> awaitHits(Receiver r, int n) {
    Polling.until(() -> r.hits.size(), s -> s >= n, Duration.ofSeconds(60), n + " webhook requests");
    return List.copyOf(r.hits);
  }

  static String secretOf(TestNode.TeamKey team) {
    return WebhookSecrets.ensure(pool(), team.team().id()).await();
  }

  @Test
  void aReceiverThatFailsTwiceGetsThreeSignedAttemptsOfOneMessage() {
    TestNode.TeamKey team = node.newTeam(1000);
    ApiClient api = node.client(team.key());
    try (Receiver receiver = Receiver.start(n -> n < 2 ? 500 : 200)) {
      String id = create(api, receiver.url("/hooks/aurous?source=test"));
      List<Receiver.Hit> hits = awaitHits(receiver, 3);
      JsonObject delivery = awaitDelivery(api, id, "succeeded");
      assertThat(receiver.hits).hasSize(3);

      String secret = secretOf(team);
      JsonObject get = api.get("/v1/images/" + id).json();
      String webhookId = hits.get(0).header("webhook-id");
      assertThat(webhookId).startsWith("msg_");
      for (int i = 0; i < 3; i++) {
        Receiver.Hit h = hits.get(i);
        assertThat(h.path()).isEqualTo("/hooks/aurous");
        assertThat(h.header("Content-Type")).isEqualTo("application/json");
        assertThat(h.header("webhook-id")).isEqualTo(webhookId);
        assertThat(Receiver.verifies(secret, h)).as("signature of attempt " + (i + 1)).isTrue();
        assertThat(h.json().getString("event")).isEqualTo("image.completed");
        assertThat(h.json().getJsonObject("data")).isEqualTo(get);
        if (i > 0) {
          assertThat(Long.parseLong(h.header("webhook-timestamp")))
              .isGreaterThan(Long.parseLong(hits.get(i - 1).header("webhook-timestamp")));
          assertThat(h.receivedAtMillis() - hits.get(i - 1).receivedAtMillis()).isGreaterThanOrEqualTo(1900);
        }
      }
      assertThat(Math.abs(Long.parseLong(hits.get(2).header("webhook-timestamp")) - Instant.now().getEpochSecond())).isLessThan(30);
      assertThat(get.getJsonArray("output_urls")).hasSize(1);

      assertThat(delivery.getString("event")).isEqualTo("image.completed");
      assertThat(delivery.getString("webhook_id")).isEqualTo(webhookId);
      assertThat(delivery.getString("url")).isEqualTo(receiver.url("/hooks/aurous?source=test"));
      assertThat(delivery.getString("completed_at")).isNotNull();
      JsonArray attempts = delivery.getJsonArray("attempts");
      assertThat(attempts).hasSize(3);
      assertThat(attempts.getJsonObject(0).getInteger("status_code")).isEqualTo(500);
      assertThat(attempts.getJsonObject(1).getInteger("status_code")).isEqualTo(500);
      assertThat(attempts.getJsonObject(2).getInteger("status_code")).isEqualTo(200);
      assertThat(attempts.getJsonObject(2).getString("error")).isNull();
      assertThat(attempts.getJsonObject(0).getInteger("attempt")).isEqualTo(1);

      // Another team cannot see them: 404, as for GET /v1/images/{id}.
      ApiClient other = node.client(node.newTeam(10).key());
      assertThat(other.get("/v1/images/" + id + "/webhook_deliveries").status()).isEqualTo(404);
      assertThat(other.get("/v1/images/" + id).status()).isEqualTo(404);
    }
  }

  @Test
  void theDeliveriesListTakesNoQueryParametersAndRefusesAnyWith400() {
    ApiClient api = node.client(node.newTeam(1000).key());
    String id = create(api, null);
    for (String query : List.of("limit=abc", "limit=10", "starting_after=whd_x", "x=1")) {
      ApiClient.Response r = api.get("/v1/images/" + id + "/webhook_deliveries?" + query);
      assertThat(r.status()).as(query + ": " + r.body()).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("unknown_parameter");
      assertThat(r.errorParam()).isEqualTo(query.substring(0, query.indexOf('=')));
      assertThat(r.header("Aurous-Request-Id")).startsWith("req_");
    }
    assertThat(deliveries(api, id).getJsonArray("data")).isEmpty();
  }

  @Test
  void aRedirectIsAFailedAttemptAndIsNotFollowed() {
    ApiClient api = node.client(node.newTeam(1000).key());
    try (Receiver receiver = Receiver.always(302)) {
      String id = create(api, receiver.url("/hook"));
      JsonObject delivery = awaitDelivery(api, id, "failed");
      JsonArray attempts = delivery.getJsonArray("attempts");
      assertThat(attempts).hasSize(3);
      for (Object a : attempts) {
        assertThat(((JsonObject) a).getInteger("status_code")).isEqualTo(302);
        assertThat(((JsonObject) a).getString("error")).contains("redirect");
      }
      assertThat(receiver.hits).hasSize(3).allSatisfy(h -> assertThat(h.path()).isEqualTo("/hook"));
    }
  }

  @Test
  void aReceiverThatNeverAnswersOpensTheBreakerWithoutDelayingOtherTeams() throws Exception {
    ApiClient hungTeam = node.client(node.newTeam(1000).key());
    ApiClient healthyTeam = node.client(node.newTeam(1000).key());
    try (Receiver hung = Receiver.always(Receiver.HANG); Receiver healthy = Receiver.always(204)) {
      List<String> hungIds = List.of(create(hungTeam, hung.url("/a")), create(hungTeam, hung.url("/b")),
          create(hungTeam, hung.url("/c")));
      awaitHits(hung, 1);
      // While the hung receiver holds attempts open, another team's delivery goes straight through.
      String id = create(healthyTeam, healthy.url("/ok"));
      Receiver.Hit hit = awaitHits(healthy, 1).get(0);
      Instant completed = Instant.parse(healthyTeam.get("/v1/images/" + id).json().getString("completed_at"));
      // Held up behind a hung attempt it would arrive no sooner than that attempt's timeout.
      assertThat(hit.receivedAtMillis() - completed.toEpochMilli()).as("delivery latency after completion")
          .isLessThan(ATTEMPT_TIMEOUT_MS);
      awaitDelivery(healthyTeam, id, "succeeded");

      // Three timeouts open the hung host's breaker, which then defers the retries (breaker_reset_ms
      // is 60 s here) instead of spending them: each delivery keeps its one real attempt, stays
      // pending past its retry time, and nothing more reaches the receiver.
      for (String hid : hungIds) {
        Polling.until(() -> deliveries(hungTeam, hid).getJsonArray("data").getJsonObject(0).getJsonArray("attempts").size(),
            n -> n >= 1, Duration.ofSeconds(60), hid + " first attempt to time out");
      }
      Thread.sleep(2L * RETRY_DELAY_MS);
      int timeouts = 0;
      for (String hid : hungIds) {
        JsonObject d = deliveries(hungTeam, hid).getJsonArray("data").getJsonObject(0);
        assertThat(d.getString("status")).isEqualTo("pending");
        assertThat(d.getJsonArray("attempts")).as("only real sends are attempts").hasSize(1);
        for (Object o : d.getJsonArray("attempts")) {
          JsonObject a = (JsonObject) o;
          assertThat(a.getInteger("status_code")).isNull();
          timeouts++;
          assertThat(a.getString("error")).startsWith("timeout");
          assertThat(a.getLong("duration_ms")).isGreaterThanOrEqualTo(ATTEMPT_TIMEOUT_MS - 100L);
        }
      }
      assertThat(timeouts).as("failures before the breaker opened").isEqualTo(3);
      assertThat(hung.hits).hasSize(3);
    }
  }

  @Test
  void aDeliveryLeasedByADeadNodeIsTakenOverWhenItsLeaseExpires() {
    TestNode.TeamKey team = node.newTeam(1000);
    ApiClient api = node.client(team.key());
    try (Receiver receiver = Receiver.always(200)) {
      String expired = create(api, null);
      String live = create(api, null);
      String payload = new JsonObject().put("event", "image.completed").put("data", new JsonObject().put("id", expired)).encode();
      insertLeased(expired, team, receiver.url("/expired"), payload, "now() - interval '1 second'");
      insertLeased(live, team, receiver.url("/live"), payload, "now() + interval '1 hour'");

      JsonObject d = awaitDelivery(api, expired, "succeeded");
      assertThat(d.getJsonArray("attempts")).hasSize(1);
      String by = pool().preparedQuery("SELECT a.claimed_by FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id"
          + " WHERE d.generation_id = $1").execute(Tuple.of(expired)).await().iterator().next().getString(0);
      assertThat(by).isNotEqualTo("dead-node");
      assertThat(receiver.hits).hasSize(1);
      assertThat(receiver.hits.get(0).path()).isEqualTo("/expired");
      assertThat(receiver.hits.get(0).body()).isEqualTo(payload);
      // A lease still running is respected: its (live) holder is the only one who may send it.
      assertThat(deliveries(api, live).getJsonArray("data").getJsonObject(0).getString("status")).isEqualTo("pending");
    }
  }

  @Test
  void aHostNameIsResolvedCheckedAndConnectedToByAddressWithTheHostHeaderKept() {
    ApiClient api = node.client(node.newTeam(1000).key());
    try (Receiver receiver = Receiver.always(200)) {
      String id = create(api, "http://localhost:" + receiver.port() + "/named");
      Receiver.Hit hit = awaitHits(receiver, 1).get(0);
      assertThat(hit.header("Host")).isEqualTo("localhost:" + receiver.port());
      assertThat(hit.path()).isEqualTo("/named");
      awaitDelivery(api, id, "succeeded");
    }
  }

  static void insertLeased(String generationId, TestNode.TeamKey team, String url, String payload, String leaseExpiry) {
    pool().preparedQuery("INSERT INTO webhook_deliveries (id, generation_id, team_id, event, url, webhook_id, payload,"
            + " claimed_by, lease_expires_at) VALUES ($1, $2, $3, 'image.completed', $4, $5, $6, 'dead-node', " + leaseExpiry + ")")
        .execute(Tuple.of(com.aurous.server.util.Ids.newId("whd"), generationId, team.team().id(), url,
            com.aurous.server.util.Ids.newId("msg"), payload))
        .await();
  }

  @Test
  void theCliShowsAndRotatesTheSecretAndSignaturesFollowIt() {
    TestNode.TeamKey team = node.newTeam(1000);
    ApiClient api = node.client(team.key());
    String shown = cli("webhooks", "secret", "--team", team.team().name());
    assertThat(shown).startsWith("whsec_");
    assertThat(java.util.Base64.getDecoder().decode(shown.substring(6)).length).isBetween(24, 32);
    assertThat(cli("webhooks", "secret", "--team", team.team().name())).isEqualTo(shown);
    try (Receiver receiver = Receiver.always(200)) {
      create(api, receiver.url("/one"));
      Receiver.Hit first = awaitHits(receiver, 1).get(0);
      assertThat(Receiver.verifies(shown, first)).isTrue();

      String rotated = cli("webhooks", "rotate", "--team", team.team().name());
      assertThat(rotated).startsWith("whsec_").isNotEqualTo(shown);
      assertThat(cli("webhooks", "secret", "--team", team.team().name())).isEqualTo(rotated);
      create(api, receiver.url("/two"));
      Receiver.Hit second = awaitHits(receiver, 2).get(1);
      assertThat(Receiver.verifies(rotated, second)).isTrue();
      assertThat(Receiver.verifies(shown, second)).isFalse();
    }
  }

  /** Runs a CLI command against the node's database; returns the last line it printed (the secret). */
  static String cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new WebhookCommands(node.teams(), pool(), new PrintStream(out, true, StandardCharsets.UTF_8)).run(new CliArgs(args));
    String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
    return lines[lines.length - 1].trim();
  }
}
