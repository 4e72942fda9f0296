package com.aurous.server.testing;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A plain HTTP client for tests: real requests over loopback, nothing of the server's own code. */
public final class ApiClient {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final String apiKey;

  public ApiClient(String base, String apiKey) {
    this.base = base;
    this.apiKey = apiKey;
  }

  public String base() {
    return base;
  }

  public String apiKey() {
    return apiKey;
  }

  public record Response(int status, Map<String, java.util.List<String>> headers, String body, byte[] bytes) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    public String header(String name) {
      for (var e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }

    public String errorCode() {
      return json().getJsonObject("error").getString("code");
    }

    public String errorParam() {
      return json().getJsonObject("error").getString("param");
    }
  }

  public Response post(String path, String body, String... headers) {
    return send(builder(path, headers).POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  public Response post(String path, JsonObject body, String... headers) {
    return post(path, body.encode(), headers);
  }

  public Response get(String path, String... headers) {
    return send(builder(path, headers).GET());
  }

  public Response method(String method, String path, String body, String... headers) {
    return send(builder(path, headers).method(method,
        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
  }

  private HttpRequest.Builder builder(String path, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    if (apiKey != null) {
      b.header("X-Api-Key", apiKey);
    }
    b.header("Content-Type", "application/json");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  private Response send(HttpRequest.Builder b) {
    try {
      HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Response(r.statusCode(), r.headers().map(), new String(r.body(), java.nio.charset.StandardCharsets.UTF_8), r.body());
    } catch (Exception e) {
      throw new IllegalStateException("request failed: " + e, e);
    }
  }
}
