package com.aurous.server.api;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /openapi.json: OpenAPI 3.1 describing exactly the routes the node serves. */
class OpenApiTest {
  static TestNode node;
  static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

  @BeforeAll
  static void start() {
    node = TestNode.start();
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  @Test
  void documentIs31AndListsExactlyTheRoutes() {
    ApiClient.Response r = node.client(null).get("/openapi.json");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).startsWith("application/json");
    JsonObject doc = r.json();
    assertThat(doc.getString("openapi")).startsWith("3.1.");
    Set<String> ops = new TreeSet<>();
    JsonObject paths = doc.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      for (String m : paths.getJsonObject(path).fieldNames()) {
        if (HTTP_METHODS.contains(m)) {
          ops.add(m.toUpperCase() + " " + path);
        }
      }
    }
    assertThat(ops).containsExactlyInAnyOrder(
        "GET /openapi.json", "GET /healthz", "GET /health/live", "GET /health/ready", "GET /metrics", "GET /playground",
        "POST /v1/images/estimate", "POST /v1/images", "GET /v1/images",
        "GET /v1/images/{id}", "GET /v1/images/{id}/events", "POST /v1/images/{id}/cancel", "GET /v1/images/{id}/output/{n}",
        "GET /v1/images/{id}/webhook_deliveries", "GET /v1/loras", "GET /v1/loras/{id}",
        "POST /v1/files", "GET /v1/files", "GET /v1/files/{id}", "DELETE /v1/files/{id}",
        "POST /v1/characters", "GET /v1/characters", "GET /v1/characters/{id}", "DELETE /v1/characters/{id}");
    // the API key scheme, and which operations do without it
    assertThat(doc.getJsonObject("components").getJsonObject("securitySchemes").getJsonObject("ApiKey").getString("name"))
        .isEqualTo("X-Api-Key");
    assertThat(paths.getJsonObject("/v1/images/{id}/output/{n}").getJsonObject("get").getJsonArray("security")).isEmpty();
    assertThat(paths.getJsonObject("/v1/images").getJsonObject("post").getJsonArray("security")).isNull(); // inherits the global one
    assertThat(doc.getJsonArray("security").getJsonObject(0).containsKey("ApiKey")).isTrue();
  }

  /** Both ways: a route added without its documentation, or documentation of a route that is gone, fails. */
  @Test
  void everyRouteTheRouterServesIsInTheDocumentAndEveryDocumentedOperationIsServed() {
    List<String> served = node.node().endpoints();
    assertThat(served).contains("GET /v1/images/{id}", "POST /v1/images", "GET /metrics", "GET /health/ready");
    assertThat(served).doesNotHaveDuplicates();
    Set<String> documented = documentedOperations(node.client(null).get("/openapi.json").json());
    assertThat(documented).as("documented operations").containsExactlyInAnyOrderElementsOf(served);
  }

  /** Every operation has what the linters ask for (the linters themselves run in .ci/run). */
  @Test
  void everyOperationHasAnIdTagsADescriptionAndAClientErrorResponse() {
    JsonObject doc = node.client(null).get("/openapi.json").json();
    Set<String> tags = new TreeSet<>();
    doc.getJsonArray("tags").forEach(t -> tags.add(((JsonObject) t).getString("name")));
    Set<String> ids = new TreeSet<>();
    JsonObject paths = doc.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      for (String m : paths.getJsonObject(path).fieldNames()) {
        JsonObject op = paths.getJsonObject(path).getJsonObject(m);
        String what = m.toUpperCase() + " " + path;
        assertThat(ids.add(op.getString("operationId"))).as(what + " has a unique operationId").isTrue();
        assertThat(op.getString("description")).as(what).isNotBlank();
        assertThat(op.getJsonArray("tags")).as(what).isNotEmpty();
        op.getJsonArray("tags").forEach(t -> assertThat(tags).as(what).contains((String) t));
        assertThat(op.getJsonObject("responses").fieldNames()).as(what).anyMatch(code -> code.startsWith("4"));
      }
    }
    assertThat(doc.getJsonObject("info").getJsonObject("license").getString("name")).isNotBlank();
  }

  static Set<String> documentedOperations(JsonObject doc) {
    Set<String> ops = new TreeSet<>();
    JsonObject paths = doc.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      for (String m : paths.getJsonObject(path).fieldNames()) {
        if (HTTP_METHODS.contains(m)) {
          ops.add(m.toUpperCase() + " " + path);
        }
      }
    }
    return ops;
  }

  @Test
  void everyRefResolves() {
    JsonObject doc = node.client(null).get("/openapi.json").json();
    List<String> refs = new ArrayList<>();
    collectRefs(doc, refs);
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      assertThat(ref).startsWith("#/");
      Object cur = doc;
      for (String part : ref.substring(2).split("/")) {
        cur = cur instanceof JsonObject o ? o.getValue(part) : null;
      }
      assertThat(cur).as(ref).isNotNull();
    }
  }

  private static void collectRefs(Object node, List<String> out) {
    if (node instanceof JsonObject o) {
      for (String k : o.fieldNames()) {
        if (k.equals("$ref")) {
          out.add(o.getString(k));
        } else {
          collectRefs(o.getValue(k), out);
        }
      }
    } else if (node instanceof JsonArray a) {
      a.forEach(v -> collectRefs(v, out));
    }
  }

  @Test
  void theRequestSchemaNamesExactlyTheFieldsTheParserAccepts() {
    JsonObject doc = node.client(null).get("/openapi.json").json();
    JsonObject props = doc.getJsonObject("components").getJsonObject("schemas").getJsonObject("ImageRequest").getJsonObject("properties");
    ApiClient api = node.client(node.newTeam(10).key());
    for (String field : props.fieldNames()) {
      ApiClient.Response r = api.post("/v1/images/estimate", new JsonObject().put("prompt", "p").putNull(field).put("prompt", "p"));
      assertThat(r.status()).as(field + ": " + r.body()).isEqualTo(200);
    }
    assertThat(api.post("/v1/images/estimate", new JsonObject().put("prompt", "p").put("not_in_schema", 1)).status()).isEqualTo(400);
  }
}
