package com.aurous.server.api;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** X-Api-Key (401s, legacy og_ keys), Aurous-Request-Id on every response, Aurous-Version negotiation. */
class AuthAndVersionTest {
  static final String OLD = "2026-01-01";
  static final String CURRENT = "2026-05-15";
  static TestNode node;
  static final JsonObject BODY = new JsonObject().put("prompt", "a red fox in snow");

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("api", new JsonObject()
        .put("supported_versions", new JsonArray().add(OLD).add(CURRENT)).put("default_version", CURRENT)));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  private static final List<String[]> V1_ROUTES = List.of(
      new String[] {"POST", "/v1/images/estimate"},
      new String[] {"POST", "/v1/images"},
      new String[] {"GET", "/v1/images"},
      new String[] {"GET", "/v1/images/img_01HXMQ7Z3K8Y2ABCDEFGHJKMNP"},
      new String[] {"POST", "/v1/images/img_01HXMQ7Z3K8Y2ABCDEFGHJKMNP/cancel"});

  /** Nodes cache keys and team pins; a change reaches them through PostgreSQL NOTIFY within a second. */
  private static void awaitStatus(ApiClient client, int status) {
    Polling.until(() -> client.post("/v1/images/estimate", BODY).status(), s -> s == status, Duration.ofSeconds(1), "status " + status);
  }

  private static void awaitVersion(ApiClient client, String version) {
    Polling.until(() -> client.get("/v1/images").header("Aurous-Version"), version::equals, Duration.ofSeconds(1), "version " + version);
  }

  private static void assertUnauthorized(ApiClient client) {
    for (String[] route : V1_ROUTES) {
      ApiClient.Response r = client.method(route[0], route[1], route[0].equals("POST") ? BODY.encode() : null);
      assertThat(r.status()).as(route[0] + " " + route[1] + " " + r.body()).isEqualTo(401);
      assertThat(r.json().getJsonObject("error").getString("type")).isEqualTo("authentication_error");
      assertThat(r.errorCode()).isEqualTo("invalid_api_key");
      assertThat(r.header("Aurous-Request-Id")).startsWith("req_");
    }
  }

  @Test
  void missingKeyIs401OnEveryV1Route() {
    assertUnauthorized(node.client(null));
    assertUnauthorized(node.client(""));
  }

  @ParameterizedTest
  @ValueSource(strings = {"al_live_0123456789abcdefghijABCDEFGHIJ0123456789", "al_live_short", "og_unknown", "og_",
      "sk_live_abc", "Bearer al_live_0123456789abcdefghijABCDEFGHIJ0123456789"})
  void unknownKeyIs401(String key) {
    assertUnauthorized(node.client(key));
  }

  @Test
  void veryLongKeyIs401() {
    assertUnauthorized(node.client("al_live_" + "a".repeat(5000)));
  }

  @Test
  void revokedKeyIs401AndOtherKeysOfTheTeamKeepWorking() {
    TestNode.TeamKey team = node.newTeam(10);
    String second = node.teams().createKey(team.team().id()).await().key();
    assertThat(node.client(team.key()).post("/v1/images/estimate", BODY).status()).isEqualTo(200);
    assertThat(node.teams().revoke(team.key()).await()).isTrue();
    awaitStatus(node.client(team.key()), 401);
    assertUnauthorized(node.client(team.key()));
    assertThat(node.client(second).post("/v1/images/estimate", BODY).status()).isEqualTo(200);
    // revoking by key id works too
    var third = node.teams().createKey(team.team().id()).await();
    assertThat(node.teams().revoke(third.keyId()).await()).isTrue();
    awaitStatus(node.client(third.key()), 401);
    assertUnauthorized(node.client(third.key()));
  }

  @Test
  void legacyOgKeysAreAccepted() {
    TestNode.TeamKey team = node.newTeam(10);
    String legacy = "og_" + "Legacy0123456789";
    node.teams().insertKey(team.team().id(), legacy).await();
    ApiClient api = node.client(legacy);
    assertThat(api.post("/v1/images/estimate", BODY).status()).isEqualTo(200);
    ApiClient.Response created = api.post("/v1/images", BODY);
    assertThat(created.status()).isEqualTo(201);
    // the same generation is visible with the team's live key
    assertThat(node.client(team.key()).get("/v1/images/" + created.json().getString("id")).status()).isEqualTo(200);
    // stored as a hash only
    long plain = node.node().pool().preparedQuery("SELECT count(*) FROM api_keys WHERE key_hash = $1 OR key_prefix = $1")
        .execute(Tuple.of(legacy)).await().iterator().next().getLong(0);
    assertThat(plain).isZero();
  }

  @Test
  void requestIdOnEveryResponseIncludingErrors() {
    TestNode.TeamKey team = node.newTeam(10);
    ApiClient api = node.client(team.key());
    ApiClient anon = node.client(null);
    List<ApiClient.Response> responses = List.of(
        anon.get("/healthz"),
        anon.get("/openapi.json"),
        anon.get("/no/such/route"),
        anon.method("PUT", "/healthz", "{}"),
        anon.method("DELETE", "/openapi.json", null),
        api.get("/v1/nothing-here"),
        api.method("DELETE", "/v1/images", null),
        api.method("PUT", "/v1/images/estimate", BODY.encode()),
        api.method("PATCH", "/v1/images/img_01HXMQ7Z3K8Y2ABCDEFGHJKMNP", "{}"),
        api.post("/v1/images/estimate", BODY),
        api.post("/v1/images", BODY),
        api.post("/v1/images", "{"),
        api.get("/v1/images"),
        api.get("/v1/images/img_01HXMQ7Z3K8Y2ABCDEFGHJKMNP"),
        api.get("/v1/images/not-an-id"),
        anon.get("/v1/images"));
    Set<String> ids = new HashSet<>();
    for (ApiClient.Response r : responses) {
      String id = r.header("Aurous-Request-Id");
      assertThat(id).as("status " + r.status() + " " + r.body()).matches("req_[0-9A-HJKMNP-TV-Z]{26}");
      ids.add(id);
      assertThat(r.status()).isLessThan(500);
      if (r.status() >= 400) {
        assertThat(r.json().getJsonObject("error").getString("code")).isNotBlank();
      }
    }
    assertThat(ids).hasSize(responses.size());
    assertThat(responses.get(2).status()).isEqualTo(404);
    assertThat(responses.get(3).status()).isEqualTo(405);
    assertThat(responses.get(5).status()).isEqualTo(404);
    assertThat(responses.get(6).status()).isEqualTo(405);
    assertThat(responses.get(7).status()).isEqualTo(405);
    assertThat(responses.get(8).status()).isEqualTo(405);
  }

  @Test
  void createdGenerationRecordsItsCreationRequestId() {
    ApiClient api = node.client(node.newTeam(10).key());
    ApiClient.Response r = api.post("/v1/images", BODY);
    String requestId = r.header("Aurous-Request-Id");
    assertThat(r.json().getString("creation_request_id")).isEqualTo(requestId);
    ApiClient.Response got = api.get("/v1/images/" + r.json().getString("id"));
    assertThat(got.json().getString("creation_request_id")).isEqualTo(requestId);
    assertThat(got.header("Aurous-Request-Id")).isNotEqualTo(requestId);
  }

  @ParameterizedTest
  @ValueSource(strings = {"2026-5-15", "latest", "20260515", "2026/05/15", "v1", "2026-05-15T00:00:00Z"})
  void malformedVersionIs400(String version) {
    ApiClient api = node.client(node.newTeam(10).key());
    for (String path : List.of("/v1/images/estimate", "/v1/images")) {
      ApiClient.Response r = api.post(path, BODY, "Aurous-Version", version);
      assertThat(r.status()).as(version + ": " + r.body()).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("invalid_version");
      assertThat(r.errorParam()).isEqualTo("Aurous-Version");
    }
    assertThat(api.get("/v1/images").json().getJsonArray("data")).isEmpty();
  }

  @Test
  void twoVersionHeadersAre400EvenWhenBothAreSupported() {
    ApiClient api = node.client(node.newTeam(10).key());
    for (String path : List.of("/v1/images/estimate", "/v1/images")) {
      ApiClient.Response r = api.post(path, BODY, "Aurous-Version", CURRENT, "Aurous-Version", OLD);
      assertThat(r.status()).as(r.body()).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("invalid_version");
      assertThat(r.errorParam()).isEqualTo("Aurous-Version");
    }
    assertThat(api.get("/v1/images").json().getJsonArray("data")).isEmpty();
  }

  @Test
  void twoApiKeyHeadersAre401OnEveryV1RouteEvenWhenBothAreValid() {
    TestNode.TeamKey team = node.newTeam(10);
    TestNode.TeamKey other = node.newTeam(10);
    ApiClient api = node.client(team.key());
    for (String second : List.of(team.key(), other.key(), "al_live_" + "x".repeat(32))) {
      for (String[] route : V1_ROUTES) {
        ApiClient.Response r = api.method(route[0], route[1], route[0].equals("POST") ? BODY.encode() : null, "X-Api-Key", second);
        assertThat(r.status()).as(route[0] + " " + route[1] + " " + r.body()).isEqualTo(401);
        assertThat(r.errorCode()).isEqualTo("invalid_api_key");
        assertThat(r.header("Aurous-Request-Id")).startsWith("req_");
      }
    }
    assertThat(api.get("/v1/images").json().getJsonArray("data")).isEmpty();
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(10L);
  }

  @ParameterizedTest
  @ValueSource(strings = {"2025-01-01", "2026-05-16", "9999-99-99"})
  void unknownVersionIs400ListingTheSupportedOnes(String version) {
    ApiClient api = node.client(node.newTeam(10).key());
    ApiClient.Response r = api.post("/v1/images", BODY, "Aurous-Version", version);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.errorCode()).isEqualTo("unsupported_version");
    assertThat(r.json().getJsonObject("error").getString("message")).contains(OLD).contains(CURRENT).contains(version);
    assertThat(api.get("/v1/images").json().getJsonArray("data")).isEmpty();
  }

  @Test
  void versionDefaultsToSystemDefaultThenTeamPinAndHeaderWins() {
    TestNode.TeamKey team = node.newTeam(10);
    ApiClient api = node.client(team.key());
    ApiClient.Response plain = api.post("/v1/images", BODY);
    assertThat(plain.json().getString("aurous_version")).isEqualTo(CURRENT);
    assertThat(plain.header("Aurous-Version")).isEqualTo(CURRENT);

    ApiClient.Response explicit = api.post("/v1/images", BODY, "Aurous-Version", OLD);
    assertThat(explicit.json().getString("aurous_version")).isEqualTo(OLD);
    assertThat(explicit.header("Aurous-Version")).isEqualTo(OLD);

    node.teams().pinVersion(team.team().id(), OLD).await();
    awaitVersion(api, OLD);
    ApiClient.Response pinned = api.post("/v1/images", BODY);
    assertThat(pinned.json().getString("aurous_version")).isEqualTo(OLD);
    ApiClient.Response overridden = api.post("/v1/images", BODY, "Aurous-Version", CURRENT);
    assertThat(overridden.json().getString("aurous_version")).isEqualTo(CURRENT);

    // the version a generation was minted under is frozen: reading it under another version changes nothing
    ApiClient.Response read = api.get("/v1/images/" + pinned.json().getString("id"), "Aurous-Version", CURRENT);
    assertThat(read.json().getString("aurous_version")).isEqualTo(OLD);
    assertThat(api.get("/v1/images/" + overridden.json().getString("id")).json().getString("aurous_version")).isEqualTo(CURRENT);

    // a pin the server no longer supports falls back to the system default instead of failing
    node.teams().pinVersion(team.team().id(), "2020-01-01").await();
    awaitVersion(api, CURRENT);
    assertThat(api.post("/v1/images", BODY).json().getString("aurous_version")).isEqualTo(CURRENT);
  }
}
