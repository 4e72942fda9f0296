package com.aurous.server.webhook;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-host circuit breaker defers attempts instead of spending them. The breaker stays open
 * longer than two retry delays, so a breaker that consumed attempts would use up a delivery's
 * retries while it is open (the defect of issue 7), and one that defers must wait for it.
 */
class WebhookCircuitBreakerTest {
  static final int ATTEMPT_TIMEOUT_MS = 1000;
  static final int RETRY_DELAY_MS = 1500;
  static final int BREAKER_RESET_MS = 5000;
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.startWithEngine(new JsonObject().put("max_batch_size", 8),
        new JsonObject()
            .put("api", new JsonObject().put("allow_insecure_urls", true))
            .put("webhooks", new JsonObject()
                .put("poll_interval_ms", 200)
                .put("attempt_timeout_ms", ATTEMPT_TIMEOUT_MS)
                .put("retry_delay_ms", RETRY_DELAY_MS)
                .put("max_attempts", 3)
                .put("breaker_max_failures", 3)
                .put("breaker_reset_ms", BREAKER_RESET_MS)));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  /** Creates the generations at once so they finish together and their deliveries overlap. */
  static List<String> createConcurrently(ApiClient api, List<String> webhookUrls) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(webhookUrls.size());
    try {
      List<Future<String>> ids = new ArrayList<>();
      for (String url : webhookUrls) {
        ids.add(pool.submit(() -> WebhookDeliveryTest.create(api, url)));
      }
      List<String> out = new ArrayList<>();
      for (Future<String> f : ids) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  static JsonObject delivery(ApiClient api, String id) {
    JsonArray data = WebhookDeliveryTest.deliveries(api, id).getJsonArray("data");
    return data.isEmpty() ? null : data.getJsonObject(0);
  }

  static JsonObject awaitDelivery(ApiClient api, String id, String status) {
    return Polling.until(() -> delivery(api, id), d -> d != null && status.equals(d.getString("status")),
        Duration.ofSeconds(90), id + " delivery to be " + status);
  }

  @Test
  void aReceiverThatFailsEachDeliverysFirstAttemptStillGetsEveryWebhookFromSixGenerationsOnOneHost() throws Exception {
    ApiClient api = node.client(node.newTeam(1000).key());
    Set<String> seen = ConcurrentHashMap.newKeySet();
    try (Receiver receiver = Receiver.byRequest(hit -> seen.add(hit.header("webhook-id")) ? 500 : 200)) {
      List<String> urls = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        urls.add(receiver.url("/blip/" + i));
      }
      List<String> ids = createConcurrently(api, urls);

      for (String id : ids) {
        JsonObject d = awaitDelivery(api, id, "succeeded");
        JsonArray attempts = d.getJsonArray("attempts");
        // Only real sends are attempts: the open breaker held retries back without recording them.
        assertThat(attempts).as(d.encode()).hasSize(2);
        assertThat(attempts.getJsonObject(0).getInteger("attempt")).isEqualTo(1);
        assertThat(attempts.getJsonObject(0).getInteger("status_code")).isEqualTo(500);
        assertThat(attempts.getJsonObject(1).getInteger("attempt")).isEqualTo(2);
        assertThat(attempts.getJsonObject(1).getInteger("status_code")).isEqualTo(200);
        assertThat(attempts.getJsonObject(1).getString("error")).isNull();
      }
      assertThat(receiver.hits).hasSize(12);
      Map<String, List<Long>> byMessage = new HashMap<>();
      for (Receiver.Hit h : receiver.hits) {
        byMessage.computeIfAbsent(h.header("webhook-id"), k -> new ArrayList<>()).add(h.receivedAtMillis());
      }
      assertThat(byMessage).hasSize(6).allSatisfy((webhookId, times) -> assertThat(times).hasSize(2));
      // Six failures on one host opened its breaker: some retry waited for it to half-open, far
      // beyond the retry delay, instead of being spent while it was open.
      long longestWait = byMessage.values().stream().mapToLong(t -> t.get(1) - t.get(0)).max().orElseThrow();
      assertThat(longestWait).as("longest wait between a delivery's two attempts").isGreaterThanOrEqualTo(BREAKER_RESET_MS - 1000L);
    }
  }

  @Test
  void aHalfOpenBreakerLetsOneTrialThroughAndReopensWhenItFails() throws Exception {
    ApiClient api = node.client(node.newTeam(1000).key());
    try (Receiver hung = Receiver.always(Receiver.HANG)) {
      List<String> ids = createConcurrently(api, List.of(hung.url("/a"), hung.url("/b"), hung.url("/c")));
      for (String id : ids) {
        Polling.until(() -> delivery(api, id), d -> d != null && d.getJsonArray("attempts").size() == 1,
            Duration.ofSeconds(60), id + " first attempt to time out");
      }
      // Three timeouts opened the breaker; when it half-opens exactly one delivery is sent.
      Polling.until(() -> hung.hits.size(), n -> n >= 4, Duration.ofSeconds(60), "the trial attempt");
      long trialAt = hung.hits.get(3).receivedAtMillis();
      assertThat(trialAt - hung.hits.get(2).receivedAtMillis()).as("the trial waits for the breaker to half-open")
          .isGreaterThanOrEqualTo(BREAKER_RESET_MS - 1000L);
      // While the trial hangs and after it times out (the breaker reopens) nothing else is sent.
      Thread.sleep(ATTEMPT_TIMEOUT_MS + BREAKER_RESET_MS / 2);
      assertThat(hung.hits).hasSize(4);

      int attempts = 0;
      for (String id : ids) {
        JsonObject d = delivery(api, id);
        assertThat(d.getString("status")).isEqualTo("pending");
        for (Object o : d.getJsonArray("attempts")) {
          JsonObject a = (JsonObject) o;
          attempts++;
          assertThat(a.getInteger("status_code")).isNull();
          assertThat(a.getString("error")).as("only real sends are recorded").startsWith("timeout");
          assertThat(a.getLong("duration_ms")).isGreaterThanOrEqualTo(ATTEMPT_TIMEOUT_MS - 100L);
        }
      }
      assertThat(attempts).isEqualTo(4);
    }
  }
}
