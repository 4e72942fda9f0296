package com.aurous.server.observability;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * cluster/grafana-dashboard.json queries only series a node really exposes: every metric name in
 * its PromQL is looked up in the /metrics of a node that has made a generation and delivered
 * (or tried to deliver) a webhook, so a renamed meter breaks this test and not a dashboard.
 */
class GrafanaDashboardTest {
  static final Path DASHBOARD = Path.of("cluster", "grafana-dashboard.json");
  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern GROUPING = Pattern.compile(
      "\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)");
  private static final Pattern IDENTIFIER = Pattern.compile("(?<![0-9.a-zA-Z_:$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "inf", "nan");

  static TestNode node;
  static Vertx receivers;
  static HttpServer failing;

  @BeforeAll
  static void start() {
    receivers = Vertx.vertx();
    failing = receivers.createHttpServer().requestHandler(r -> r.response().setStatusCode(503).end())
        .listen(0, "127.0.0.1").await();
    node = TestNode.startWithEngine(new JsonObject().put("intra_op_threads", 1),
        new JsonObject()
            .put("metrics", new JsonObject().put("pending_sample_interval_ms", 200))
            .put("api", new JsonObject().put("allow_insecure_urls", true))
            .put("webhooks", new JsonObject().put("poll_interval_ms", 200).put("max_attempts", 1)
                .put("breaker_max_failures", 1).put("breaker_reset_ms", 600_000)));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    receivers.close().await();
  }

  @Test
  void everyMetricTheDashboardQueriesIsOneANodeExposes() throws Exception {
    ApiClient api = node.client(node.newTeam(1000).key());
    api.post("/v1/images/estimate", new JsonObject().put("prompt", "a lighthouse"));
    String plain = create(api, new JsonObject().put("prompt", "a lighthouse at dusk").put("steps", 3));
    String hooked = create(api, new JsonObject().put("prompt", "a lighthouse at dawn").put("steps", 3)
        .put("webhook_url", "http://127.0.0.1:" + failing.actualPort() + "/hook"));
    for (String id : List.of(plain, hooked)) {
      Polling.until(() -> api.get("/v1/images/" + id).json().getString("status"), "succeeded"::equals,
          Duration.ofSeconds(60), id + " to succeed");
    }
    Scrape scrape = Polling.until(() -> Scrape.of(node.client(null)),
        s -> s.count("aurous_webhook_attempts_total") > 0 && s.count("aurous_webhook_breaker_state") > 0
            && s.count("aurous_inference_count_total") > 0,
        Duration.ofSeconds(30), "the webhook and engine series");
    Set<String> exposed = new TreeSet<>();
    scrape.series().keySet().forEach(s -> exposed.add(s.contains("{") ? s.substring(0, s.indexOf('{')) : s));

    List<String> queries = queries(new JsonObject(Files.readString(DASHBOARD)));
    assertThat(queries).hasSizeGreaterThanOrEqualTo(15);
    Set<String> used = new TreeSet<>();
    queries.forEach(q -> used.addAll(metricNames(q)));
    // what the issue asks the dashboard to show, by the series it takes them from
    assertThat(used).contains("vertx_http_server_requests_total", "vertx_http_server_response_time_seconds_bucket",
        "aurous_inference_pending_request_count", "aurous_inference_queue_duration_seconds_bucket",
        "aurous_engine_batch_size_sum", "aurous_inference_compute_infer_duration_seconds_bucket",
        "aurous_inference_count_total", "aurous_webhook_attempts_total", "aurous_webhook_breaker_state");
    for (String name : used) {
      assertThat(exposed).as("metric %s queried by the dashboard", name).contains(name);
    }
  }

  @Test
  void theNameExtractionSeesMetricsAndNotFunctionsLabelsOrRanges() {
    assertThat(metricNames("histogram_quantile(0.99, sum by (le, route) (rate(a_bucket{instance=~\"$instance\", code=~\"4..\"}[$__rate_interval])))"))
        .containsExactly("a_bucket");
    assertThat(metricNames("sum(rate(x_sum[5m])) / sum without (worker) (rate(x_count[1e3s])) and on(job) up"))
        .containsExactlyInAnyOrder("x_sum", "x_count", "up");
    assertThat(metricNames("label_values(vertx_http_server_requests_total, instance)"))
        .containsExactly("vertx_http_server_requests_total");
  }

  /** Every PromQL expression of the dashboard: panel targets (rows' nested panels too) and query variables. */
  static List<String> queries(JsonObject dashboard) {
    List<String> out = new ArrayList<>();
    collectPanels(dashboard.getJsonArray("panels", new JsonArray()), out);
    for (Object v : dashboard.getJsonObject("templating").getJsonArray("list")) {
      JsonObject var = (JsonObject) v;
      if ("query".equals(var.getString("type"))) {
        Object q = var.getValue("query");
        out.add(q instanceof JsonObject o ? o.getString("query") : String.valueOf(q));
      }
    }
    return out;
  }

  private static void collectPanels(JsonArray panels, List<String> out) {
    for (Object p : panels) {
      JsonObject panel = (JsonObject) p;
      if (!"row".equals(panel.getString("type"))) {
        assertThat(panel.getJsonArray("targets")).as("targets of panel " + panel.getString("title")).isNotEmpty();
        assertThat(panel.getString("description")).as("description of panel " + panel.getString("title")).isNotBlank();
      }
      for (Object t : panel.getJsonArray("targets", new JsonArray())) {
        out.add(((JsonObject) t).getString("expr"));
      }
      collectPanels(panel.getJsonArray("panels", new JsonArray()), out);
    }
  }

  /** The metric names in one PromQL expression: identifiers outside strings, selectors, ranges and groupings that are not called. */
  static Set<String> metricNames(String promql) {
    Set<String> out = new TreeSet<>();
    Matcher lv = LABEL_VALUES.matcher(promql);
    if (lv.find()) {
      out.add(lv.group(1));
      return out;
    }
    String s = STRING.matcher(promql).replaceAll(" ");
    s = s.replaceAll("\\{[^}]*\\}", " ").replaceAll("\\[[^\\]]*\\]", " ");
    s = GROUPING.matcher(s).replaceAll(" ");
    Matcher m = IDENTIFIER.matcher(s);
    while (m.find()) {
      if (m.group(2) == null && !KEYWORDS.contains(m.group(1).toLowerCase())) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  private static String create(ApiClient api, JsonObject body) {
    ApiClient.Response r = api.post("/v1/images", body);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("id");
  }
}
