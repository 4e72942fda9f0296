package com.aurous.server.api;

import com.aurous.server.testing.RawHttp;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Generated odd requests, {@value #PER_ROUTE} per route, over raw keep-alive sockets to a real
 * node: bad escapes, odd methods, odd and duplicate content types, header and path garbage,
 * huge headers, control bytes, absent Host, broken chunked framing, truncated bodies and JSON of
 * the wrong shape. Whatever arrives, the answer is never a 5xx, every 4xx is the error envelope,
 * every answer has a request id, and none hangs. Seeded (override with -Dfuzz.seed=N), so a
 * failure replays exactly.
 */
class HttpFuzzTest {
  static final int PER_ROUTE = 2000;
  static final long SEED = Long.getLong("fuzz.seed", 20261203L);
  static final int READ_TIMEOUT_MS = 5_000;
  static TestNode node;
  static String key;
  static String imageId;
  static int port;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    key = node.newTeam(1_000_000_000L).key();
    port = node.node().port();
    imageId = node.client(key).post("/v1/images", new JsonObject().put("prompt", "a lighthouse")).json().getString("id");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  enum Route {
    ESTIMATE("POST", "/v1/images/estimate", ""),
    CREATE("POST", "/v1/images", ""),
    LIST("GET", "/v1/images", "limit=5"),
    GET("GET", "/v1/images/{id}", ""),
    CANCEL("POST", "/v1/images/{id}/cancel", ""),
    WEBHOOK_DELIVERIES("GET", "/v1/images/{id}/webhook_deliveries", ""),
    OUTPUT("GET", "/v1/images/{id}/output/0", "token=AAAA.BBBB"),
    OPENAPI("GET", "/openapi.json", ""),
    HEALTHZ("GET", "/healthz", ""),
    HEALTH_READY("GET", "/health/ready", ""),
    METRICS("GET", "/metrics", ""),
    PLAYGROUND("GET", "/playground", ""),
    PLAYGROUND_ASSET("GET", "/playground/playground.js", ""),
    UNKNOWN("GET", "/v2/nothing/here", "");

    final String method;
    final String path;
    final String query;

    Route(String method, String path, String query) {
      this.method = method;
      this.path = path;
      this.query = query;
    }
  }

  /** One generated request and how the server may end it. */
  record Odd(String what, byte[] bytes, boolean head, boolean framingBroken, boolean closeAfter, boolean otherMajorVersion) {}

  @ParameterizedTest
  @EnumSource(Route.class)
  void everyOddRequestIsAnsweredWithoutA5xxInTheEnvelopeWithARequestIdAndNothingHangs(Route route) {
    Random rnd = new Random(SEED * 31 + route.ordinal());
    List<String> failures = new ArrayList<>();
    int[] statusClasses = new int[6];
    RawHttp http = new RawHttp(port, READ_TIMEOUT_MS);
    try {
      for (int i = 0; i < PER_ROUTE && failures.size() < 20; i++) {
        Odd odd = generate(route, rnd);
        int before = http.connections();
        RawHttp.Response r;
        try {
          r = http.exchange(odd.bytes(), odd.head(), odd.framingBroken());
          if (r.status() == -1 && !odd.framingBroken() && http.connections() == before && before > 0) {
            // The server may close an idle keep-alive connection between two requests: retry once on a fresh one.
            r = http.exchange(odd.bytes(), odd.head(), odd.framingBroken());
          }
        } catch (RawHttp.Hang e) {
          failures.add("#" + i + " HANG " + e.getMessage());
          continue;
        }
        if (odd.closeAfter()) {
          http.close();
        }
        String problem = judge(odd, r);
        if (problem != null) {
          failures.add("#" + i + " " + problem + " <- " + odd.what() + " :: " + RawHttp.abbreviate(odd.bytes()));
        }
        if (r.status() > 0) {
          statusClasses[r.status() / 100]++;
        }
      }
    } finally {
      http.close();
    }
    System.out.printf("fuzz %s seed=%d: %d requests over %d connections; 2xx=%d 3xx=%d 4xx=%d 5xx=%d%n", route, SEED,
        PER_ROUTE, http.connections(), statusClasses[2], statusClasses[3], statusClasses[4], statusClasses[5]);
    assertThat(failures).as("odd requests to " + route + " (seed " + SEED + ") answered badly").isEmpty();
    // the node still answers normally afterwards
    assertThat(node.client(key).get("/v1/images/" + imageId).status()).isEqualTo(200);
  }

  private static String judge(Odd odd, RawHttp.Response r) {
    if (r.status() == -1) {
      return odd.framingBroken() ? null : "closed without an answer";
    }
    if (r.status() >= 500) {
      return "status " + r.status() + " " + abbreviate(r.text());
    }
    String id = r.header(RequestIds.HEADER);
    if (id == null || !id.startsWith("req_")) {
      return "status " + r.status() + " without " + RequestIds.HEADER;
    }
    if (r.status() >= 400 && !odd.head() && r.error() == null) {
      return "status " + r.status() + " not in the envelope: " + abbreviate(r.text());
    }
    if (r.status() >= 400 && !odd.head() && !String.valueOf(r.header("Content-Type")).startsWith("application/json")) {
      return "status " + r.status() + " with Content-Type " + r.header("Content-Type");
    }
    return null;
  }

  private static String abbreviate(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  // ---- the generator ---------------------------------------------------------------------

  private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT",
      "get", "post", "Get", "FOO", "PROPFIND", "M-SEARCH", "BREW", "G\u0001T", "GET\u0000", ""};
  private static final String[] BAD_ESCAPES = {"%zz", "%", "%G0", "%0", "%%", "%u0041", "%-1", "%\u00e9"};
  private static final String[] ODD_ESCAPES = {"%00", "%2F", "%2e%2e", "%E2%98%83", "%FF%FE", "%0D%0A", "%20", "%7F", "%C0%AF"};
  private static final String[] CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data",
      "multipart/form-data; boundary=", "multipart/form-data; boundary=zzz", "text/plain", "application/json; charset=latin1",
      "APPLICATION/JSON", "application/json, text/plain", "", ";", "a/b/c", "application/*", "*/*", "application/json;;;",
      "application/jsonp", "application/xml", "image/png", "application/json; boundary=x"};
  private static final String[] BODIES = {"[]", "\"s\"", "1", "null", "true", "{}", "{\"prompt\":1}", "{\"prompt\":{}}",
      "{\"prompt\":[\"a\"]}", "{\"prompt\":\"a\",\"count\":\"2\"}", "{\"prompt\":\"a\",\"style\":1}", "{\"prompt\":\"a\",\"prompt\":\"b\"}",
      "{\"prompt\":\"a\",\"seed\":1e999}", "{\"prompt\":\"a\",\"width\":-0.0,\"height\":1e-400}", "{\"prompt\":\"\\u0000\"}",
      "{\"prompt\":\"a\u0000b\"}", "{\"prompt\":", "{\"prompt\":\"a\"}garbage", "\ufeff{\"prompt\":\"a\"}", "a=1&b=%zz",
      "--zzz\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\na\r\n--zzz--\r\n", "{\"prompt\":\"a\",\"lora_id\":\"lora_x\"}",
      "{\"prompt\":\"a\",\"character_id\":\"char_\",\"reference_image_urls\":[\"file_a\"]}",
      "{\"prompt\":\"a\",\"reference_image_urls\":[\"https://[::127.0.0.1]/a\",\"file_%zz\"]}",
      "{\"prompt\":\"a\",\"webhook_url\":\"https://[64:ff9b::a9fe:a9fe]/\"}", "{\"prompt\":\"a\",\"size\":{\"w\":1}}",
      "{\"prompt\":\"a\",\"steps\":9223372036854775808}", "{\"prompt\":\"a\",\"enhance_prompt\":\"yes\"}", "{\"\":\"\"}"};

  static Odd generate(Route route, Random rnd) {
    String method = route.method;
    String path = route.path.replace("{id}", imageId);
    String query = route.query;
    List<String> headers = new ArrayList<>();
    headers.add("Host: 127.0.0.1:" + port);
    headers.add("X-Api-Key: " + key);
    boolean post = route.method.equals("POST");
    if (post) {
      headers.add("Content-Type: application/json");
    }
    byte[] body = post ? validBody(rnd) : new byte[0];
    String framing = "length";
    String version = "HTTP/1.1";
    boolean framingBroken = false;
    boolean closeAfter = false;
    List<String> what = new ArrayList<>();
    int mutations = rnd.nextInt(10) == 0 ? 0 : 1 + rnd.nextInt(3);
    for (int m = 0; m < mutations; m++) {
      int kind = rnd.nextInt(10);
      switch (kind) {
        case 0 -> {
          method = pick(rnd, METHODS);
          what.add("method " + method);
        }
        case 1 -> {
          path = mutatePath(rnd, path);
          what.add("path");
        }
        case 2 -> {
          query = mutateQuery(rnd, query);
          what.add("query");
        }
        case 3, 4 -> what.add(mutateHeaders(rnd, headers));
        case 5 -> {
          headers.removeIf(h -> h.regionMatches(true, 0, "Content-Type:", 0, 13));
          int n = rnd.nextInt(4) == 0 ? 2 : 1;
          for (int c = 0; c < n; c++) {
            headers.add("Content-Type: " + pick(rnd, CONTENT_TYPES) + (rnd.nextBoolean() ? "" : randomToken(rnd, 8)));
          }
          what.add("content-type x" + n);
        }
        case 6 -> {
          body = oddBody(rnd);
          what.add("body " + body.length);
        }
        case 7 -> {
          version = pick(rnd, new String[] {"HTTP/1.0", "HTTP/1.2", "HTTP/2.0", "HTTP/0.9", "HTTP/3.0", "FOO/1.1", "http/1.1",
              "HTTP/1", "HTTP/1.1x", "", "HTTP/1.1 extra"});
          what.add("version " + version);
        }
        default -> {
          framing = pick(rnd, new String[] {"none", "short", "long", "garbage", "two", "chunked", "badchunk", "unfinished",
              "te+cl", "gzip"});
          what.add("framing " + framing);
        }
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String target = query.isEmpty() ? path : path + "?" + query;
    write(out, method + " " + target + (version.isEmpty() ? "" : " " + version) + "\r\n");
    for (String h : headers) {
      write(out, h + "\r\n");
    }
    switch (framing) {
      case "none" -> closeAfter = body.length > 0; // the body would read as the next request
      case "short" -> {
        write(out, "Content-Length: " + Math.max(0, body.length - 1 - rnd.nextInt(5)) + "\r\n");
        closeAfter = true;
      }
      case "long" -> {
        write(out, "Content-Length: " + (body.length + 1 + rnd.nextInt(rnd.nextBoolean() ? 10 : 10_000_000)) + "\r\n");
        framingBroken = true; // truncated: the client stops sending and half-closes
      }
      case "garbage" -> {
        write(out, "Content-Length: " + pick(rnd, new String[] {"abc", "-1", "1e3", " 5", "0x10", "99999999999999999999", "", "+3"}) + "\r\n");
        framingBroken = true;
      }
      case "two" -> {
        write(out, "Content-Length: " + body.length + "\r\nContent-Length: " + (body.length + 3) + "\r\n");
        framingBroken = true;
      }
      case "chunked", "badchunk", "unfinished", "te+cl", "gzip" -> {
        if (framing.equals("te+cl")) {
          write(out, "Content-Length: " + body.length + "\r\n");
        }
        write(out, "Transfer-Encoding: " + (framing.equals("gzip") ? pick(rnd, new String[] {"gzip", "chunked, gzip", "identity", "chunked, chunked"}) : "chunked") + "\r\n");
        framingBroken = !framing.equals("chunked");
      }
      default -> write(out, "Content-Length: " + body.length + "\r\n");
    }
    write(out, "\r\n");
    if (framing.startsWith("chunked") || framing.equals("badchunk") || framing.equals("unfinished") || framing.equals("te+cl")
        || framing.equals("gzip")) {
      int split = body.length == 0 ? 0 : rnd.nextInt(body.length + 1);
      if (split > 0) {
        write(out, Integer.toHexString(split) + (rnd.nextInt(4) == 0 ? ";ext=1" : "") + "\r\n");
        out.writeBytes(java.util.Arrays.copyOfRange(body, 0, split));
        write(out, "\r\n");
      }
      if (framing.equals("badchunk")) {
        write(out, pick(rnd, new String[] {"zz\r\n", "-1\r\n", "fffffffffffffffff\r\n", "5\r\nab", "\r\n\r\n", "3;\u0001\r\nabc\r\n"}));
      } else if (!framing.equals("unfinished")) {
        if (split < body.length) {
          write(out, Integer.toHexString(body.length - split) + "\r\n");
          out.writeBytes(java.util.Arrays.copyOfRange(body, split, body.length));
          write(out, "\r\n");
        }
        write(out, "0\r\n\r\n");
      }
    } else if (!framing.equals("long") || rnd.nextBoolean()) {
      out.writeBytes(body);
    }
    long framingHeaders = headers.stream().filter(h -> h.regionMatches(true, 0, "Content-Length:", 0, 15)
        || h.regionMatches(true, 0, "Transfer-Encoding:", 0, 18)).count();
    // An extra Content-Length or Transfer-Encoding makes the framing ambiguous: the server may
    // rightly wait for bytes that never come, so the client half-closes.
    framingBroken |= framingHeaders > 0;
    closeAfter |= framingBroken;
    boolean otherMajor = version.matches("(?i)HTTP/[02-9]\\.\\d");
    return new Odd(route + " " + String.join(", ", what), out.toByteArray(), method.equals("HEAD"), framingBroken,
        closeAfter || version.equals("HTTP/1.0"), otherMajor);
  }

  private static byte[] validBody(Random rnd) {
    JsonObject b = new JsonObject().put("prompt", "fuzz " + rnd.nextInt(1000));
    if (rnd.nextBoolean()) {
      b.put("size", pick(rnd, new String[] {"square", "2k_1_1", "4k_16_9"}));
    }
    return b.encode().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] oddBody(Random rnd) {
    return switch (rnd.nextInt(8)) {
      case 0 -> ("{\"prompt\":" + "[".repeat(500 + rnd.nextInt(3000)) + "]}").getBytes(StandardCharsets.UTF_8);
      case 1 -> ("{\"prompt\":\"" + "x".repeat(3000 + rnd.nextInt(20000)) + "\"}").getBytes(StandardCharsets.UTF_8);
      case 2 -> {
        byte[] b = new byte[1 + rnd.nextInt(300)];
        rnd.nextBytes(b);
        yield b;
      }
      case 3 -> new byte[] {'{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', (byte) 0xff, (byte) 0xfe, (byte) 0xc0, '"', '}'};
      case 4 -> ("{\"prompt\":\"a\",\"n\":\"" + "y".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8);
      default -> pick(rnd, BODIES).getBytes(StandardCharsets.UTF_8);
    };
  }

  private static String mutatePath(Random rnd, String path) {
    int at = Math.min(path.length(), 1 + rnd.nextInt(Math.max(1, path.length() - 1)));
    return switch (rnd.nextInt(12)) {
      case 0 -> path.substring(0, at) + pick(rnd, BAD_ESCAPES) + path.substring(at);
      case 1 -> path.substring(0, at) + pick(rnd, ODD_ESCAPES) + path.substring(at);
      case 2 -> path.substring(0, at) + (char) rnd.nextInt(0x20) + path.substring(at);
      case 3 -> path.substring(0, at) + (char) (0x7f + rnd.nextInt(0x81)) + path.substring(at);
      case 4 -> path.substring(0, at) + pick(rnd, new String[] {"/../", "//", "/./", "/", ";x=1", "#frag", " ", "\t", "/%2e%2e/"})
          + path.substring(at);
      case 5 -> pick(rnd, new String[] {path.substring(Math.min(1, path.length())), "*", "http://127.0.0.1:" + port + path, "https://x" + path,
          "127.0.0.1:443", "//" + path, "", "http://", "http://[::1"});
      case 6 -> path + "/" + "a".repeat(100 + rnd.nextInt(6000));
      case 7 -> path.replace(imageId, pick(rnd, new String[] {"img_", "img_" + randomToken(rnd, 1 + rnd.nextInt(70)),
          "IMG_01HXMQ7Z3K8Y2ABCDEFGHJKM", "img_01HXMQ7Z3K8Y2ABCDEFGHJKM", "%E2%98%83", "img_a%00b", "img_..", "img_~"}));
      case 8 -> path.toUpperCase();
      case 9 -> path + pick(rnd, new String[] {"/", "/cancel", "/output/7", "/output/-1", "/output/x", "/webhook_deliveries/1",
          "/output/99999999999"});
      case 10 -> path.substring(0, at) + "\n" + path.substring(at);
      default -> "/v1/" + randomToken(rnd, 1 + rnd.nextInt(30));
    };
  }

  private static String mutateQuery(Random rnd, String query) {
    String add = switch (rnd.nextInt(10)) {
      case 0 -> pick(rnd, new String[] {"limit", "x", "token", "starting_after", ""}) + "=" + pick(rnd, BAD_ESCAPES);
      case 1 -> pick(rnd, BAD_ESCAPES) + "=1";
      case 2 -> "limit=" + pick(rnd, new String[] {"0", "-1", "101", "1.5", "", "99999999999", "1e2", "%31", " 1", "abc"});
      case 3 -> "starting_after=" + pick(rnd, new String[] {"img_", "img_x", "bogus", "", "img_" + "a".repeat(65), "%00"});
      case 4 -> "limit=1&limit=2";
      case 5 -> pick(rnd, new String[] {"", "&&&", "=", "==", "&=&", ";;", "a;b=%", "+"});
      case 6 -> "token=" + randomToken(rnd, rnd.nextInt(200));
      case 7 -> "q=" + "z".repeat(100 + rnd.nextInt(5000));
      case 8 -> "k" + rnd.nextInt(9) + "=" + pick(rnd, ODD_ESCAPES);
      default -> "cursor=" + randomToken(rnd, 10);
    };
    return query.isEmpty() || rnd.nextBoolean() ? add : query + "&" + add;
  }

  private static String mutateHeaders(Random rnd, List<String> headers) {
    switch (rnd.nextInt(14)) {
      case 0 -> {
        headers.removeIf(h -> h.startsWith("Host:"));
        return "no Host";
      }
      case 1 -> {
        headers.add("Host: other");
        return "two Hosts";
      }
      case 2 -> {
        headers.removeIf(h -> h.startsWith("Host:"));
        headers.add("Host: " + pick(rnd, new String[] {"", "a b", "[::1", "127.0.0.1:99999", "x\u0001y", "_", "a..b", "[::1]:80"}));
        return "odd Host";
      }
      case 3 -> {
        headers.add("X-Odd: a" + (char) pick(rnd, new int[] {0, 1, 8, 0x0b, 0x0c, 0x1b, 0x7f, 0xff}) + "b");
        return "control byte in a header";
      }
      case 4 -> {
        headers.add("X-Big: " + "b".repeat(7000 + rnd.nextInt(6000)));
        return "huge header";
      }
      case 5 -> {
        int n = 150 + rnd.nextInt(250);
        for (int i = 0; i < n; i++) {
          headers.add("X-H" + i + ": 0123456789012345678901234567890123");
        }
        return n + " headers";
      }
      case 6 -> {
        headers.add(pick(rnd, new String[] {"nocolon", "X A: b", ": empty-name", " folded-continuation", "X-A : b", "X-\u00e9: 1",
            "X-A:\tb\t", "\tX: y"}));
        return "malformed header line";
      }
      case 7 -> {
        headers.removeIf(h -> h.startsWith("X-Api-Key:"));
        String k = pick(rnd, new String[] {null, "", "garbage", "al_live_" + "a".repeat(5000), key + "\u0001", " " + key + " "});
        if (k != null) {
          headers.add("X-Api-Key: " + k);
        }
        return "odd key";
      }
      case 8 -> {
        headers.add("X-Api-Key: " + key);
        return "two keys";
      }
      case 9 -> {
        headers.add("Aurous-Version: " + pick(rnd, new String[] {"2026-05-15", "x", "9999-99-99", "", "2026-05-15, 2026-01-01"}));
        return "version";
      }
      case 10 -> {
        headers.add("Idempotency-Key: " + pick(rnd, new String[] {"", "k".repeat(300), randomToken(rnd, 20), "\u00e9"}));
        return "idempotency key";
      }
      case 11 -> {
        headers.add(pick(rnd, new String[] {"Expect: 100-continue", "Expect: garbage", "Connection: close", "Connection: Upgrade",
            "Upgrade: websocket", "Upgrade: h2c", "Accept: */*;q=abc", "Accept-Encoding: gzip;q=2", "Connection: keep-alive, Upgrade"}));
        return "odd negotiation header";
      }
      case 12 -> {
        headers.add("Content-Length: 0");
        return "extra Content-Length";
      }
      default -> {
        headers.add("Transfer-Encoding: " + pick(rnd, new String[] {"chunked", "gzip", "x"}));
        return "extra Transfer-Encoding";
      }
    }
  }

  private static String randomToken(Random rnd, int n) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%+=&;:/?#[]@!$'()*,";
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  private static <T> T pick(Random rnd, T[] options) {
    return options[rnd.nextInt(options.length)];
  }

  private static int pick(Random rnd, int[] options) {
    return options[rnd.nextInt(options.length)];
  }

  private static void write(ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
  }
}
