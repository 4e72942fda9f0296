package com.aurous.server.api;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Idempotency keys leave the table: past the replay window on a schedule, and an abandoned claim on reuse. */
class IdempotencyExpiryTest {
  static final int IN_FLIGHT_TIMEOUT_S = 30;
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("api", new JsonObject()
        .put("idempotency_purge_interval_s", 1)
        .put("idempotency_in_flight_timeout_s", IN_FLIGHT_TIMEOUT_S)));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static long rows(String teamId, String key) {
    return node.node().pool().preparedQuery("SELECT count(*) FROM idempotency_keys WHERE team_id = $1 AND key = $2")
        .execute(Tuple.of(teamId, key)).await().iterator().next().getLong(0);
  }

  static void age(String teamId, String key, int seconds) {
    node.node().pool().preparedQuery("UPDATE idempotency_keys SET created_at = now() - make_interval(secs => $3) WHERE team_id = $1 AND key = $2")
        .execute(Tuple.of(teamId, key, seconds)).await();
  }

  @Test
  void aKeyPastTheReplayWindowIsPurgedOnScheduleWhileALiveKeyStillReplays() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient api = node.client(team.key());
    String body = new JsonObject().put("prompt", "a windmill").encode();
    String expired = UUID.randomUUID().toString();
    String live = UUID.randomUUID().toString();
    assertThat(api.post("/v1/images", body, "Idempotency-Key", expired).status()).isEqualTo(201);
    ApiClient.Response first = api.post("/v1/images", body, "Idempotency-Key", live);
    assertThat(first.status()).isEqualTo(201);

    age(team.team().id(), expired, 25 * 3600);
    // Nothing is sent with the expired key again: only the purge can remove its row.
    Polling.until(() -> rows(team.team().id(), expired), n -> n == 0, Duration.ofSeconds(20), "the expired key to be purged");

    assertThat(rows(team.team().id(), live)).isEqualTo(1);
    ApiClient.Response replay = api.post("/v1/images", body, "Idempotency-Key", live);
    assertThat(replay.status()).isEqualTo(201);
    assertThat(replay.header("Aurous-Idempotent-Replayed")).isEqualTo("true");
    assertThat(replay.body()).isEqualTo(first.body());
  }

  @Test
  void aClaimLeftInFlightByARequestThatNeverCommittedFreesItsKeyAfterTheInFlightTimeout() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient api = node.client(team.key());
    String body = new JsonObject().put("prompt", "a windmill").encode();
    String abandoned = UUID.randomUUID().toString();
    String recent = UUID.randomUUID().toString();
    // What a create leaves when the database goes away between its claim and its generation.
    for (String k : new String[] {abandoned, recent}) {
      node.node().pool().preparedQuery("INSERT INTO idempotency_keys (team_id, key, request_hash, state) VALUES ($1, $2, $3, 'in_flight')")
          .execute(Tuple.of(team.team().id(), k, CanonicalJson.hash(body))).await();
    }
    age(team.team().id(), abandoned, IN_FLIGHT_TIMEOUT_S + 5);

    ApiClient.Response retried = api.post("/v1/images", body, "Idempotency-Key", abandoned);
    assertThat(retried.status()).as(retried.body()).isEqualTo(201);
    assertThat(retried.header("Aurous-Idempotent-Replayed")).isNull();
    ApiClient.Response again = api.post("/v1/images", body, "Idempotency-Key", abandoned);
    assertThat(again.header("Aurous-Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.body()).isEqualTo(retried.body());

    ApiClient.Response stillInFlight = api.post("/v1/images", body, "Idempotency-Key", recent);
    assertThat(stillInFlight.status()).isEqualTo(409);
    assertThat(stillInFlight.errorCode()).isEqualTo("idempotency_key_in_use");
  }
}
