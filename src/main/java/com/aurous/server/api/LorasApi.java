package com.aurous.server.api;

import com.aurous.server.auth.Team;
import com.aurous.server.catalog.LoraStore;
import com.aurous.server.catalog.Style;
import com.aurous.server.util.Ids;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * {@code GET /v1/loras} and {@code GET /v1/loras/{id}}: the style catalog a team may use (public
 * entries and its own), single LoRAs and bundles alike, in catalog order (id ascending, the order
 * auto-pick tries them in). Paged like GET /v1/images.
 */
public final class LorasApi implements HttpVerticle.RouteMount {
  private final LoraStore loras;
  private final int listDefaultLimit;
  private final int listMaxLimit;

  public LorasApi(LoraStore loras, int listDefaultLimit, int listMaxLimit) {
    this.loras = loras;
    this.listDefaultLimit = listDefaultLimit;
    this.listMaxLimit = listMaxLimit;
  }

  @Override
  public void mount(Router router) {
    router.get("/v1/loras").handler(this::list);
    router.get("/v1/loras/:id").handler(this::get);
  }

  /** GET /v1/loras?limit=&starting_after= */
  void list(RoutingContext ctx) {
    Team team = Authentication.team(ctx);
    PageParams params = PageParams.of(ctx, "lora", listDefaultLimit, listMaxLimit);
    String after = params.startingAfter();
    int pageSize = params.limit();
    loras.page(team.id(), after, pageSize + 1)
        .onSuccess(rows -> {
          List<Style> page = rows.subList(0, Math.min(pageSize, rows.size()));
          JsonArray data = new JsonArray();
          page.forEach(s -> data.add(toJson(s)));
          boolean hasMore = rows.size() > pageSize;
          ImagesApi.sendJson(ctx, 200, new JsonObject()
              .put("object", "list")
              .put("data", data)
              .put("has_more", hasMore)
              .put("next_cursor", hasMore ? page.get(page.size() - 1).id() : null)
              .encode());
        })
        .onFailure(ctx::fail);
  }

  /** GET /v1/loras/{id}: by id, slug or legacy UUID; another team's private entry is 404 like a missing one. */
  void get(RoutingContext ctx) {
    Team team = Authentication.team(ctx);
    PageParams.refuseQuery(ctx);
    String ref = ctx.pathParam("id");
    if (!ImageRequestParser.isLoraReference(ref)) {
      throw notFound(ref);
    }
    loras.find(team.id(), ref)
        .onSuccess(style -> {
          if (style == null) {
            ctx.fail(notFound(ref));
          } else {
            ImagesApi.sendJson(ctx, 200, toJson(style).encode());
          }
        })
        .onFailure(ctx::fail);
  }

  static JsonObject toJson(Style s) {
    return new JsonObject()
        .put("id", s.id())
        .put("object", "lora")
        .put("kind", s.kind())
        .put("slug", s.slug())
        .put("uuid", s.legacyUuid())
        .put("name", s.name())
        .put("description", s.description())
        .put("visibility", s.teamId() == null ? "public" : "team")
        .put("style_defaults", new JsonObject()
            .put("steps", s.steps())
            .put("guidance_scale", s.guidanceScale())
            .put("cfg_rescale", s.cfgRescale())
            .put("denoise_strength", s.denoiseStrength()))
        .put("style_template", s.styleTemplate())
        .put("keywords", new JsonArray(s.keywords()));
  }

  private static ApiException notFound(String ref) {
    // Never echo a hostile reference back at full length.
    String shown = ref.length() > 80 ? ref.substring(0, 80) + "..." : ref;
    return ApiException.notFound("No LoRA '" + shown + "' is available to your team.", "id");
  }
}
