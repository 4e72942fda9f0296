package com.aurous.server.cluster;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.NodeProcess;
import com.aurous.server.testing.SseClient;
import com.aurous.server.testing.TestDatabase;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Event streams relayed across the cluster: the client talks to an API-only node in this JVM,
 * the generation runs on a worker node in its own JVM; both share one PostgreSQL and one
 * Hazelcast cluster, so every progress event reached the client over the clustered event bus.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EventStreamClusterTest {
  static final int STEPS = 12;
  static TestNode api;
  static NodeProcess worker;
  static Map<String, String> workerEnv = new HashMap<>();
  static JsonArray members = new JsonArray();
  static ApiClient client;
  static TestNode.TeamKey team;
  static String first;

  @BeforeAll
  static void start() {
    String db = TestDatabase.createDatabase();
    String clusterName = "events-" + System.nanoTime();
    int apiPort = NodeProcess.freePort();
    int workerPort = NodeProcess.freePort();
    members.add("127.0.0.1:" + apiPort).add("127.0.0.1:" + workerPort);
    api = TestNode.start(new JsonObject()
        .put("database", new JsonObject().put("url", db))
        .put("node", new JsonObject().put("name", "api").put("roles", new JsonArray().add("api")))
        .put("cluster", new JsonObject().put("enabled", true).put("name", clusterName).put("port", apiPort)
            .put("members", members)));
    workerEnv.put("AUROUS_DATABASE_URL", db);
    workerEnv.put("AUROUS_NODE_ROLES", "worker");
    workerEnv.put("AUROUS_CLUSTER_ENABLED", "true");
    workerEnv.put("AUROUS_CLUSTER_NAME", clusterName);
    workerEnv.put("AUROUS_CLUSTER_PORT", Integer.toString(workerPort));
    workerEnv.put("AUROUS_CLUSTER_MEMBERS", String.join(",", members.getList()));
    workerEnv.put("AUROUS_ENGINE_INTRA_OP_THREADS", "1");
    team = api.newTeam(1_000_000);
    client = api.client(team.key());
  }

  @AfterAll
  static void stop() throws Exception {
    if (worker != null) {
      worker.close();
    }
    api.close();
  }

  static String create(JsonObject body) {
    ApiClient.Response r = client.post("/v1/images", body);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("id");
  }

  static SseClient open(String id, String... headers) throws IOException {
    List<String> h = new ArrayList<>(List.of("X-Api-Key", team.key()));
    h.addAll(List.of(headers));
    return SseClient.open(api.node().port(), "/v1/images/" + id + "/events", 120_000, h.toArray(String[]::new));
  }

  /** Progress steps in order; asserts ids are step + 1 and strictly increasing. */
  static List<Integer> progressSteps(List<SseClient.Event> events) {
    List<Integer> steps = new ArrayList<>();
    long last = -1;
    for (SseClient.Event e : events) {
      assertThat(e.idNumber()).as("ids increase: %s", events).isGreaterThan(last);
      last = e.idNumber();
      if ("progress".equals(e.event())) {
        assertThat(e.json().getInteger("steps")).isEqualTo(STEPS);
        assertThat(e.idNumber()).isEqualTo(e.json().getInteger("step") + 1L);
        steps.add(e.json().getInteger("step"));
      }
    }
    return steps;
  }

  @Test
  @Order(1)
  void aClientOnTheApiNodeSeesEveryStepRunOnAnotherNodeAndTheTerminalStatus() throws Exception {
    // Created and watched before any worker exists, so the stream is open before the first step.
    first = create(new JsonObject().put("prompt", "a harbour at dawn").put("steps", STEPS));
    try (SseClient s = open(first)) {
      SseClient.Event pending = s.next();
      assertThat(pending.event()).isEqualTo("status");
      assertThat(pending.json().getString("status")).isEqualTo("pending");
      worker = NodeProcess.startClusterMember("worker1", workerEnv, "ready: DiffusionModel");
      List<SseClient.Event> rest = s.rest();
      assertThat(rest.get(0).event()).isEqualTo("status");
      assertThat(rest.get(0).json().getString("status")).isEqualTo("processing");
      assertThat(rest.get(0).id()).isEqualTo("1");
      List<Integer> expected = new ArrayList<>();
      for (int k = 1; k <= STEPS; k++) {
        expected.add(k);
      }
      assertThat(progressSteps(rest)).isEqualTo(expected);
      SseClient.Event terminal = rest.get(rest.size() - 2);
      assertThat(terminal.event()).isEqualTo("status");
      assertThat(terminal.json().getString("status")).isEqualTo("succeeded");
      assertThat(terminal.json().getJsonArray("output_urls")).hasSize(1);
      assertThat(terminal.id()).isEqualTo(Integer.toString(STEPS + 2));
      assertThat(rest.get(rest.size() - 1).event()).isEqualTo("done");
      assertThat(rest.get(rest.size() - 1).id()).isEqualTo(Integer.toString(STEPS + 3));
      assertThat(s.ended()).isTrue();
    }
  }

  @Test
  @Order(2)
  void aStreamForAGenerationAlreadyTerminalAnswersItsFinalStateAndEndsAtOnce() throws Exception {
    try (SseClient s = open(first)) {
      List<SseClient.Event> events = s.rest();
      assertThat(events).extracting(SseClient.Event::event).containsExactly("status", "done");
      assertThat(events.get(0).json().getString("status")).isEqualTo("succeeded");
      assertThat(events.get(0).json().getString("id")).isEqualTo(first);
    }
  }

  @Test
  @Order(3)
  void aReconnectWithLastEventIdResumesWithoutRepeatingAndEndsAtTheTerminalStatus() throws Exception {
    String id = create(new JsonObject().put("prompt", "resume me").put("size", "2k_1_1").put("steps", STEPS));
    List<SseClient.Event> before = new ArrayList<>();
    try (SseClient s = open(id)) {
      SseClient.Event e;
      do {
        e = s.next();
        if (e != null && e.comment() == null) {
          before.add(e);
        }
      } while (e != null && !"progress".equals(e.event()));
      assertThat(e).as("a progress event before the disconnect").isNotNull();
    }
    long seen = before.get(before.size() - 1).idNumber();
    try (SseClient s = open(id, "Last-Event-ID", Long.toString(seen))) {
      List<SseClient.Event> rest = s.rest();
      assertThat(rest).allSatisfy(ev -> assertThat(ev.idNumber()).isGreaterThan(seen));
      List<SseClient.Event> all = new ArrayList<>(before);
      all.addAll(rest);
      // Across both connections every id appears once, in order.
      progressSteps(all);
      assertThat(rest).extracting(SseClient.Event::event).endsWith("status", "done");
      assertThat(rest.get(rest.size() - 2).json().getString("status")).isEqualTo("succeeded");
      assertThat(s.ended()).isTrue();
    }
  }

  @Test
  @Order(4)
  void aCancelMidStreamEndsItWithStatusCancelled() throws Exception {
    String id = create(new JsonObject().put("prompt", "never mind").put("size", "2k_1_1").put("steps", 100));
    try (SseClient s = open(id)) {
      SseClient.Event e;
      do {
        e = s.next();
      } while (e != null && !"progress".equals(e.event()));
      assertThat(e).as("a progress event").isNotNull();
      assertThat(client.post("/v1/images/" + id + "/cancel", "").status()).isEqualTo(200);
      List<SseClient.Event> rest = s.rest();
      assertThat(rest).extracting(SseClient.Event::event).endsWith("status", "done");
      assertThat(rest.get(rest.size() - 2).json().getString("status")).isEqualTo("cancelled");
      assertThat(rest.get(rest.size() - 1).id()).isEqualTo("103");
      assertThat(s.ended()).isTrue();
    }
  }
}
