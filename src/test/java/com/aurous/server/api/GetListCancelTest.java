package com.aurous.server.api;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /v1/images/{id}, GET /v1/images (cursor pages), POST /v1/images/{id}/cancel; team isolation. */
class GetListCancelTest {
  static TestNode node;
  static TestNode.TeamKey owner;
  static TestNode.TeamKey stranger;
  static ApiClient api;
  static final List<String> created = new ArrayList<>();

  /** Every field the create page lists for a generation. */
  static final Set<String> CREATE_PAGE_FIELDS = Set.of("id", "status", "prompt", "created_at", "media_type", "negative_prompt",
      "output_urls", "output_video_url", "reference_image_urls", "error_message", "duration_ms", "cost", "width", "height",
      "image_count", "size_preset", "inference_type", "seed", "video_duration", "video_resolution", "video_ratio",
      "video_camera_fixed", "character_id", "bundle_name", "loras", "aurous_version", "creation_request_id", "completed_at");

  @BeforeAll
  static void start() {
    node = TestNode.start();
    owner = node.newTeam(1000);
    stranger = node.newTeam(1000);
    api = node.client(owner.key());
    for (int i = 0; i < 7; i++) {
      created.add(api.post("/v1/images", new JsonObject().put("prompt", "picture " + i)).json().getString("id"));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  @Test
  void getReturnsEveryFieldOfTheCreatePage() {
    ApiClient.Response r = api.get("/v1/images/" + created.get(0));
    assertThat(r.status()).isEqualTo(200);
    JsonObject g = r.json();
    assertThat(g.fieldNames()).containsAll(CREATE_PAGE_FIELDS);
    assertThat(g.getString("media_type")).isEqualTo("image");
    assertThat(g.getValue("output_urls")).isNull();
    assertThat(g.getValue("output_video_url")).isNull();
    assertThat(g.getValue("video_duration")).isNull();
    assertThat(g.getValue("completed_at")).isNull();
    assertThat(g.getValue("loras")).isNull();
    assertThat(g.getValue("bundle_name")).isNull();
    assertThat(Instant.parse(g.getString("created_at"))).isBefore(Instant.now().plusSeconds(5));
    assertThat(g.getJsonObject("cost")).isEqualTo(new JsonObject().put("amount", 1).put("currency", "credit")
        .put("breakdown", new JsonObject().put("base", 1)));
  }

  @Test
  void aCancelIsSeenByTheNextReadAndATerminalGenerationReadAgainIsTheSameAndStaysPrivate() {
    String id = api.post("/v1/images", new JsonObject().put("prompt", "read me often")).json().getString("id");
    assertThat(api.get("/v1/images/" + id).json().getString("status")).isEqualTo("pending");
    assertThat(api.get("/v1/images/" + id).json().getString("status")).isEqualTo("pending");
    assertThat(api.post("/v1/images/" + id + "/cancel", "").status()).isEqualTo(200);

    // The pending view this node holds is dropped by the cancel before its answer: the next read sees it.
    ApiClient.Response first = api.get("/v1/images/" + id);
    assertThat(first.json().getString("status")).isEqualTo("cancelled");
    ApiClient.Response again = api.get("/v1/images/" + id);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json()).isEqualTo(first.json());
    assertThat(again.header("Content-Type")).isEqualTo("application/json");
    assertThat(again.header("Aurous-Request-Id")).isNotEqualTo(first.header("Aurous-Request-Id"));

    ApiClient other = node.client(stranger.key());
    ApiClient.Response foreign = other.get("/v1/images/" + id);
    ApiClient.Response missing = other.get("/v1/images/img_01HXMQ7Z3K8Y2ABCDEFGHJKMNP");
    assertThat(foreign.status()).isEqualTo(404);
    assertThat(foreign.errorCode()).isEqualTo(missing.errorCode());
    assertThat(foreign.body()).doesNotContain("read me often");
    assertThat(api.get("/v1/images/" + id).json().getString("status")).isEqualTo("cancelled");
  }

  @Test
  void otherTeamsGenerationIs404OnGetAndCancelExactlyLikeAMissingOne() {
    ApiClient other = node.client(stranger.key());
    String id = created.get(1);
    ApiClient.Response get = other.get("/v1/images/" + id);
    ApiClient.Response missing = other.get("/v1/images/img_01HXMQ7Z3K8Y2ABCDEFGHJKMNP");
    assertThat(get.status()).isEqualTo(404);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(get.errorCode()).isEqualTo(missing.errorCode());
    ApiClient.Response cancel = other.post("/v1/images/" + id + "/cancel", "");
    assertThat(cancel.status()).isEqualTo(404);
    assertThat(api.get("/v1/images/" + id).json().getString("status")).isEqualTo("pending");
    assertThat(other.get("/v1/images").json().getJsonArray("data")).isEmpty();
    // nor does the stranger's cursor reveal anything
    assertThat(other.get("/v1/images?starting_after=" + created.get(6)).json().getJsonArray("data")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"nope", "img_", "img_123", "IMG_01HXMQ7Z3K8Y2ABCDEFGHJKMNP", "vid_01HXMQ7Z3K8Y2ABCDEFGHJKMNP",
      "img_01HXMQ7Z3K8Y2ABCDEFGHJKMNP%00", "%E2%98%83"})
  void malformedIdsAre404(String id) {
    assertThat(api.get("/v1/images/" + id).status()).isEqualTo(404);
    assertThat(api.post("/v1/images/" + id + "/cancel", "").status()).isEqualTo(404);
  }

  @Test
  void listIsNewestFirstWithCursorPagination() {
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    while (true) {
      ApiClient.Response r = api.get("/v1/images?limit=3" + (cursor == null ? "" : "&starting_after=" + cursor));
      assertThat(r.status()).isEqualTo(200);
      JsonObject page = r.json();
      assertThat(page.getString("object")).isEqualTo("list");
      JsonArray data = page.getJsonArray("data");
      pages++;
      for (int i = 0; i < data.size(); i++) {
        seen.add(data.getJsonObject(i).getString("id"));
      }
      if (!page.getBoolean("has_more")) {
        assertThat(page.getValue("next_cursor")).isNull();
        break;
      }
      cursor = page.getString("next_cursor");
      assertThat(cursor).isEqualTo(data.getJsonObject(data.size() - 1).getString("id"));
    }
    // ids are ULIDs, so newest first is descending id order; other tests may have added rows
    List<String> sorted = new ArrayList<>(seen);
    sorted.sort(java.util.Comparator.reverseOrder());
    assertThat(seen).doesNotHaveDuplicates().containsExactlyElementsOf(sorted).containsAll(created);
    List<String> createdSeen = new ArrayList<>(seen);
    createdSeen.retainAll(created);
    List<String> newestFirst = new ArrayList<>(created);
    java.util.Collections.reverse(newestFirst);
    assertThat(createdSeen).containsExactlyElementsOf(newestFirst);
    assertThat(pages).isEqualTo((seen.size() + 2) / 3);
    // default page holds them all
    ApiClient.Response all = api.get("/v1/images");
    assertThat(all.json().getBoolean("has_more")).isFalse();
    assertThat(all.json().getJsonArray("data").getJsonObject(0).getString("id")).isEqualTo(seen.get(0));
    // exactly-full page: has_more false
    ApiClient.Response exact = api.get("/v1/images?limit=" + seen.size());
    assertThat(exact.json().getBoolean("has_more")).isFalse();
    assertThat(exact.json().getValue("next_cursor")).isNull();
  }

  @Test
  void aQueryParameterOnARouteThatTakesNoneIs400NamingItAndChangesNothing() {
    String id = created.get(1);
    ApiClient.Response get = api.get("/v1/images/" + id + "?expand=cost");
    assertThat(get.status()).as(get.body()).isEqualTo(400);
    assertThat(get.json().getJsonObject("error").getString("code")).isEqualTo("unknown_parameter");
    assertThat(get.json().getJsonObject("error").getString("param")).isEqualTo("expand");
    ApiClient.Response cancel = api.post("/v1/images/" + id + "/cancel?force=true", new JsonObject());
    assertThat(cancel.status()).as(cancel.body()).isEqualTo(400);
    assertThat(api.get("/v1/images/" + id).json().getString("status")).isEqualTo("pending");
    ApiClient.Response estimate = api.post("/v1/images/estimate?dry_run=1", new JsonObject().put("prompt", "x"));
    assertThat(estimate.status()).as(estimate.body()).isEqualTo(400);
    assertThat(estimate.json().getJsonObject("error").getString("param")).isEqualTo("dry_run");
    int before = api.get("/v1/images?limit=100").json().getJsonArray("data").size();
    ApiClient.Response create = api.post("/v1/images?wait=1", new JsonObject().put("prompt", "y"));
    assertThat(create.status()).as(create.body()).isEqualTo(400);
    assertThat(api.get("/v1/images?limit=100").json().getJsonArray("data").size()).isEqualTo(before);
    // An empty query string is no parameter.
    assertThat(api.get("/v1/images/" + id + "?").status()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"limit=0", "limit=101", "limit=-1", "limit=abc", "limit=", "limit=1.5", "limit=99999999999",
      "starting_after=bogus", "starting_after=", "cursor=abc", "page=2", "limit=1&limit=2", "limit=5&limit=5",
      "starting_after=img_a&starting_after=img_b"})
  void badListParametersAre400(String query) {
    ApiClient.Response r = api.get("/v1/images?" + query);
    assertThat(r.status()).as(query + ": " + r.body()).isEqualTo(400);
    assertThat(r.json().getJsonObject("error").getString("param")).isNotBlank();
  }

  @Test
  void cancelMakesItCancelledWithCompletedAtAndTheSecondCancelIs409() {
    String id = api.post("/v1/images", new JsonObject().put("prompt", "to cancel")).json().getString("id");
    ApiClient.Response r = api.post("/v1/images/" + id + "/cancel", "");
    assertThat(r.status()).isEqualTo(200);
    JsonObject g = r.json();
    assertThat(g.getString("id")).isEqualTo(id);
    assertThat(g.getString("status")).isEqualTo("cancelled");
    assertThat(g.getString("completed_at")).isNotNull();
    assertThat(Instant.parse(g.getString("completed_at"))).isAfterOrEqualTo(Instant.parse(g.getString("created_at")));
    assertThat(g.getLong("duration_ms")).isNotNull().isGreaterThanOrEqualTo(0L);
    assertThat(api.get("/v1/images/" + id).json().getString("status")).isEqualTo("cancelled");
    ApiClient.Response again = api.post("/v1/images/" + id + "/cancel", "");
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.json().getJsonObject("error").getString("type")).isEqualTo("invalid_request");
    assertThat(again.errorCode()).isNotBlank();
  }

