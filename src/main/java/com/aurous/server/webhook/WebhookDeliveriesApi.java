package com.aurous.server.webhook;

import com.aurous.server.api.ApiException;
import com.aurous.server.api.Authentication;
import com.aurous.server.api.HttpVerticle;
import com.aurous.server.auth.Team;
import com.aurous.server.generation.GenerationStore;
import com.aurous.server.generation.GenerationView;
import com.aurous.server.util.Ids;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/images/{id}/webhook_deliveries}: a team sees its generation's deliveries and every attempt. */
public final class WebhookDeliveriesApi implements HttpVerticle.RouteMount {
  private final Pool pool;
  private final GenerationStore generations;

  public WebhookDeliveriesApi(Pool pool, GenerationStore generations) {
    this.pool = pool;
    this.generations = generations;
  }

  @Override
  public void mount(Router router) {
    router.get("/v1/images/:id/webhook_deliveries").handler(this::list);
  }

  void list(RoutingContext ctx) {
    Team team = Authentication.team(ctx);
    String id = ctx.pathParam("id");
    if (!Ids.isId("img", id)) {
      ctx.fail(notFound(id));
      return;
    }
    generations.exists(team.id(), id)
        .compose(owned -> {
          if (!owned) {
            throw notFound(id);
          }
          return pool.preparedQuery("SELECT id, event, url, webhook_id, status, created_at, completed_at"
                  + " FROM webhook_deliveries WHERE generation_id = $1 AND team_id = $2 ORDER BY created_at, id")
              .execute(Tuple.of(id, team.id()));
        })
        .compose(deliveries -> {
          Map<String, JsonObject> byId = new LinkedHashMap<>();
          List<String> ids = new ArrayList<>();
          for (Row r : deliveries) {
            ids.add(r.getString("id"));
            byId.put(r.getString("id"), new JsonObject()
                .put("id", r.getString("id"))
                .put("object", "webhook_delivery")
                .put("event", r.getString("event"))
                .put("url", r.getString("url"))
                .put("webhook_id", r.getString("webhook_id"))
                .put("status", r.getString("status"))
                .put("attempts", new JsonArray())
                .put("created_at", GenerationView.timestamp(r.getOffsetDateTime("created_at")))
                .put("completed_at", GenerationView.timestamp(r.getOffsetDateTime("completed_at"))));
          }
          return pool.preparedQuery("SELECT delivery_id, attempt, status_code, error, duration_ms, started_at"
                  + " FROM webhook_attempts WHERE delivery_id = ANY($1) ORDER BY delivery_id, attempt")
              .execute(Tuple.of(ids.toArray(new String[0])))
              .map(attempts -> {
                for (Row a : attempts) {
                  byId.get(a.getString("delivery_id")).getJsonArray("attempts").add(new JsonObject()
                      .put("attempt", a.getInteger("attempt"))
                      .put("status_code", a.getInteger("status_code"))
                      .put("error", a.getString("error"))
                      .put("duration_ms", a.getLong("duration_ms"))
                      .put("started_at", GenerationView.timestamp(a.getOffsetDateTime("started_at"))));
                }
                return new JsonObject().put("object", "list").put("data", new JsonArray(new ArrayList<>(byId.values())));
              });
        })
        .onSuccess(body -> ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(body.encode()))
        .onFailure(ctx::fail);
  }

  private static ApiException notFound(String id) {
    return ApiException.notFound("No image generation '" + id + "'.", "id");
  }
}
