package com.aurous.server.api;

import com.aurous.server.testing.RawHttp;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Requests no honest client sends, over a raw socket: each answer is a 4xx in the error envelope
 * with an Aurous-Request-Id, whether the request died in the HTTP decoder, the router or a route.
 */
class HostileRequestTest {
  static final String IMG = "img_01HXMQ7Z3K8Y2ABCDEFGHJKMNP";
  static TestNode node;
  static String key;
  static String created;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    key = node.newTeam(1000).key();
    created = node.client(key).post("/v1/images", new JsonObject().put("prompt", "a lighthouse")).json().getString("id");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  private static RawHttp.Response send(String request) {
    try (RawHttp http = new RawHttp(node.node().port(), 10_000)) {
      return http.exchange(request);
    }
  }

  private static String get(String target, String... extraHeaders) {
    StringBuilder b = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: " + key + "\r\n");
    for (String h : extraHeaders) {
      b.append(h).append("\r\n");
    }
    return b.append("\r\n").toString();
  }

  private static JsonObject assertEnvelope(RawHttp.Response r, int status, String what) {
    assertThat(r.status()).as(what + " -> " + r.status() + " " + r.text()).isEqualTo(status);
    assertThat(r.header("Aurous-Request-Id")).as(what).startsWith("req_");
    assertThat(r.header("Content-Type")).as(what).startsWith("application/json");
    JsonObject err = r.error();
    assertThat(err).as(what + ": " + r.text()).isNotNull();
    return err;
  }

