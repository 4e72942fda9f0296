package com.aurous.server.observability;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /metrics: Prometheus text from a node with the engine, after real generations and webhooks. */
class MetricsTest {
  static final int STEPS = 3;
  static TestNode node;
  static ApiClient api;
  static ApiClient anonymous;
  static String worker;
  static Vertx receivers;
  static HttpServer failing;
  static HttpServer accepting;

  @BeforeAll
  static void start() {
    receivers = Vertx.vertx();
    failing = receivers.createHttpServer().requestHandler(r -> r.response().setStatusCode(503).end())
        .listen(0, "127.0.0.1").await();
    accepting = receivers.createHttpServer().requestHandler(r -> r.response().setStatusCode(204).end())
        .listen(0, "127.0.0.1").await();
    node = TestNode.startWithEngine(new JsonObject().put("intra_op_threads", 1),
        new JsonObject()
            .put("metrics", new JsonObject().put("pending_sample_interval_ms", 200))
            .put("api", new JsonObject().put("allow_insecure_urls", true))
            .put("webhooks", new JsonObject().put("poll_interval_ms", 200).put("max_attempts", 1)
                .put("breaker_max_failures", 1).put("breaker_reset_ms", 600_000)));
    api = node.client(node.newTeam(1000).key());
    anonymous = node.client(null);
    // the worker id is <node name>/<device>; the running-samples gauge exists from the worker's start
    String series = Scrape.of(anonymous).matching("aurous_engine_running_samples").keySet().iterator().next();
    worker = series.replaceAll(".*worker=\"([^\"]+)\".*", "$1");
    assertThat(worker).endsWith("/CPU:0");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    receivers.close().await();
  }

  static String createAndAwait(String webhookUrl) {
    JsonObject body = new JsonObject().put("prompt", "a lighthouse at dusk").put("steps", STEPS);
    if (webhookUrl != null) {
      body.put("webhook_url", webhookUrl);
    }
    ApiClient.Response created = api.post("/v1/images", body);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.json().getString("id");
    Polling.until(() -> api.get("/v1/images/" + id).json().getString("status"), "succeeded"::equals,
        Duration.ofSeconds(60), id + " to succeed");
    return id;
  }

  @Test
  void afterAGenerationTheEngineSeriesNamedAfterTritonsHaveSaneValues() {
    createAndAwait(null);
    Scrape s = Polling.until(() -> Scrape.of(anonymous),
        x -> x.sum("aurous_inference_count_total", "worker", worker) >= 1, Duration.ofSeconds(10), "images counted");

    assertThat(s.value("aurous_inference_count_total", "worker", worker)).isGreaterThanOrEqualTo(1);
    assertThat(s.value("aurous_inference_queue_duration_seconds_count", "worker", worker)).isGreaterThanOrEqualTo(1);
    assertThat(s.value("aurous_inference_request_success_total", "worker", worker)).isGreaterThanOrEqualTo(1);
    assertThat(s.value("aurous_inference_request_failure_total", "worker", worker)).isZero();
    double queueSum = s.value("aurous_inference_queue_duration_seconds_sum", "worker", worker);
    assertThat(queueSum).isGreaterThanOrEqualTo(0).isLessThan(60);
    // every step of the generation was one denoising call
    assertThat(s.value("aurous_inference_compute_infer_duration_seconds_count", "worker", worker))
        .isGreaterThanOrEqualTo(STEPS);
    assertThat(s.value("aurous_inference_compute_infer_duration_seconds_sum", "worker", worker)).isGreaterThan(0);
    assertThat(s.value("aurous_inference_compute_infer_duration_seconds_bucket", "worker", worker, "le", "+Inf"))
        .isEqualTo(s.value("aurous_inference_compute_infer_duration_seconds_count", "worker", worker));
    assertThat(s.value("aurous_engine_batch_size_count", "worker", worker)).isGreaterThanOrEqualTo(STEPS);
    assertThat(s.value("aurous_engine_batch_size_max", "worker", worker)).isBetween(1.0, 8.0);
    assertThat(s.value("aurous_engine_running_samples", "worker", worker)).isBetween(0.0, 8.0);
    assertThat(s.value("aurous_inference_pending_request_count")).isBetween(0.0, 1.0);
    // JVM and Vert.x's own series come along
    assertThat(s.count("jvm_memory_used_bytes")).isPositive();
  }

