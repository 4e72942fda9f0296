package com.aurous.server.loadtest;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The API calls a load test makes, each one Future of its {@link Outcome}; non-blocking (Vert.x
 * WebClient) so the generator's own threads never limit the rate.
 */
final class ImagesApi {
  private static final int KNOWN_IDS = 1000;

  private final Vertx vertx;
  private final WebClient client;
  private final LoadTestPlan plan;
  private final String base;
  private final long timeoutMillis;
  /** Generations this run created, for the "get" kind (a bounded ring). */
  private final List<String> knownIds = new ArrayList<>();
  private int nextIdSlot;

  ImagesApi(Vertx vertx, WebClient client, LoadTestPlan plan) {
    this.vertx = vertx;
    this.client = client;
    this.plan = plan;
    this.base = plan.url().toString();
    this.timeoutMillis = (long) (plan.requestTimeoutSeconds() * 1000);
  }

  Future<Outcome> call(RequestKind kind, long seq) {
    return switch (kind) {
      case ESTIMATE -> estimate(seq);
      case CREATE -> create(seq, false);
      case CREATE_WAIT -> create(seq, true);
      case GET -> get();
    };
  }

  boolean hasKnownIds() {
    if (plan.getId() != null) {
      return true;
    }
    synchronized (knownIds) {
      return !knownIds.isEmpty();
    }
  }

  Future<Outcome> estimate(long seq) {
    return request(HttpMethod.POST, "/v1/images/estimate").sendJsonObject(body(seq))
        .map(r -> r.statusCode() == 200 ? Outcome.ok() : errorOf(r))
        .recover(ImagesApi::transport);
  }

  Future<Outcome> get() {
    String id = plan.getId();
    if (id == null) {
      synchronized (knownIds) {
        id = knownIds.isEmpty() ? null : knownIds.get(ThreadLocalRandom.current().nextInt(knownIds.size()));
      }
    }
    if (id == null) {
      return Future.succeededFuture(Outcome.error("no_generation_to_get"));
    }
    return request(HttpMethod.GET, "/v1/images/" + id).send()
        .map(r -> r.statusCode() == 200 ? Outcome.ok() : errorOf(r))
        .recover(ImagesApi::transport);
  }

  /**
   * POST /v1/images; with {@code preferWait} it asks the server to hold the answer until the
   * generation is terminal (RFC 7240: a server that does not know the preference ignores it, and
   * one that honours it says so in Preference-Applied). With --until succeeded whatever is not
   * terminal yet is polled.
   */
  Future<Outcome> create(long seq, boolean preferWait) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    HttpRequest<Buffer> req = request(HttpMethod.POST, "/v1/images");
    if (preferWait) {
      req.putHeader("Prefer", "wait=" + plan.preferWaitSeconds());
      req.timeout(Math.max(timeoutMillis, plan.preferWaitSeconds() * 1000L + 5000));
    }
    return req.sendJsonObject(body(seq).put("seed", seq & 0xffffffffL)).compose(r -> {
      if (r.statusCode() != 201 && r.statusCode() != 200) {
        return Future.succeededFuture(errorOf(r));
      }
      JsonObject g = json(r);
      String applied = r.getHeader("Preference-Applied");
      boolean wasApplied = applied != null && applied.toLowerCase(java.util.Locale.ROOT).contains("wait");
      String id = g == null ? null : g.getString("id");
      if (id == null) {
        return Future.succeededFuture(Outcome.error(r.statusCode() + " no_id_in_response"));
      }
      remember(id);
      long credits = amount(g);
      if (!plan.untilSucceeded()) {
        return Future.succeededFuture(new Outcome(null, g.getInteger("image_count", plan.count()), credits, wasApplied));
      }
      return untilTerminal(id, g, deadline)
          .map(o -> new Outcome(o.errorKey(), o.images(), o.credits() > 0 ? o.credits() : credits, wasApplied));
    }).recover(ImagesApi::transport);
  }

  private Future<Outcome> untilTerminal(String id, JsonObject g, long deadline) {
    String status = g.getString("status", "");
    switch (status) {
      case "succeeded":
        return Future.succeededFuture(new Outcome(null, g.getInteger("image_count", plan.count()), amount(g), false));
      case "failed", "cancelled":
        return Future.succeededFuture(Outcome.error("generation_" + status));
      default:
        break;
    }
    if (System.nanoTime() > deadline) {
      return Future.succeededFuture(Outcome.error("timeout until_succeeded"));
    }
    return vertx.timer(plan.pollMillis())
        .compose(t -> request(HttpMethod.GET, "/v1/images/" + id).send())
        .compose(r -> r.statusCode() == 200
            ? untilTerminal(id, json(r) == null ? new JsonObject() : json(r), deadline)
            : Future.succeededFuture(errorOf(r)));
  }

  private void remember(String id) {
    synchronized (knownIds) {
      if (knownIds.size() < KNOWN_IDS) {
        knownIds.add(id);
      } else {
        knownIds.set(nextIdSlot, id);
        nextIdSlot = (nextIdSlot + 1) % KNOWN_IDS;
      }
    }
  }

  private HttpRequest<Buffer> request(HttpMethod method, String path) {
    return client.requestAbs(method, base + path)
        .putHeader("X-Api-Key", plan.key())
        .putHeader("User-Agent", "aurous-loadtest")
        .timeout(timeoutMillis);
  }

  private JsonObject body(long seq) {
    JsonObject b = new JsonObject().put("prompt", plan.prompt());
    b.mergeIn(plan.shapes().get((int) (seq % plan.shapes().size())));
    b.put("steps", plan.steps().get((int) (seq % plan.steps().size())));
    if (plan.count() != 1) {
      b.put("count", plan.count());
    }
    return b;
  }

  private static long amount(JsonObject g) {
    Object cost = g.getValue("cost");
    if (cost instanceof JsonObject c && c.getValue("amount") instanceof Number n) {
      return n.longValue();
    }
    return 0;
  }

  private static JsonObject json(HttpResponse<Buffer> r) {
    try {
      return r.body() == null ? null : r.bodyAsJsonObject();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** "STATUS code" from the error envelope; "STATUS no_envelope" when the body is not one. */
  private static Outcome errorOf(HttpResponse<Buffer> r) {
    JsonObject j = json(r);
    JsonObject e = j == null ? null : j.getJsonObject("error");
    String code = e == null || e.getString("code") == null ? "no_envelope" : e.getString("code");
    return Outcome.error(r.statusCode() + " " + code);
  }

  private static Future<Outcome> transport(Throwable t) {
    String what = t instanceof java.util.concurrent.TimeoutException
        || String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("timeout")
        ? "timeout" : t.getClass().getSimpleName();
    return Future.succeededFuture(Outcome.error("transport " + what));
  }
}
