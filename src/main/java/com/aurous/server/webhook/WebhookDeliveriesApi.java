package com.aurous.server.webhook;

import com.aurous.server.api.ApiException;
import com.aurous.server.api.Authentication;
import com.aurous.server.api.HttpVerticle;
import com.aurous.server.api.PageParams;
import com.aurous.server.auth.Team;
import com.aurous.server.generation.GenerationStore;
import com.aurous.server.util.Ids;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

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
    PageParams.refuseQuery(ctx);
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
          return WebhookDeliveryStore.list(pool, id, team.id());
        })
        .map(deliveries -> new JsonObject().put("object", "list").put("data", deliveries))
        .onSuccess(body -> ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(body.encode()))
        .onFailure(ctx::fail);
  }

  private static ApiException notFound(String id) {
    return ApiException.notFound("No image generation '" + id + "'.", "id");
  }
}