  @Test
  void httpRequestsAreCountedByRouteTemplateMethodAndStatus() {
    String id = createAndAwait(null);
    api.get("/v1/images/" + id);
    api.get("/v1/images/img_doesnotexist");
    anonymous.get("/v1/images/" + id);
    Scrape s = Scrape.of(anonymous);

    assertThat(s.value("vertx_http_server_requests_total", "route", "/v1/images", "method", "POST", "code", "201"))
        .isGreaterThanOrEqualTo(1);
    assertThat(s.value("vertx_http_server_requests_total", "route", "/v1/images/:id", "method", "GET", "code", "200"))
        .isGreaterThanOrEqualTo(2);
    assertThat(s.value("vertx_http_server_requests_total", "route", "/v1/images/:id", "method", "GET", "code", "404"))
        .isGreaterThanOrEqualTo(1);
    // refused by authentication before reaching its route: the last template it passed
    assertThat(s.value("vertx_http_server_requests_total", "route", "/v1/", "method", "GET", "code", "401"))
        .isGreaterThanOrEqualTo(1);
    // no series carries a raw id, nor a webhook host's connection pool
    assertThat(s.series().keySet()).noneMatch(k -> k.contains(id) || k.contains("pool_type=\"http\""));
  }

  @Test
  void requestsRefusedBeforeAnyRouteAreCountedUnderTheEmptyRouteAndTheHttpSeriesKeepTheirShape() throws Exception {
    Scrape before = Scrape.of(anonymous);
    assertThat(api.post("/v1/images/estimate", new JsonObject().put("prompt", "a lighthouse")).status()).isEqualTo(200);
    // refused at the front door (a malformed escape) and by the HTTP decoder (HTTP/2.5): no router ran
    assertThat(rawStatusLine("GET /v1/images/%zz HTTP/1.1")).startsWith("HTTP/1.1 400 ");
    assertThat(rawStatusLine("GET /v1/images HTTP/2.5")).contains(" 400 ");
    Scrape s = Scrape.of(anonymous);

    String[] refused = {"route", "", "method", "GET", "code", "400"};
    assertThat(s.sum("vertx_http_server_requests_total", refused)
        - before.sum("vertx_http_server_requests_total", refused)).isEqualTo(2);
    String[] estimate = {"route", "/v1/images/estimate", "method", "POST", "code", "200"};
    double count = s.value("vertx_http_server_response_time_seconds_count", estimate);
    assertThat(count).isGreaterThanOrEqualTo(1).isEqualTo(s.value("vertx_http_server_requests_total", estimate));
    assertThat(s.value("vertx_http_server_response_time_seconds_sum", estimate)).isPositive();
    // the fixed buckets the dashboard's quantiles read, cumulative up to +Inf = count
    java.util.List<String> bounds = s.matching("vertx_http_server_response_time_seconds_bucket", estimate).keySet()
        .stream().map(k -> k.replaceAll(".*le=\"([^\"]+)\".*", "$1")).toList();
    assertThat(bounds).containsExactlyInAnyOrder("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5",
        "5.0", "10.0", "30.0", "+Inf");
    assertThat(s.value("vertx_http_server_response_time_seconds_bucket", estimate[0], estimate[1], estimate[2],
        estimate[3], estimate[4], estimate[5], "le", "+Inf")).isEqualTo(count);
    // the dashboard's in-flight panel: this scrape is a GET in flight on an open connection
    assertThat(s.value("vertx_http_server_active_requests", "method", "GET")).isGreaterThanOrEqualTo(1);
    assertThat(s.value("vertx_http_server_active_connections")).isGreaterThanOrEqualTo(1);
    // sizes and per-socket bytes are not recorded (no panel reads them)
    assertThat(s.count("vertx_http_server_request_bytes") + s.count("vertx_http_server_response_bytes")
        + s.count("vertx_http_server_bytes_")).isZero();
  }

