package com.aurous.server.engine;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Pending generations become images through the real engine, HTTP in, PNG out. */
class GenerationLifecycleTest {
  static TestNode node;
  static TestNode.TeamKey team;
  static ApiClient api;

  @BeforeAll
  static void start() {
    node = TestNode.startWithEngine(new JsonObject().put("max_batch_size", 4).put("max_running_per_worker", 8),
        new JsonObject().put("outputs", new JsonObject().put("reaper_interval_s", 1)));
    team = node.newTeam(10_000);
    api = node.client(team.key());
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static JsonObject create(JsonObject body) {
    ApiClient.Response r = api.post("/v1/images", body);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  static JsonObject awaitStatus(String id, String... statuses) {
    return Polling.until(() -> api.get("/v1/images/" + id).json(),
        g -> java.util.Arrays.asList(statuses).contains(g.getString("status")), Duration.ofSeconds(90), id + " to reach " + String.join("/", statuses));
  }

  static BufferedImage fetchPng(String url) throws Exception {
    ApiClient.Response r = new ApiClient("", null).get(url);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).isEqualTo("image/png");
    return ImageIO.read(new ByteArrayInputStream(r.bytes()));
  }

  @Test
  void createdGenerationSucceedsWithPngsOfTheRequestedSizeAndIsChargedOnce() throws Exception {
    JsonObject g = create(new JsonObject().put("prompt", "a harbour at night").put("width", 1100).put("height", 1030).put("count", 2));
    JsonObject done = awaitStatus(g.getString("id"), "succeeded", "failed");
    assertThat(done.getString("status")).isEqualTo("succeeded");
    assertThat(done.getString("completed_at")).isNotNull();
    assertThat(done.getLong("duration_ms")).isNotNull().isGreaterThanOrEqualTo(0L);
    JsonArray urls = done.getJsonArray("output_urls");
    assertThat(urls).hasSize(2);
    for (Object u : urls) {
      BufferedImage img = fetchPng((String) u);
      assertThat(img.getWidth()).isEqualTo(1088);
      assertThat(img.getHeight()).isEqualTo(1024);
    }
    long cost = g.getJsonObject("cost").getLong("amount");
    var rows = node.node().pool().preparedQuery("SELECT kind, amount FROM credit_ledger WHERE generation_id = $1 ORDER BY id")
        .execute(io.vertx.sqlclient.Tuple.of(g.getString("id"))).await();
    assertThat(rows.size()).isEqualTo(2);
    var it = rows.iterator();
    assertThat(it.next().getLong("amount")).isEqualTo(-cost);
    assertThat(it.next().getString("kind")).isEqualTo("commit");
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(node.teams().ledgerSum(team.team().id()).await());
  }

  @Test
  void presetSizesAreHonouredInTheOutput() throws Exception {
    JsonObject g = create(new JsonObject().put("prompt", "wide").put("size", "2k_21_9").put("steps", 2));
    JsonObject done = awaitStatus(g.getString("id"), "succeeded");
    BufferedImage img = fetchPng(done.getJsonArray("output_urls").getString(0));
    assertThat(img.getWidth()).isEqualTo(2048);
    assertThat(img.getHeight()).isEqualTo(864);
  }

  @Test
  void outputLinksRefuseAlteredTokensWithoutNeedingAnApiKey() {
    JsonObject g = create(new JsonObject().put("prompt", "links").put("steps", 2));
    String url = awaitStatus(g.getString("id"), "succeeded").getJsonArray("output_urls").getString(0);
    ApiClient anonymous = new ApiClient("", null);
    assertThat(anonymous.get(url).status()).isEqualTo(200);
    assertThat(anonymous.get(url.replace("token=", "token=1")).status()).isEqualTo(403);
    assertThat(anonymous.get(url.substring(0, url.length() - 2) + "AA").status()).isEqualTo(403);
    assertThat(anonymous.get(url.replace("/output/0", "/output/1")).status()).isEqualTo(403);
    assertThat(anonymous.get(url.substring(0, url.indexOf('?'))).status()).isEqualTo(403);
  }

  @Test
  void expiredOutputsAnswer410AndTheReaperDeletesTheirBytes() throws Exception {
    JsonObject g = create(new JsonObject().put("prompt", "short lived").put("steps", 2));
    String id = g.getString("id");
    String url = awaitStatus(id, "succeeded").getJsonArray("output_urls").getString(0);
    var pool = node.node().pool();
    // A link whose own expiry has passed, signed with the node's real key: 410, not 403.
    byte[] secret = pool.query("SELECT value FROM server_secrets WHERE name = 'output_signing'").execute().await()
        .iterator().next().getBuffer(0).getBytes();
    String expiredToken = new com.aurous.server.output.OutputSigner(secret).token(id, 0, System.currentTimeMillis() / 1000 - 5);
    ApiClient anonymous = new ApiClient("", null);
    assertThat(anonymous.get(url.substring(0, url.indexOf("token=") + 6) + expiredToken).status()).isEqualTo(410);
    // Bytes past their TTL: 410 as well, and the reaper removes them.
    pool.preparedQuery("UPDATE generation_outputs SET expires_at = now() - interval '1 second' WHERE generation_id = $1")
        .execute(io.vertx.sqlclient.Tuple.of(id)).await();
    assertThat(anonymous.get(url).status()).isEqualTo(410);
    Polling.until(() -> pool.preparedQuery("SELECT count(*) FROM generation_outputs WHERE generation_id = $1")
        .execute(io.vertx.sqlclient.Tuple.of(id)).await().iterator().next().getLong(0), n -> n == 0, Duration.ofSeconds(10), "reaper");
  }

  @Test
  void sameSeedGivesTheSamePixelsAloneOrBatchedWithOthers() throws Exception {
    JsonObject body = new JsonObject().put("prompt", "a quiet forest").put("seed", 1234).put("steps", 6).put("width", 1024).put("height", 1024);
    String alone = awaitStatus(create(body).getString("id"), "succeeded").getJsonArray("output_urls").getString(0);
    // The same request again, this time arriving together with others of the same bucket.
    String[] others = new String[3];
    JsonObject again = create(body);
    for (int i = 0; i < others.length; i++) {
      others[i] = create(new JsonObject().put("prompt", "noise " + i).put("seed", i).put("steps", 6)).getString("id");
    }
    String batched = awaitStatus(again.getString("id"), "succeeded").getJsonArray("output_urls").getString(0);
    for (String o : others) {
      awaitStatus(o, "succeeded");
    }
    assertThat(maxPixelDifference(fetchPng(alone), fetchPng(batched))).isLessThanOrEqualTo(1);
    // count > 1 uses seed + i for image i: image 1 of seed 1234 is image 0 of seed 1235.
    JsonObject two = create(body.copy().put("count", 2));
    JsonObject next = create(body.copy().put("seed", 1235));
    String second = awaitStatus(two.getString("id"), "succeeded").getJsonArray("output_urls").getString(1);
    String single = awaitStatus(next.getString("id"), "succeeded").getJsonArray("output_urls").getString(0);
    assertThat(maxPixelDifference(fetchPng(second), fetchPng(single))).isLessThanOrEqualTo(1);
    assertThat(maxPixelDifference(fetchPng(alone), fetchPng(single))).isGreaterThan(1);
  }

  static int maxPixelDifference(BufferedImage a, BufferedImage b) {
    assertThat(a.getWidth()).isEqualTo(b.getWidth());
    int max = 0;
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        int p = a.getRGB(x, y);
        int q = b.getRGB(x, y);
        for (int shift = 0; shift <= 16; shift += 8) {
          max = Math.max(max, Math.abs(((p >> shift) & 0xff) - ((q >> shift) & 0xff)));
        }
      }
    }
    return max;
  }

  @Test
  void cancelStopsARunningGenerationAndReleasesItsCredits() {
    long before = node.teams().balance(team.team().id()).await();
    JsonObject g = create(new JsonObject().put("prompt", "a long one").put("steps", 100).put("size", "4k_1_1"));
    String id = g.getString("id");
    awaitStatus(id, "processing");
    ApiClient.Response r = api.post("/v1/images/" + id + "/cancel", "");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("status")).isEqualTo("cancelled");
    // It stays cancelled: the worker drops it at the next step boundary instead of completing it.
    JsonObject after = Polling.until(() -> api.get("/v1/images/" + id).json(), x -> true, Duration.ofSeconds(1), "read");
    assertThat(after.getString("status")).isEqualTo("cancelled");
    assertThat(after.getValue("output_urls")).isNull();
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(before);
    // The worker is free again: a new generation completes.
    JsonObject next = create(new JsonObject().put("prompt", "after cancel").put("steps", 2));
    assertThat(awaitStatus(next.getString("id"), "succeeded", "failed").getString("status")).isEqualTo("succeeded");
    assertThat(api.get("/v1/images/" + id).json().getString("status")).isEqualTo("cancelled");
  }
}