  static Stream<Arguments> malformedQueries() {
    List<Arguments> a = new ArrayList<>();
    String[] routes = {"/v1/images", "/v1/images/" + IMG + "/webhook_deliveries", "/v1/images/" + IMG + "/output/0",
        "/openapi.json", "/healthz", "/v1/images/" + IMG, "/no/such/route"};
    String[][] queries = {{"limit=%zz", "limit"}, {"x=%", "x"}, {"%zz=1", null}, {"limit=1%", "limit"},
        {"token=%G0", "token"}, {"a=1&b=%2", "b"}};
    for (String route : routes) {
      for (String[] q : queries) {
        a.add(arguments(route + "?" + q[0], q[1]));
      }
    }
    return a.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedQueries")
  void aMalformedPercentEscapeInTheQueryIs400MalformedQueryOnEveryRoute(String target, String param) {
    JsonObject err = assertEnvelope(send(get(target)), 400, target);
    assertThat(err.getString("code")).isEqualTo("malformed_query");
    assertThat(err.getString("param")).isEqualTo(param);
  }

  @Test
  void percentEscapesThatDecodeToOddBytesAreStillOrdinaryParameters() {
    // %e2%98 is a truncated UTF-8 sequence but a well-formed escape: the value is simply not an image id.
    RawHttp.Response r = send(get("/v1/images?starting_after=%e2%98"));
    assertThat(assertEnvelope(r, 400, "truncated utf-8").getString("param")).isEqualTo("starting_after");
    assertThat(send(get("/v1/images?limit=%32")).status()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"gzip", "identity", "chunked, gzip", "gzip, chunked", "chunked, chunked", "chunked\r\nTransfer-Encoding: chunked"})
  void aTransferEncodingOtherThanChunkedAloneIs400AndClosesSoItsBodyIsNeverReadAsTheNextRequest(String coding) {
    TestNode.TeamKey team = node.newTeam(100);
    // The body is itself a create: a server that guessed the body's end would run it as a second request.
    String smuggled = "POST /v1/images HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + team.key()
        + "\r\nContent-Type: application/json\r\nContent-Length: 22\r\n\r\n{\"prompt\":\"smuggled\"}";
    String body = coding.toLowerCase(java.util.Locale.ROOT).endsWith("chunked")
        ? Integer.toHexString(smuggled.length()) + "\r\n" + smuggled + "\r\n0\r\n\r\n" : smuggled;
    for (String target : List.of("/v1/images", "/v1/images/estimate", "/v1/images?limit=1")) {
      String method = target.contains("?") ? "GET" : "POST";
      RawHttp.Response r = send(method + " " + target + " HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + team.key()
          + "\r\nContent-Type: application/json\r\nTransfer-Encoding: " + coding + "\r\n\r\n" + body);
      JsonObject err = assertEnvelope(r, 400, method + " " + target + " " + coding);
      assertThat(err.getString("code")).isEqualTo("malformed_request");
      assertThat(err.getString("param")).isEqualTo("Transfer-Encoding");
      assertThat(r.header("connection")).isEqualToIgnoringCase("close");
    }
    assertThat(node.client(team.key()).get("/v1/images").json().getJsonArray("data")).isEmpty();
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(100L);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ed a0 80", "ed bf bf", "f4 90 80 80"})
  void aJsonStringWhoseUtf8BytesEncodeASurrogateOrNoCodePointIs400AndStoresNothing(String hex) {
    // The JSON parser decodes these bytes without complaint; PostgreSQL would have stored '?' for them.
    TestNode.TeamKey team = node.newTeam(100);
    byte[] bad = java.util.HexFormat.ofDelimiter(" ").parseHex(hex);
    for (String target : List.of("/v1/images/estimate", "/v1/images")) {
      java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
      body.writeBytes(RawHttp.bytes("{\"prompt\":\"a "));
      body.writeBytes(bad);
      body.writeBytes(RawHttp.bytes(" b\"}"));
      java.io.ByteArrayOutputStream request = new java.io.ByteArrayOutputStream();
      request.writeBytes(RawHttp.bytes("POST " + target + " HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + team.key()
          + "\r\nContent-Type: application/json\r\nContent-Length: " + body.size() + "\r\n\r\n"));
      request.writeBytes(body.toByteArray());
      RawHttp.Response r;
      try (RawHttp http = new RawHttp(node.node().port(), 10_000)) {
        r = http.exchange(request.toByteArray(), false, false);
      }
      JsonObject err = assertEnvelope(r, 400, target + " " + hex);
      assertThat(err.getString("code")).isEqualTo("malformed_json");
      assertThat(err.getString("param")).isEqualTo("prompt");
    }
    assertThat(node.client(team.key()).get("/v1/images").json().getJsonArray("data")).isEmpty();
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(100L);
  }

  @ParameterizedTest
  @ValueSource(strings = {"GET", "HEAD", "DELETE", "PUT", "PATCH", "OPTIONS"})
  void aFormBodyOnARouteThatReadsNoBodyIsNeverA500(String method) {
    List<String> targets = List.of("/v1/images", "/v1/images/" + created, "/v1/images/" + created + "/webhook_deliveries",
        "/v1/images/" + IMG + "/output/0?token=abc", "/healthz", "/openapi.json", "/v1/images/" + created + "/cancel");
    for (String contentType : List.of("application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz",
        "multipart/form-data")) {
      for (String body : List.of("", "a=1&b=2", "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--xyz--\r\n")) {
        for (String target : targets) {
          String request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: " + key
              + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
          try (RawHttp http = new RawHttp(node.node().port(), 10_000)) {
            RawHttp.Response r = http.exchange(RawHttp.bytes(request), method.equals("HEAD"), false);
            String what = method + " " + target + " " + contentType + " body=" + body.length();
            assertThat(r.status()).as(what + ": " + r.text()).isBetween(200, 499);
            assertThat(r.header("Aurous-Request-Id")).as(what).startsWith("req_");
            if (r.status() >= 400 && !method.equals("HEAD")) {
              assertThat(r.error()).as(what + ": " + r.text()).isNotNull();
            }
            // the connection still serves the next request
            RawHttp.Response next = http.exchange(get("/healthz"));
            assertThat(next.status()).as("after " + what).isEqualTo(200);
          }
        }
      }
    }
    // and a GET that reads nothing still answers normally
    RawHttp.Response r = send("GET /v1/images/" + created + " HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + key
        + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=1");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", "text/plain",
      "application/xml", "application/jsonx", "image/png"})
  void aPostBodyThatIsNotJsonIs415UnsupportedMediaType(String contentType) {
    for (String target : List.of("/v1/images", "/v1/images/estimate", "/v1/images/" + created + "/cancel")) {
      String body = "prompt=a+cat";
      RawHttp.Response r = send("POST " + target + " HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + key + "\r\nContent-Type: "
          + contentType + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
      assertThat(assertEnvelope(r, 415, contentType + " on " + target).getString("code")).isEqualTo("unsupported_media_type");
    }
    // JSON with parameters stays JSON
    String json = "{\"prompt\":\"a cat\"}";
    RawHttp.Response ok = send("POST /v1/images/estimate HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + key
        + "\r\nContent-Type: Application/JSON; charset=utf-8\r\nContent-Length: " + json.length() + "\r\n\r\n" + json);
    assertThat(ok.status()).as(ok.text()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"GET /v1/images/%zz", "GET /v1/images/%", "GET /v1/images/img_%G0", "POST /v1/images/%G0/cancel",
      "GET /v1/images/%zz/webhook_deliveries", "GET /v1/images/%zz/output/0?token=x", "GET /v1/%zz", "GET /%"})
  void aMalformedPercentEscapeInThePathIs400MalformedPathInTheEnvelope(String line) {
    String[] parts = line.split(" ");
    RawHttp.Response r = send(parts[0] + " " + parts[1] + " HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + key
        + "\r\nContent-Length: 0\r\n\r\n");
    assertThat(assertEnvelope(r, 400, line).getString("code")).isEqualTo("malformed_path");
  }

  static Stream<Arguments> rejectedBeforeRouting() {
    String longLine = "GET /v1/images?x=" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    String bigHeaders = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n";
    String manyHeaders = "GET /healthz HTTP/1.1\r\nHost: x\r\n" + "X-H: 0123456789012345678901234567890123456789\r\n".repeat(300) + "\r\n";
    return Stream.of(
        arguments("target without a slash", "GET v1/images HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        arguments("asterisk target", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        arguments("asterisk target on GET", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        arguments("authority target", "CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        arguments("no Host header", "GET /healthz HTTP/1.1\r\n\r\n", 400),
        arguments("no Host header on a v1 route", "GET /v1/images HTTP/1.1\r\nX-Api-Key: k\r\n\r\n", 400),
        arguments("two Host headers", "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        arguments("raw space in the path", "GET /v1/ima ges HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        arguments("control byte in the path", "GET /v1/images/\u0001 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        arguments("NUL in the path", "GET /v1/images/\u0000 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        arguments("DEL in the path", "GET /healthz\u007f HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        arguments("raw non-ASCII in the path", "GET /v1/images/\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        arguments("control byte in a header", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n", 400),
        arguments("NUL in a header", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n", 400),
        arguments("space in a header name", "GET /healthz HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n", 400),
        arguments("header without a colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n", 400),
        arguments("bad Content-Length", "POST /v1/images HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
        arguments("garbage request line", "\u0001\u0002\u0003 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        arguments("request line over 4096 bytes", longLine, 414),
        arguments("one header over 8 KiB", bigHeaders, 431),
        arguments("headers over 8 KiB in total", manyHeaders, 431));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejectedBeforeRouting")
  void requestsRejectedBeforeRoutingKeepTheirStatusAndGetTheEnvelopeAndARequestId(String name, String request, int status) {
    RawHttp.Response r = send(request);
    JsonObject err = assertEnvelope(r, status, name);
    assertThat(err.getString("type")).isEqualTo("invalid_request");
  }

  @ParameterizedTest
  @ValueSource(strings = {"zz", "-1", "fffffffffffffffff", "5;\u0001"})
  void aBrokenChunkedBodyIs400MalformedRequestOrAClosedConnectionNeverA500(String chunkSize) {
    for (String target : List.of("/v1/images/estimate", "/v1/images", "/v1/images/" + created + "/cancel")) {
      String request = "POST " + target + " HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + key
          + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"pr\r\n" + chunkSize + "\r\nompt\r\n";
      try (RawHttp http = new RawHttp(node.node().port(), 10_000)) {
        RawHttp.Response r = http.exchange(RawHttp.bytes(request), false, true);
        if (r.status() != -1) {
          assertThat(assertEnvelope(r, 400, chunkSize + " on " + target).getString("code")).isEqualTo("malformed_request");
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"HTTP/2.0", "HTTP/0.9", "HTTP/3.1"})
  void aRequestLineNamingAnotherMajorHttpVersionIs400InTheEnvelope(String version) {
    RawHttp.Response r = send("GET /healthz " + version + "\r\nHost: x\r\n\r\n");
    assertThat(assertEnvelope(r, 400, version).getString("code")).isEqualTo("http_version_not_supported");
  }

  @ParameterizedTest
  @ValueSource(strings = {"FOO/1.1", "HTTP/1.1x", "HTTP/1", "HTTPS/1.1"})
  void aRequestLineWithAnUnreadableVersionIs400InTheEnvelope(String version) {
    RawHttp.Response r = send("GET /healthz " + version + "\r\nHost: x\r\n\r\n");
    assertThat(assertEnvelope(r, 400, version).getString("code")).isEqualTo("malformed_request");
  }

  @ParameterizedTest
  @ValueSource(strings = {"HTTP/1.2", "HTTP/1.9", "http/1.1"})
  void aHigherHttp1MinorVersionIsServedAsHttp11OnAKeptAliveConnection(String version) {
    try (RawHttp http = new RawHttp(node.node().port(), 10_000)) {
      for (int i = 0; i < 3; i++) {
        RawHttp.Response r = http.exchange("GET /v1/images/" + created + " " + version + "\r\nHost: x\r\nX-Api-Key: " + key + "\r\n\r\n");
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.header("Aurous-Request-Id")).startsWith("req_");
      }
      assertThat(http.connections()).isEqualTo(1);
    }
  }

  @Test
  void theEnvelopeForARequestTooLargeNamesTheLimit() {
    RawHttp.Response line = send("GET /healthz?x=" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(assertEnvelope(line, 414, "long line").getString("code")).isEqualTo("request_line_too_long");
    RawHttp.Response headers = send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n");
    assertThat(assertEnvelope(headers, 431, "big headers").getString("code")).isEqualTo("headers_too_large");
  }
}
