package com.aurous.server.api;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.SseClient;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GET /v1/images/{id}/events on an API-only node (generations stay pending unless cancelled):
 * the envelope before any stream, the first state, heartbeats, the end at a terminal state, the
 * bounded life and the per-node stream limit. Progress across nodes: EventStreamClusterTest.
 */
class ImageEventsTest {
  static final int STEPS = 20;
  static final int MAX_STREAMS = 3;
  static TestNode node;
  static TestNode.TeamKey owner;
  static TestNode.TeamKey stranger;
  static ApiClient api;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("api", new JsonObject()
        .put("events_heartbeat_s", 1).put("events_max_duration_s", 6).put("events_max_streams", MAX_STREAMS)));
    owner = node.newTeam(1000);
    stranger = node.newTeam(1000);
    api = node.client(owner.key());
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static String create() {
    ApiClient.Response r = api.post("/v1/images", new JsonObject().put("prompt", "a lighthouse").put("steps", STEPS));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("id");
  }

  static SseClient open(String id, String key, String... headers) throws IOException {
    List<String> h = new ArrayList<>(List.of("X-Api-Key", key));
    h.addAll(List.of(headers));
    return SseClient.open(node.node().port(), "/v1/images/" + id + "/events", 15_000, h.toArray(String[]::new));
  }

  @Test
  void anotherTeamsGenerationAMalformedIdAndAMissingKeyAreRefusedInTheEnvelopeBeforeAnyStream() throws Exception {
    String id = create();
    try (SseClient s = open(id, stranger.key())) {
      assertThat(s.status()).isEqualTo(404);
      assertThat(s.header("Content-Type")).startsWith("application/json");
      assertThat(s.error().getString("code")).isEqualTo("resource_missing");
      assertThat(s.header("Aurous-Request-Id")).startsWith("req_");
    }
    try (SseClient s = open("img_nope", owner.key())) {
      assertThat(s.status()).isEqualTo(404);
      assertThat(s.error().getString("code")).isEqualTo("resource_missing");
    }
    try (SseClient s = SseClient.open(node.node().port(), "/v1/images/" + id + "/events", 15_000)) {
      assertThat(s.status()).isEqualTo(401);
      assertThat(s.error().getString("type")).isEqualTo("authentication_error");
    }
    try (SseClient s = open(id, owner.key(), "Last-Event-ID", "seven")) {
      assertThat(s.status()).isEqualTo(400);
      assertThat(s.error().getString("code")).isEqualTo("invalid_last_event_id");
      assertThat(s.error().getString("param")).isEqualTo("Last-Event-ID");
    }
    try (SseClient s = open(id, owner.key(), "Last-Event-ID", Integer.toString(STEPS + 4))) {
      assertThat(s.status()).isEqualTo(400);
      assertThat(s.error().getString("code")).isEqualTo("invalid_last_event_id");
    }
    try (SseClient s = open(id, owner.key(), "Last-Event-ID", "0", "Last-Event-ID", "1")) {
      assertThat(s.status()).isEqualTo(400);
      assertThat(s.error().getString("code")).isEqualTo("invalid_last_event_id");
      assertThat(s.error().getString("param")).isEqualTo("Last-Event-ID");
    }
    assertThat(api.method("POST", "/v1/images/" + id + "/events", "{}").status()).isEqualTo(405);
  }

  @Test
  void aPendingGenerationStreamsItsStateFirstThenHeartbeatsUntilTheStreamsLifeEnds() throws Exception {
    String id = create();
    try (SseClient s = open(id, owner.key())) {
      assertThat(s.status()).isEqualTo(200);
      assertThat(s.header("Content-Type")).startsWith("text/event-stream");
      assertThat(s.header("Cache-Control")).isEqualTo("no-cache");
      assertThat(s.header("Aurous-Request-Id")).startsWith("req_");
      SseClient.Event first = s.next();
      assertThat(first.event()).isEqualTo("status");
      assertThat(first.id()).isEqualTo("0");
      assertThat(first.json().getString("id")).isEqualTo(id);
      assertThat(first.json().getString("status")).isEqualTo("pending");
      assertThat(first.json().getString("prompt")).isEqualTo("a lighthouse");
      SseClient.Event second = s.next();
      assertThat(second.comment()).isEqualTo("keep-alive");
      // Nothing but heartbeats until events_max_duration_s ends the stream; the client would reconnect.
      assertThat(s.rest()).isEmpty();
      assertThat(s.ended()).isTrue();
    }
  }

  @Test
  void anHttp10ClientIsRefusedInTheEnvelopeSinceAStreamNeedsChunkedTransfer() throws Exception {
    String id = create();
    try (SseClient s = SseClient.open("HTTP/1.0", node.node().port(), "/v1/images/" + id + "/events", 15_000,
        "X-Api-Key", owner.key())) {
      assertThat(s.status()).isEqualTo(400);
      assertThat(s.error().getString("code")).isEqualTo("http_version_not_supported");
    }
  }

  @Test
  void aCancelEndsTheStreamWithTheCancelledStatusAndDone() throws Exception {
    String id = create();
    try (SseClient s = open(id, owner.key())) {
      assertThat(s.next().json().getString("status")).isEqualTo("pending");
      assertThat(api.post("/v1/images/" + id + "/cancel", "").status()).isEqualTo(200);
      List<SseClient.Event> rest = s.rest();
      assertThat(rest).extracting(SseClient.Event::event).containsExactly("status", "done");
      assertThat(rest.get(0).id()).isEqualTo(Integer.toString(STEPS + 2));
      assertThat(rest.get(0).json().getString("status")).isEqualTo("cancelled");
      assertThat(rest.get(0).json().getString("completed_at")).isNotNull();
      assertThat(rest.get(1).id()).isEqualTo(Integer.toString(STEPS + 3));
      assertThat(rest.get(1).json()).isEqualTo(new JsonObject().put("id", id).put("status", "cancelled"));
      assertThat(s.ended()).isTrue();
    }
  }

  @Test
  void aTerminalGenerationAnswersItsFinalStateAtOnceAnd204OnceTheClientHasDone() throws Exception {
    String id = create();
    assertThat(api.post("/v1/images/" + id + "/cancel", "").status()).isEqualTo(200);
    try (SseClient s = open(id, owner.key())) {
      assertThat(s.status()).isEqualTo(200);
      assertThat(s.rest()).extracting(SseClient.Event::event, SseClient.Event::id)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("status", Integer.toString(STEPS + 2)),
              org.assertj.core.groups.Tuple.tuple("done", Integer.toString(STEPS + 3)));
    }
    // The client has the terminal status but not done: it gets done alone.
    try (SseClient s = open(id, owner.key(), "Last-Event-ID", Integer.toString(STEPS + 2))) {
      assertThat(s.rest()).extracting(SseClient.Event::event).containsExactly("done");
    }
    try (SseClient s = open(id, owner.key(), "Last-Event-ID", Integer.toString(STEPS + 3))) {
      assertThat(s.status()).isEqualTo(204);
    }
  }

  @Test
  void streamsOverTheNodesLimitGet503WithRetryAfterAndClosedStreamsLeaveNothingBehind() throws Exception {
    String id = create();
    // Many connect/disconnect cycles: each client vanishes after the first event.
    for (int i = 0; i < 30; i++) {
      try (SseClient s = open(id, owner.key())) {
        assertThat(s.next().event()).isEqualTo("status");
      }
    }
    Polling.until(() -> node.node().generationEvents().watchedGenerations(), n -> n == 0, Duration.ofSeconds(10),
        "every subscription released");
    // All slots are free again: the limit is reached exactly at MAX_STREAMS.
    List<SseClient> held = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_STREAMS; i++) {
        SseClient s = Polling.until(() -> {
          try {
            SseClient c = open(id, owner.key());
            if (c.status() != 200) {
              c.close();
            }
            return c;
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        }, c -> c.status() == 200, Duration.ofSeconds(10), "a stream slot");
        held.add(s);
        assertThat(s.next().event()).isEqualTo("status");
      }
      assertThat(node.node().generationEvents().watchedGenerations()).isEqualTo(1);
      try (SseClient over = open(id, owner.key())) {
        assertThat(over.status()).isEqualTo(503);
        assertThat(over.error().getString("code")).isEqualTo("too_many_streams");
        assertThat(over.header("Retry-After")).isNotNull();
      }
      held.remove(0).close();
      SseClient again = Polling.until(() -> {
        try {
          SseClient c = open(id, owner.key());
          if (c.status() != 200) {
            c.close();
          }
          return c;
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }, c -> c.status() == 200, Duration.ofSeconds(10), "the freed slot");
      held.add(again);
    } finally {
      for (SseClient s : held) {
        s.close();
      }
    }
    Polling.until(() -> node.node().generationEvents().watchedGenerations(), n -> n == 0, Duration.ofSeconds(10),
        "every subscription released");
  }
}
