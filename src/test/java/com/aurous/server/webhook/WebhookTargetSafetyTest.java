package com.aurous.server.webhook;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import com.aurous.server.util.Ids;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With api.allow_insecure_urls off (the default), internal webhook targets are refused when the
 * generation is created and again at delivery, before any connection is made. An API-only node:
 * delivery runs on every node, whatever its roles.
 */
class WebhookTargetSafetyTest {
  static TestNode node;
  static TestNode.TeamKey team;
  static ApiClient api;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("webhooks", new JsonObject().put("poll_interval_ms", 100).put("retry_delay_ms", 100)));
    team = node.newTeam(1000);
    api = node.client(team.key());
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  @Test
  void internalTargetsAreRefusedAtCreate() {
    for (String url : new String[] {"http://127.0.0.1:9/hook", "https://127.0.0.1/hook", "https://localhost/hook",
        "https://[::1]/hook", "https://169.254.169.254/latest", "https://10.0.0.7/hook", "https://metadata.google.internal/"}) {
      ApiClient.Response r = api.post("/v1/images", new JsonObject().put("prompt", "p").put("webhook_url", url));
      assertThat(r.status()).as(url + ": " + r.body()).isEqualTo(400);
      assertThat(r.errorParam()).isEqualTo("webhook_url");
    }
  }

  @Test
  void aLoopbackTargetInTheOutboxIsAttemptedWithoutConnectingAndRecordedAsRefused() {
    try (Receiver receiver = Receiver.always(200)) {
      String generation = api.post("/v1/images", new JsonObject().put("prompt", "p")).json().getString("id");
      for (String url : new String[] {"https://127.0.0.1:" + receiver.port() + "/hook", "https://localhost:" + receiver.port() + "/hook",
          receiver.url("/hook")}) {
        String event = url.startsWith("https://127") ? "image.completed" : url.startsWith("https://localhost") ? "image.failed" : null;
        if (event == null) {
          // A third row for the same generation needs a fresh generation (one delivery per event).
          generation = api.post("/v1/images", new JsonObject().put("prompt", "p")).json().getString("id");
          event = "image.completed";
        }
        node.node().pool().preparedQuery("INSERT INTO webhook_deliveries (id, generation_id, team_id, event, url, webhook_id, payload)"
                + " VALUES ($1, $2, $3, $4, $5, $6, '{}')")
            .execute(Tuple.of(Ids.newId("whd"), generation, team.team().id(), event, url, Ids.newId("msg")))
            .await();
      }
      var rows = Polling.until(() -> node.node().pool().query("SELECT d.url, d.status, a.attempt, a.error, a.status_code"
                  + " FROM webhook_deliveries d JOIN webhook_attempts a ON a.delivery_id = d.id ORDER BY d.url, a.attempt").execute().await(),
          r -> {
            int failed = 0;
            for (var row : r) {
              failed += "failed".equals(row.getString("status")) ? 1 : 0;
            }
            return failed == 9;
          }, Duration.ofSeconds(30), "three refused deliveries of three attempts each");
      for (var row : rows) {
        assertThat(row.getString("error")).as(row.getString("url")).startsWith("refused:");
        assertThat(row.getInteger("status_code")).isNull();
      }
      assertThat(receiver.connections.get()).as("connections made to the refused target").isZero();
      assertThat(receiver.hits).isEmpty();
    }
  }

  @Test
  void aCancelledGenerationSendsNoWebhook() {
    String id = api.post("/v1/images", new JsonObject().put("prompt", "p").put("webhook_url", "https://hooks.example.com/x"))
        .json().getString("id");
    assertThat(api.post("/v1/images/" + id + "/cancel", "").status()).isEqualTo(200);
    JsonObject list = api.get("/v1/images/" + id + "/webhook_deliveries").json();
    assertThat(list.getString("object")).isEqualTo("list");
    assertThat(list.getJsonArray("data")).isEqualTo(new JsonArray());
    assertThat(api.get("/v1/images/img_not_an_id/webhook_deliveries").status()).isEqualTo(404);
  }
}
