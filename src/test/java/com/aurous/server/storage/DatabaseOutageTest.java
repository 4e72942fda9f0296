package com.aurous.server.storage;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.NodeProcess;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An external PostgreSQL (its own server, on its own port and data directory, handed to the
 * node as database.url) is stopped and started again while clients create, estimate and read.
 * The outage lasts longer than the workers' leases, so a result finished during it meets a
 * rescued row when the database is back.
 */
class DatabaseOutageTest {
  static final int LEASE_SECONDS = 3;
  static final String RETRY_AFTER = "2";

  static Path pgData;
  static int pgPort;
  static EmbeddedPostgres postgres;
  static TestNode node;
  static TestNode.TeamKey team;
  static ApiClient api;
  static ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeAll
  static void start() throws Exception {
    pgData = Files.createTempDirectory("aurous-outage-pg");
    pgPort = NodeProcess.freePort();
    postgres = startPostgres();
    try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE aurous");
    }
    logs.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    node = TestNode.startWithEngine(
        new JsonObject().put("max_batch_size", 4).put("max_running_per_worker", 4).put("intra_op_threads", 1)
            .put("lease_seconds", LEASE_SECONDS).put("rescue_interval_s", 1),
        new JsonObject()
            .put("database", new JsonObject().put("url", "postgresql://postgres:postgres@127.0.0.1:" + pgPort + "/aurous")
                .put("acquire_timeout_ms", 3000))
            .put("api", new JsonObject().put("unavailable_retry_after_s", Integer.parseInt(RETRY_AFTER))
                .put("idempotency_in_flight_timeout_s", 5).put("view_cache_open_ttl_ms", OPEN_VIEW_TTL_MS)));
    team = node.newTeam(1_000_000);
    api = node.client(team.key());
  }

  static EmbeddedPostgres startPostgres() throws IOException {
    // Not cleaned: the restarted server must find the same data.
    return EmbeddedPostgres.builder().setDataDirectory(pgData).setCleanDataDirectory(false).setPort(pgPort)
        .setServerConfig("fsync", "off").start();
  }

  @AfterAll
  static void stop() throws Exception {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
    if (node != null) {
      node.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  static JsonObject body(int steps) {
    return new JsonObject().put("prompt", "a lighthouse in fog").put("steps", steps);
  }

  /** What one load client saw: every answer must be a success or the outage's 503, never a 500. */
  static final class Load implements Runnable {
    final List<String> anomalies = new CopyOnWriteArrayList<>();
    final Set<String> accepted = ConcurrentHashMap.newKeySet();
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong outageFrom = new AtomicLong(Long.MAX_VALUE);
    final AtomicLong outageTo = new AtomicLong(Long.MAX_VALUE);
    final AtomicLong createsRefusedInOutage = new AtomicLong();
    final AtomicLong estimatesInOutage = new AtomicLong();

    @Override
    public void run() {
      String pendingKey = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      // Keeps going after stop until its last create is accepted: every accepted create is checked at the end.
      while (System.nanoTime() < deadline && (!stop.get() || pendingKey != null)) {
        String key = pendingKey != null ? pendingKey : UUID.randomUUID().toString();
        long t0 = System.nanoTime();
        ApiClient.Response created = api.post("/v1/images", body(2), "Idempotency-Key", key);
        boolean inOutage = t0 > outageFrom.get() && System.nanoTime() < outageTo.get();
        if (created.status() == 201) {
          accepted.add(created.json().getString("id"));
          pendingKey = null;
          if (inOutage) {
            anomalies.add("create accepted while the database was stopped: " + created.body());
          }
        } else if (created.status() == 503 || isInFlight(created)) {
          // Nothing was decided: the same key again, until it is accepted exactly once.
          pendingKey = key;
          if (created.status() == 503) {
            check503("create", created);
            if (inOutage) {
              createsRefusedInOutage.incrementAndGet();
            }
          }
        } else {
          anomalies.add("create answered " + created.status() + ": " + created.body());
        }
        t0 = System.nanoTime();
        ApiClient.Response estimate = api.post("/v1/images/estimate", body(2));
        if (estimate.status() != 200) {
          anomalies.add("estimate answered " + estimate.status() + ": " + estimate.body());
        } else if (t0 > outageFrom.get() && System.nanoTime() < outageTo.get()) {
          estimatesInOutage.incrementAndGet();
        }
        if (!accepted.isEmpty()) {
          String id = accepted.iterator().next();
          t0 = System.nanoTime();
          ApiClient.Response got = api.get("/v1/images/" + id);
          inOutage = t0 > outageFrom.get() && System.nanoTime() < outageTo.get();
          if (got.status() == 503) {
            check503("get", got);
          } else if (got.status() != 200
              || inOutage && !servedFromTerminalCache(got) && !servedFromOpenViewCache(got, t0 - outageFrom.get())) {
            anomalies.add("get answered " + got.status() + (inOutage ? " during the outage" : "") + ": " + got.body());
          }
        }
        sleep(100);
      }
      if (pendingKey != null) {
        anomalies.add("a create was never accepted after the outage");
      }
    }

    static boolean isInFlight(ApiClient.Response r) {
      return r.status() == 409 && "idempotency_key_in_use".equals(r.errorCode());
    }

    void check503(String what, ApiClient.Response r) {
      String problem = problemWith503(r);
      if (problem != null) {
        anomalies.add(what + ": " + problem);
      }
    }
  }

  /** A 200 during the outage is right only for a terminal generation: the node's cache of finished ones answers it. */
  static boolean servedFromTerminalCache(ApiClient.Response r) {
    String status = r.json().getString("status");
    return r.status() == 200 && ("succeeded".equals(status) || "failed".equals(status) || "cancelled".equals(status));
  }

  /**
   * A pending or processing view the node read from PostgreSQL just before the outage, answered
   * from its cache for at most api.view_cache_open_ttl_ms (2 s here) after that read, never later.
   */
  static boolean servedFromOpenViewCache(ApiClient.Response r, long nanosIntoOutage) {
    String status = r.json().getString("status");
    return r.status() == 200 && ("pending".equals(status) || "processing".equals(status))
        && nanosIntoOutage < Duration.ofMillis(OPEN_VIEW_TTL_MS).toNanos();
  }

  static final long OPEN_VIEW_TTL_MS = 2000;

  /** Null when the response is the outage's 503 in the envelope with Retry-After and a request id. */
  static String problemWith503(ApiClient.Response r) {
    if (r.status() != 503) {
      return "status " + r.status() + ": " + r.body();
    }
    if (!RETRY_AFTER.equals(r.header("Retry-After"))) {
      return "Retry-After " + r.header("Retry-After");
    }
    if (r.header("Aurous-Request-Id") == null || !r.header("Aurous-Request-Id").startsWith("req_")) {
      return "no request id";
    }
    JsonObject err = r.json().getJsonObject("error");
    if (err == null || !"service_unavailable".equals(err.getString("code")) || !"api_error".equals(err.getString("type"))
        || err.getString("message") == null) {
      return "not the envelope: " + r.body();
    }
    return null;
  }

  @Test
  void whileTheDatabaseIsStoppedEveryRouteAnswers503AndAfterItRestartsEveryAcceptedGenerationSucceedsOnceChargedOnce()
      throws Exception {
    // Before: a finished generation (for its output link) and some in the queue when the database goes.
    String first = api.post("/v1/images", body(2)).json().getString("id");
    JsonObject done = awaitSucceeded(first);
    String outputUrl = done.getJsonArray("output_urls").getString(0);
    List<String> beforeOutage = new ArrayList<>(List.of(first));
    for (int i = 0; i < 6; i++) {
      ApiClient.Response r = api.post("/v1/images", body(6));
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      beforeOutage.add(r.json().getString("id"));
    }

    List<Load> loads = List.of(new Load(), new Load(), new Load());
    List<Thread> threads = new ArrayList<>();
    for (Load l : loads) {
      Thread t = new Thread(l, "outage-load");
      t.start();
      threads.add(t);
    }
    sleep(1000);

    postgres.close();
    long from = System.nanoTime();
    loads.forEach(l -> l.outageFrom.set(from));

    // Every route, while nothing answers on the database port.
    Map<String, ApiClient.Response> probes = new HashMap<>();
    probes.put("create", api.post("/v1/images", body(2)));
    probes.put("create with Idempotency-Key", api.post("/v1/images", body(2), "Idempotency-Key", UUID.randomUUID().toString()));
    probes.put("estimate with a LoRA", api.post("/v1/images/estimate", body(2).put("lora_id", "watercolor-style")));
    // A finished generation never changes, so a node that has it cached answers it without the database.
    ApiClient.Response finished = api.get("/v1/images/" + first);
    assertThat(finished.status() == 200 ? servedFromTerminalCache(finished) : problemWith503(finished) == null)
        .as("get of a finished generation: %s", finished.body()).isTrue();
    probes.put("list", api.get("/v1/images"));
    probes.put("cancel", api.post("/v1/images/" + beforeOutage.get(6) + "/cancel", ""));
    probes.put("webhook deliveries", api.get("/v1/images/" + first + "/webhook_deliveries"));
    probes.put("output", new ApiClient("", null).get(outputUrl));
    probes.put("a key never seen", new ApiClient(node.baseUrl(), "al_live_" + "x".repeat(40))
        .post("/v1/images/estimate", body(2)));
    for (var e : probes.entrySet()) {
      assertThat(problemWith503(e.getValue())).as(e.getKey()).isNull();
    }
    ApiClient.Response estimate = api.post("/v1/images/estimate", body(2));
    assertThat(estimate.status()).as(estimate.body()).isEqualTo(200);
    assertThat(estimate.json().getJsonObject("estimated_cost").getLong("amount")).isEqualTo(1L);

    // Longer than a lease: running work finishes in memory, and its rows are rescuable when the database returns.
    sleep((LEASE_SECONDS + 1) * 1000L);
    long to = System.nanoTime();
    loads.forEach(l -> l.outageTo.set(to));
    postgres = startPostgres();

    // Back without restarting the node.
    Polling.until(() -> api.get("/v1/images").status(), s -> s == 200, Duration.ofSeconds(30), "the node to serve again");
    sleep(1500);
    loads.forEach(l -> l.stop.set(true));
    for (Thread t : threads) {
      t.join(Duration.ofSeconds(100).toMillis());
    }

    List<String> anomalies = new ArrayList<>();
    loads.forEach(l -> anomalies.addAll(l.anomalies));
    assertThat(anomalies).isEmpty();
    assertThat(loads.stream().mapToLong(l -> l.createsRefusedInOutage.get()).sum()).isPositive();
    assertThat(loads.stream().mapToLong(l -> l.estimatesInOutage.get()).sum()).isPositive();

    List<String> accepted = new ArrayList<>(beforeOutage);
    loads.forEach(l -> accepted.addAll(l.accepted));
    for (String id : accepted) {
      awaitSucceeded(id);
    }
    assertChargedOnceEach(accepted);

    // One warning per periodic task for the whole outage, not one per tick, and no 500s logged.
    Map<String, Integer> outageWarnings = new HashMap<>();
    for (ILoggingEvent e : logs.list) {
      if (e.getLevel() == Level.WARN && e.getMessage().contains("PostgreSQL is unreachable")) {
        outageWarnings.merge(String.valueOf(e.getArgumentArray()[0]), 1, Integer::sum);
      }
      assertThat(e.getFormattedMessage()).doesNotContain("Unhandled failure");
    }
    assertThat(outageWarnings).containsKey("Lease rescuer");
    assertThat(outageWarnings.values()).allMatch(n -> n == 1);
  }

  /** Every generation of the team succeeded, is one of those accepted, has its images and one reserve plus one commit. */
  static void assertChargedOnceEach(List<String> accepted) {
    var pool = node.node().pool();
    var gens = pool.preparedQuery("SELECT id, status, image_count,"
            + " (SELECT count(*) FROM generation_outputs o WHERE o.generation_id = g.id) AS outputs,"
            + " (SELECT count(*) FROM credit_ledger l WHERE l.generation_id = g.id AND l.kind = 'reserve') AS reserves,"
            + " (SELECT count(*) FROM credit_ledger l WHERE l.generation_id = g.id AND l.kind = 'commit') AS commits,"
            + " (SELECT count(*) FROM credit_ledger l WHERE l.generation_id = g.id AND l.kind = 'release') AS releases"
            + " FROM generations g WHERE team_id = $1")
        .execute(Tuple.of(team.team().id())).await();
    assertThat(gens.size()).isEqualTo(accepted.size());
    for (Row g : gens) {
      String id = g.getString("id");
      assertThat(accepted).contains(id);
      assertThat(g.getString("status")).as(id).isEqualTo("succeeded");
      assertThat(g.getLong("outputs")).as(id).isEqualTo(g.getInteger("image_count").longValue());
      assertThat(g.getLong("reserves")).as(id).isEqualTo(1L);
      assertThat(g.getLong("commits")).as(id).isEqualTo(1L);
      assertThat(g.getLong("releases")).as(id).isZero();
    }
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(node.teams().ledgerSum(team.team().id()).await());
  }

  static JsonObject awaitSucceeded(String id) {
    JsonObject g = Polling.until(() -> api.get("/v1/images/" + id), r -> r.status() == 200
            && Set.of("succeeded", "failed", "cancelled").contains(r.json().getString("status")),
        Duration.ofSeconds(120), id + " to finish").json();
    assertThat(g.getString("status")).as(g.encode()).isEqualTo("succeeded");
    return g;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
