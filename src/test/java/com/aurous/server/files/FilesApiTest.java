package com.aurous.server.files;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Multipart;
import com.aurous.server.testing.Pictures;
import com.aurous.server.testing.RawHttp;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** POST/GET/DELETE /v1/files and file_ references at estimate and create, over real HTTP and PostgreSQL. */
class FilesApiTest {
  static final int MAX_BYTES = 300_000;
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("files", new JsonObject().put("max_bytes", MAX_BYTES).put("max_pixels", 4_200_000)));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static long storedFiles(TestNode.TeamKey team) {
    return node.node().pool().preparedQuery("SELECT count(*) AS n FROM files WHERE team_id = $1")
        .execute(Tuple.of(team.team().id())).await().iterator().next().getLong("n");
  }

  static ApiClient.Response upload(TestNode.TeamKey team, String type, byte[] data) {
    return Multipart.upload(node.baseUrl(), team.key(), type, data);
  }

  static String uploaded(TestNode.TeamKey team, byte[] data) {
    ApiClient.Response r = upload(team, "image/png", data);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("id");
  }

  @Test
  void aPngUploadIsStoredDecodedAndDescribed() {
    TestNode.TeamKey team = node.newTeam(100);
    byte[] png = Pictures.png(40, 30);
    ApiClient.Response r = upload(team, "application/octet-stream", png);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    JsonObject f = r.json();
    assertThat(f.getString("id")).startsWith("file_");
    assertThat(f.getString("object")).isEqualTo("file");
    assertThat(f.getString("mime_type")).isEqualTo("image/png");
    assertThat(f.getInteger("bytes")).isEqualTo(png.length);
    assertThat(f.getInteger("width")).isEqualTo(40);
    assertThat(f.getInteger("height")).isEqualTo(30);
    assertThat(java.time.Instant.parse(f.getString("expires_at")))
        .isAfter(java.time.Instant.parse(f.getString("created_at")).plusSeconds(86_000));
    ApiClient.Response got = node.client(team.key()).get("/v1/files/" + f.getString("id"));
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.json()).isEqualTo(f);
    byte[] stored = node.node().pool().preparedQuery("SELECT content FROM files WHERE id = $1")
        .execute(Tuple.of(f.getString("id"))).await().iterator().next().getBuffer("content").getBytes();
    assertThat(stored).isEqualTo(png);
  }

  @Test
  void jpegAndWebpUploadsAreAcceptedByTheirContentNotTheirDeclaredType() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient.Response jpeg = upload(team, "image/png", Pictures.jpeg(64, 48));
    assertThat(jpeg.status()).as(jpeg.body()).isEqualTo(201);
    assertThat(jpeg.json().getString("mime_type")).isEqualTo("image/jpeg");
    for (boolean lossy : new boolean[] {false, true}) {
      ApiClient.Response webp = upload(team, "image/jpeg", Pictures.webp(lossy));
      assertThat(webp.status()).as(webp.body()).isEqualTo(201);
      assertThat(webp.json().getString("mime_type")).isEqualTo("image/webp");
      assertThat(webp.json().getInteger("width")).isEqualTo(48);
      assertThat(webp.json().getInteger("height")).isEqualTo(32);
    }
  }

  @Test
  void truncatedImagesAreRefusedAndNothingIsStored() {
    TestNode.TeamKey team = node.newTeam(100);
    for (byte[] broken : List.of(Pictures.truncated(Pictures.png(200, 150)), Pictures.truncated(Pictures.jpeg(200, 150)),
        Pictures.truncated(Pictures.webp(true)))) {
      ApiClient.Response r = upload(team, "image/png", broken);
      assertThat(r.status()).as(r.body()).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("invalid_image");
      assertThat(r.header("Aurous-Request-Id")).isNotBlank();
    }
    assertThat(storedFiles(team)).isZero();
  }

  @Test
  void aFileOfAnotherTypeIsRefusedWhateverItsContentTypeSays() {
    TestNode.TeamKey team = node.newTeam(100);
    byte[] gif = "GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000;".getBytes(StandardCharsets.ISO_8859_1);
    for (byte[] data : List.of(gif, "<html>not a picture</html>".getBytes(StandardCharsets.UTF_8), Pictures.encode(
        Pictures.gradient(8, 8), "bmp"))) {
      ApiClient.Response r = upload(team, "image/png", data);
      assertThat(r.status()).as(r.body()).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("unsupported_file_type");
    }
    ApiClient.Response empty = upload(team, "image/png", new byte[0]);
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.errorCode()).isEqualTo("empty_file");
    assertThat(storedFiles(team)).isZero();
  }

  @Test
  void aDecompressionBombIsRefusedFromItsHeaderAndNothingIsStored() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient.Response r = upload(team, "image/png", Pictures.bombPng(60_000, 60_000));
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.errorCode()).isEqualTo("image_too_large");
    assertThat(r.json().getJsonObject("error").getString("message")).contains("60000x60000");
    assertThat(storedFiles(team)).isZero();
  }

  @Test
  void anOversizedUploadIs413AndNothingIsStored() {
    TestNode.TeamKey team = node.newTeam(100);
    byte[] big = new byte[MAX_BYTES + 1];
    byte[] png = Pictures.png(16, 16);
    System.arraycopy(png, 0, big, 0, png.length);
    ApiClient.Response r = upload(team, "image/png", big);
    assertThat(r.status()).as(r.body()).isEqualTo(413);
    assertThat(r.errorCode()).isEqualTo("file_too_large");
    assertThat(storedFiles(team)).isZero();
  }

  @Test
  void aChunkedUploadIsCutOffAtTheLimitWithout413ReadingTheRest() {
    TestNode.TeamKey team = node.newTeam(100);
    byte[] body = Multipart.body("file", "big.png", "image/png", new byte[MAX_BYTES * 3]);
    StringBuilder head = new StringBuilder("POST /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: " + team.key()
        + "\r\nContent-Type: multipart/form-data; boundary=" + Multipart.BOUNDARY + "\r\nTransfer-Encoding: chunked\r\n\r\n");
    java.io.ByteArrayOutputStream req = new java.io.ByteArrayOutputStream();
    req.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    for (int at = 0; at < body.length; at += 16_384) {
      int n = Math.min(16_384, body.length - at);
      req.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      req.write(body, at, n);
      req.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
    req.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    try (RawHttp raw = new RawHttp(node.node().port(), 20_000)) {
      RawHttp.Response r = raw.exchange(req.toByteArray(), false, false);
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.error().getString("code")).isEqualTo("file_too_large");
      assertThat(r.header("connection")).isEqualToIgnoringCase("close");
    }
    assertThat(storedFiles(team)).isZero();
  }

  @Test
  void aBrokenOrSecondFilePartEndsTheConnectionWithThe400InsteadOfReadingTheRestOfTheBody() {
    TestNode.TeamKey team = node.newTeam(100);
    byte[] twoFiles = (new String(Multipart.body("file", "a.png", "image/png", Pictures.png(4, 4)), StandardCharsets.ISO_8859_1)
        .replace("--" + Multipart.BOUNDARY + "--", "")
        + new String(Multipart.body("file", "b.png", "image/png", Pictures.png(4, 4)), StandardCharsets.ISO_8859_1))
        .getBytes(StandardCharsets.ISO_8859_1);
    byte[] garbage = "this is no multipart body\r\n".repeat(100).getBytes(StandardCharsets.ISO_8859_1);
    for (byte[] start : List.of(twoFiles, garbage)) {
      // The body announces far more than is sent: a server that kept reading would wait for it.
      String head = "POST /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: " + team.key()
          + "\r\nContent-Type: multipart/form-data; boundary=" + Multipart.BOUNDARY
          + "\r\nContent-Length: " + (MAX_BYTES / 2) + "\r\n\r\n";
      java.io.ByteArrayOutputStream req = new java.io.ByteArrayOutputStream();
      req.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
      req.writeBytes(start);
      try (RawHttp raw = new RawHttp(node.node().port(), 10_000)) {
        RawHttp.Response r = raw.exchange(req.toByteArray(), false, false);
        assertThat(r.status()).as(r.text()).isEqualTo(400);
        assertThat(r.error().getString("code")).isIn("unexpected_file_part", "malformed_request");
        assertThat(r.header("Aurous-Request-Id")).startsWith("req_");
        assertThat(r.header("connection")).isEqualToIgnoringCase("close");
      }
    }
    assertThat(storedFiles(team)).isZero();
  }

  @Test
  void aBurstOfOversizedAndBombUploadsStoresNothingAndTheServerStillAnswers() throws Exception {
    TestNode.TeamKey team = node.newTeam(100);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<ApiClient.Response>> answers = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        byte[] data = i % 2 == 0 ? new byte[MAX_BYTES + 10] : Pictures.bombPng(30_000, 30_000);
        answers.add(pool.submit(() -> upload(team, "image/png", data)));
      }
      for (Future<ApiClient.Response> a : answers) {
        assertThat(a.get().status()).isIn(400, 413);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(storedFiles(team)).isZero();
    assertThat(upload(team, "image/png", Pictures.png(10, 10)).status()).isEqualTo(201);
  }

  @Test
  void anUploadWithoutAFilePartOrAsJsonIsAClear4xx() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient.Response json = node.client(team.key()).post("/v1/files", "{\"file\":\"x\"}");
    assertThat(json.status()).isEqualTo(415);
    assertThat(json.errorCode()).isEqualTo("unsupported_media_type");
    ApiClient.Response otherField = Multipart.post(node.baseUrl(), team.key(), "multipart/form-data; boundary=" + Multipart.BOUNDARY,
        Multipart.body("picture", "a.png", "image/png", Pictures.png(4, 4)));
    assertThat(otherField.status()).as(otherField.body()).isEqualTo(400);
    ApiClient.Response broken = Multipart.post(node.baseUrl(), team.key(), "multipart/form-data; boundary=" + Multipart.BOUNDARY,
        "--nonsense".getBytes(StandardCharsets.UTF_8));
    assertThat(broken.status()).as(broken.body()).isEqualTo(400);
    // Multipart is accepted on POST /v1/files only.
    ApiClient.Response images = Multipart.post(node.baseUrl(), "/v1/images/estimate", team.key(),
        "multipart/form-data; boundary=" + Multipart.BOUNDARY, Multipart.body("file", "a.png", "image/png", Pictures.png(4, 4)));
    assertThat(images.status()).isEqualTo(415);
    ApiClient.Response anonymous = Multipart.upload(node.baseUrl(), "sk_wrong", "image/png", Pictures.png(4, 4));
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(storedFiles(team)).isZero();
  }

  @Test
  void anotherTeamsFileIsNotFoundEverywhere() {
    TestNode.TeamKey owner = node.newTeam(100);
    TestNode.TeamKey other = node.newTeam(100);
    String id = uploaded(owner, Pictures.png(20, 20));
    ApiClient theirs = node.client(other.key());
    assertThat(theirs.get("/v1/files/" + id).status()).isEqualTo(404);
    assertThat(theirs.method("DELETE", "/v1/files/" + id, null).status()).isEqualTo(404);
    assertThat(theirs.get("/v1/files").json().getJsonArray("data")).isEmpty();
    ApiClient.Response est = theirs.post("/v1/images/estimate", new JsonObject().put("prompt", "x")
        .put("reference_image_urls", new JsonArray().add(id)));
    assertThat(est.status()).isEqualTo(404);
    assertThat(est.errorParam()).isEqualTo("reference_image_urls[0]");
    ApiClient.Response unknown = theirs.get("/v1/files/file_01HXMQ7Z3K8Y2NABCDEFGHJKMN");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().getJsonObject("error").getString("message"))
        .isEqualTo(theirs.get("/v1/files/" + id).json().getJsonObject("error").getString("message").replace(id,
            "file_01HXMQ7Z3K8Y2NABCDEFGHJKMN"));
    assertThat(node.client(owner.key()).get("/v1/files/" + id).status()).isEqualTo(200);
  }

  @Test
  void anOwnLiveFileIsAReferenceAtEstimateAndCreateAndIsPricedAsOne() {
    TestNode.TeamKey team = node.newTeam(100);
    String id = uploaded(team, Pictures.png(20, 20));
    ApiClient c = node.client(team.key());
    JsonObject body = new JsonObject().put("prompt", "a cat").put("reference_image_urls",
        new JsonArray().add(id).add("https://example.com/ref.png"));
    ApiClient.Response est = c.post("/v1/images/estimate", body);
    assertThat(est.status()).as(est.body()).isEqualTo(200);
    assertThat(est.json().getJsonObject("estimated_cost").getJsonObject("breakdown").getLong("references")).isEqualTo(2);
    ApiClient.Response created = c.post("/v1/images", body);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    JsonObject g = created.json();
    assertThat(g.getJsonArray("reference_image_urls")).isEqualTo(new JsonArray().add(id).add("https://example.com/ref.png"));
    assertThat(g.getString("inference_type")).isEqualTo("i2i");
    assertThat(g.getDouble("denoise_strength")).isEqualTo(0.6);
    // The pending generation holds its file: it cannot be deleted from under it.
    ApiClient.Response del = c.method("DELETE", "/v1/files/" + id, null);
    assertThat(del.status()).isEqualTo(409);
    assertThat(del.errorCode()).isEqualTo("file_in_use");
    assertThat(c.get("/v1/files/" + id).json().getBoolean("in_use")).isTrue();
    ApiClient.Response missing = c.post("/v1/images", new JsonObject().put("prompt", "x").put("reference_image_urls",
        new JsonArray().add(id).add("file_nope")));
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.errorParam()).isEqualTo("reference_image_urls[1]");
  }

  @Test
  void aDeleteRacingACreateThatNamesTheFileNeverLeavesTheGenerationOrCharacterWithoutIt() throws Exception {
    TestNode.TeamKey team = node.newTeam(10_000);
    ApiClient c = node.client(team.key());
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (String route : List.of("/v1/images", "/v1/characters")) {
        for (int i = 0; i < 20; i++) {
          String id = uploaded(team, Pictures.png(8, 8));
          JsonObject body = route.equals("/v1/images")
              ? new JsonObject().put("prompt", "a cat").put("reference_image_urls", new JsonArray().add(id))
              : new JsonObject().put("name", "Ada").put("reference_image_urls", new JsonArray().add(id));
          java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
          Future<ApiClient.Response> create = pool.submit(() -> {
            go.await();
            return c.post(route, body);
          });
          Future<ApiClient.Response> delete = pool.submit(() -> {
            go.await();
            return c.method("DELETE", "/v1/files/" + id, null);
          });
          go.countDown();
          ApiClient.Response created = create.get();
          ApiClient.Response deleted = delete.get();
          String what = route + " #" + i + ": create " + created.status() + " " + created.body() + ", delete " + deleted.status();
          // One of them wins: the create holds the file (delete 409), or the delete came first (create 404).
          if (created.status() == 201) {
            assertThat(deleted.status()).as(what).isEqualTo(409);
            assertThat(c.get("/v1/files/" + id).json().getBoolean("in_use")).as(what).isTrue();
          } else {
            assertThat(created.status()).as(what).isEqualTo(404);
            assertThat(created.errorParam()).as(what).isEqualTo("reference_image_urls[0]");
            assertThat(deleted.status()).as(what).isEqualTo(200);
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void filesAreListedNewestFirstInPagesAndDeletedFilesAreGone() {
    TestNode.TeamKey team = node.newTeam(100);
    ApiClient c = node.client(team.key());
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(uploaded(team, Pictures.png(8 + i, 8)));
    }
    JsonObject first = c.get("/v1/files?limit=2").json();
    assertThat(first.getJsonArray("data").stream().map(o -> ((JsonObject) o).getString("id")).toList())
        .containsExactly(ids.get(4), ids.get(3));
    assertThat(first.getBoolean("has_more")).isTrue();
    JsonObject second = c.get("/v1/files?limit=2&starting_after=" + first.getString("next_cursor")).json();
    assertThat(second.getJsonArray("data").stream().map(o -> ((JsonObject) o).getString("id")).toList())
        .containsExactly(ids.get(2), ids.get(1));
    assertThat(c.get("/v1/files?limit=0").status()).isEqualTo(400);
    assertThat(c.get("/v1/files?limit=x").status()).isEqualTo(400);
    assertThat(c.get("/v1/files?starting_after=img_1").status()).isEqualTo(400);
    assertThat(c.get("/v1/files?colour=red").status()).isEqualTo(400);

    ApiClient.Response del = c.method("DELETE", "/v1/files/" + ids.get(0), null);
    assertThat(del.status()).isEqualTo(200);
    assertThat(del.json().getBoolean("deleted")).isTrue();
    assertThat(c.get("/v1/files/" + ids.get(0)).status()).isEqualTo(404);
    assertThat(c.method("DELETE", "/v1/files/" + ids.get(0), null).status()).isEqualTo(404);
    assertThat(c.get("/v1/files/not-an-id").status()).isEqualTo(404);
    assertThat(storedFiles(team)).isEqualTo(4);
  }
}
