package com.aurous.server.auth;

import com.aurous.server.cli.AdminCommands;
import com.aurous.server.cli.CliArgs;
import com.aurous.server.storage.DatabaseTarget;
import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestDatabase;
import com.aurous.server.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two API nodes on one database, each caching key look-ups; the operator CLI runs against the
 * database from its own Vert.x and pool, as it does from another process, and never joins a cluster.
 */
class KeyCacheAcrossNodesTest {
  static final JsonObject BODY = new JsonObject().put("prompt", "a red fox in snow");
  static final String OLD = "2026-01-01";
  static final String CURRENT = "2026-05-15";
  static final Duration WITHIN = Duration.ofSeconds(1);

  static TestNode first;
  static TestNode second;
  static Vertx cliVertx;
  static Pool cliPool;
  static TeamStore cliTeams;

  @BeforeAll
  static void start() {
    String url = TestDatabase.createDatabase();
    JsonObject api = new JsonObject().put("supported_versions", new io.vertx.core.json.JsonArray().add(OLD).add(CURRENT))
        .put("default_version", CURRENT).put("auth_cache_ttl_s", 3600);
    first = TestNode.start(new JsonObject().put("database", new JsonObject().put("url", url)).put("api", api));
    second = TestNode.start(new JsonObject().put("database", new JsonObject().put("url", url)).put("api", api));
    cliVertx = Vertx.vertx();
    cliPool = PgBuilder.pool().connectingTo(DatabaseTarget.fromUrl(url).connectOptions()).using(cliVertx).build();
    cliTeams = new TeamStore(cliPool);
    awaitListeners();
  }

  /**
   * A node trusts its cache only once its LISTEN is up (it starts asynchronously with the node);
   * before that every request asks PostgreSQL, which would make the cache tests pass vacuously.
   */
  private static void awaitListeners() {
    Polling.until(() -> cliPool.query("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'").execute().await()
        .iterator().next().getLong(0), n -> n >= 2, Duration.ofSeconds(10), "both nodes listening");
  }

  @AfterAll
  static void stop() throws Exception {
    cliVertx.close().await();
    second.close();
    first.close();
  }

  private static void cli(String... args) {
    new AdminCommands(cliTeams, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
        .run(new CliArgs(args));
  }

  private static int estimate(TestNode node, String key) {
    return node.client(key).post("/v1/images/estimate", BODY).status();
  }

  /** Both nodes have answered the key, so both hold it in their caches. */
  private static void warm(String key) {
    for (TestNode node : List.of(first, second)) {
      for (int i = 0; i < 3; i++) {
        assertThat(estimate(node, key)).isEqualTo(200);
      }
    }
  }

  private static void awaitStatus(TestNode node, String key, int status, Duration within, String what) {
    Polling.until(() -> estimate(node, key), s -> s == status, within, what);
  }

  /** Changes a key with its notification trigger off, as a change whose notification got lost would. */
  private static void silently(String sql, Tuple args) {
    cliPool.withTransaction(tx -> tx.query("ALTER TABLE api_keys DISABLE TRIGGER api_keys_notify").execute()
        .compose(r -> tx.preparedQuery(sql).execute(args))
        .compose(r -> tx.query("ALTER TABLE api_keys ENABLE TRIGGER api_keys_notify").execute())).await();
  }

  @Test
  void aKeyRevokedWithTheCliGets401OnEveryNodeWithinASecondAndNeverComesBack() {
    TestNode.TeamKey team = first.newTeam(10);
    warm(team.key());

    cli("keys", "revoke", team.key());

    awaitStatus(first, team.key(), 401, WITHIN, "401 on the first node");
    awaitStatus(second, team.key(), 401, WITHIN, "401 on the second node");
    for (int i = 0; i < 20; i++) {
      assertThat(estimate(first, team.key())).isEqualTo(401);
      assertThat(estimate(second, team.key())).isEqualTo(401);
    }
  }

  @Test
  void aCachedKeyIsAnsweredWithoutTheDatabaseUntilItsNotificationArrives() {
    TestNode.TeamKey team = first.newTeam(10);
    warm(team.key());

    silently("UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1", Tuple.of(ApiKeys.hash(team.key())));
    // The database says revoked; neither node asked it, so both still accept the key.
    assertThat(estimate(first, team.key())).isEqualTo(200);
    assertThat(estimate(second, team.key())).isEqualTo(200);

    cliPool.preparedQuery("SELECT pg_notify('aurous_keys', $1)").execute(Tuple.of("key:" + ApiKeys.hash(team.key()))).await();
    awaitStatus(first, team.key(), 401, WITHIN, "401 on the first node after the notification");
    awaitStatus(second, team.key(), 401, WITHIN, "401 on the second node after the notification");
  }

  @Test
  void aNodeThatLostItsListenerTrustsNoCachedKeyAfterReconnecting() {
    TestNode.TeamKey team = first.newTeam(10);
    warm(team.key());
    silently("UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1", Tuple.of(ApiKeys.hash(team.key())));
    assertThat(estimate(first, team.key())).isEqualTo(200);

    // Both nodes' LISTEN connections die; a notification sent meanwhile would be lost.
    cliPool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'").execute().await();

    awaitStatus(first, team.key(), 401, Duration.ofSeconds(5), "401 on the first node once its listener is gone");
    awaitStatus(second, team.key(), 401, Duration.ofSeconds(5), "401 on the second node once its listener is gone");
    // The listeners are back: a revocation reaches both nodes again.
    awaitListeners();
    TestNode.TeamKey other = first.newTeam(10);
    warm(other.key());
    cli("keys", "revoke", other.key());
    awaitStatus(first, other.key(), 401, WITHIN, "401 on the first node after reconnecting");
    awaitStatus(second, other.key(), 401, WITHIN, "401 on the second node after reconnecting");
  }

  @Test
  void aVersionPinSetWithTheCliReachesEveryNodeWithinASecond() {
    TestNode.TeamKey team = first.newTeam(10);
    cliTeams.pinVersion(team.team().id(), CURRENT).await();
    warm(team.key());
    for (TestNode node : List.of(first, second)) {
      assertThat(node.client(team.key()).get("/v1/images").header("Aurous-Version")).isEqualTo(CURRENT);
    }

    cli("teams", "pin", team.team().name(), OLD);

    for (TestNode node : List.of(first, second)) {
      ApiClient api = node.client(team.key());
      Polling.until(() -> api.get("/v1/images").header("Aurous-Version"), OLD::equals, WITHIN, "the new pin on " + node.baseUrl());
    }
  }

  @Test
  void anUnknownKeyThatIsThenImportedIsAcceptedWithinASecond() {
    TestNode.TeamKey team = first.newTeam(10);
    String legacy = "og_NotYetImported" + System.nanoTime();
    for (TestNode node : List.of(first, second)) {
      assertThat(estimate(node, legacy)).isEqualTo(401);
      assertThat(estimate(node, legacy)).isEqualTo(401);
    }

    cliTeams.insertKey(team.team().id(), legacy).await();

    awaitStatus(first, legacy, 200, WITHIN, "200 on the first node");
    awaitStatus(second, legacy, 200, WITHIN, "200 on the second node");
  }
}