  /** The status line answered to one request written by hand (what java.net.http refuses to send). */
  static String rawStatusLine(String requestLine) throws Exception {
    URI base = URI.create(anonymous.base());
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write((requestLine + "\r\nHost: " + base.getAuthority() + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }
  }

  @Test
  void aThousandDistinctJunkPathsAndMethodsDoNotMakeAThousandSeries() {
    for (int i = 0; i < 20; i++) {
      anonymous.get("/warmup/" + i);
      anonymous.get("/v1/warmup/" + i);
      anonymous.method("BREW" + i, "/x" + i, null);
    }
    long before = Scrape.of(anonymous).series().size();
    for (int i = 0; i < 1000; i++) {
      ApiClient.Response r = switch (i % 4) {
        case 0 -> anonymous.get("/junk/" + i + "/img_" + i);
        case 1 -> anonymous.get("/v1/junk-" + i);
        case 2 -> anonymous.method("M" + i, "/v1/images/img_" + i, null);
        default -> anonymous.get("/v1/images/img_" + i + "/nothing/" + i);
      };
      assertThat(r.status()).isBetween(400, 499);
    }
    Scrape after = Scrape.of(anonymous);
    assertThat(after.series().size() - before).as("new series after 1,000 junk requests").isLessThan(40);
    assertThat(after.series().keySet()).noneMatch(k -> k.contains("junk") || k.contains("M999"));
    assertThat(after.sum("vertx_http_server_requests_total", "route", "")).isGreaterThanOrEqualTo(250);
    assertThat(after.sum("vertx_http_server_requests_total", "method", "OTHER")).isGreaterThanOrEqualTo(250);
  }

  @Test
  void webhookAttemptsAreCountedByOutcomeAndAnOpenBreakerShowsItsState() {
    createAndAwait("http://127.0.0.1:" + accepting.actualPort() + "/hook");
    createAndAwait("http://127.0.0.1:" + failing.actualPort() + "/hook");
    String failingHost = "127.0.0.1:" + failing.actualPort();
    Scrape s = Polling.until(() -> Scrape.of(anonymous),
        x -> x.sum("aurous_webhook_attempts_total", "outcome", "succeeded") >= 1
            && x.sum("aurous_webhook_attempts_total", "outcome", "http_5xx") >= 1
            && !x.matching("aurous_webhook_breaker_state", "host", failingHost).isEmpty(),
        Duration.ofSeconds(30), "both webhook attempts counted");

    assertThat(s.value("aurous_webhook_attempts_total", "outcome", "succeeded")).isGreaterThanOrEqualTo(1);
    assertThat(s.value("aurous_webhook_attempts_total", "outcome", "http_5xx")).isGreaterThanOrEqualTo(1);
    // one failure opens it (breaker_max_failures 1); the healthy host's breaker was forgotten
    assertThat(s.value("aurous_webhook_breaker_state", "host", failingHost)).isEqualTo(2.0);
    assertThat(s.matching("aurous_webhook_breaker_state", "host", "127.0.0.1:" + accepting.actualPort())).isEmpty();
  }

  @Test
  void metricsNeedNoApiKeyAndRefuseOtherMethodsInTheEnvelope() {
    ApiClient.Response r = anonymous.method("POST", "/metrics", "{}");
    assertThat(r.status()).isEqualTo(405);
    assertThat(r.errorCode()).isEqualTo("method_not_allowed");
    assertThat(r.header("Aurous-Request-Id")).startsWith("req_");
  }
}