  @Test
  void aCancelWhoseBodyIsMalformedOrCarriesFieldsIs400AndLeavesTheGenerationPending() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient own = node.client(team.key());
    String id = own.post("/v1/images", new JsonObject().put("prompt", "keep me")).json().getString("id");
    String[][] cases = {{"{", "malformed_json"}, {"[]", "malformed_json"}, {"null", "malformed_json"}, {"\"now\"", "malformed_json"},
        {"{\"reason\":\"x\"}", "unknown_field"}, {"{\"a\":1,\"a\":2}", "malformed_json"}};
    for (String[] c : cases) {
      ApiClient.Response r = own.post("/v1/images/" + id + "/cancel", c[0]);
      assertThat(r.status()).as(c[0] + ": " + r.body()).isEqualTo(400);
      assertThat(r.errorCode()).as(c[0]).isEqualTo(c[1]);
      assertThat(r.header("Aurous-Request-Id")).startsWith("req_");
    }
    assertThat(own.get("/v1/images/" + id).json().getString("status")).isEqualTo("pending");
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(99L);
    // No body, or an empty object, cancels.
    ApiClient.Response ok = own.post("/v1/images/" + id + "/cancel", "{}");
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    assertThat(ok.json().getString("status")).isEqualTo("cancelled");
  }

  @Test
  void cancelOfAProcessingGenerationWorksAndOfOtherTerminalStatesIs409() {
    String processing = api.post("/v1/images", new JsonObject().put("prompt", "running")).json().getString("id");
    String succeeded = api.post("/v1/images", new JsonObject().put("prompt", "done")).json().getString("id");
    String failed = api.post("/v1/images", new JsonObject().put("prompt", "broken")).json().getString("id");
    var pool = node.node().pool();
    pool.preparedQuery("UPDATE generations SET status = 'processing' WHERE id = $1").execute(io.vertx.sqlclient.Tuple.of(processing)).await();
    pool.preparedQuery("UPDATE generations SET status = 'succeeded', completed_at = now() WHERE id = $1")
        .execute(io.vertx.sqlclient.Tuple.of(succeeded)).await();
    pool.preparedQuery("UPDATE generations SET status = 'failed', completed_at = now(), error_message = 'x' WHERE id = $1")
        .execute(io.vertx.sqlclient.Tuple.of(failed)).await();
    assertThat(api.post("/v1/images/" + processing + "/cancel", "").json().getString("status")).isEqualTo("cancelled");
    assertThat(api.post("/v1/images/" + succeeded + "/cancel", "").status()).isEqualTo(409);
    assertThat(api.post("/v1/images/" + failed + "/cancel", "").status()).isEqualTo(409);
    // Written behind the server's back, unannounced: the node's pending view of it lasts at most
    // api.view_cache_open_ttl_ms, then the read goes to PostgreSQL again.
    assertThat(Polling.until(() -> api.get("/v1/images/" + failed).json(), g -> "failed".equals(g.getString("status")),
        Duration.ofSeconds(10), "the unannounced change").getString("error_message")).isEqualTo("x");
  }
}
