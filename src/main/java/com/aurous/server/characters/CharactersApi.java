package com.aurous.server.characters;

import com.aurous.server.api.ApiException;
import com.aurous.server.api.Authentication;
import com.aurous.server.api.HttpVerticle;
import com.aurous.server.api.ImageRequestParser;
import com.aurous.server.api.JsonBodies;
import com.aurous.server.api.PageParams;
import com.aurous.server.auth.Team;
import com.aurous.server.catalog.FileCatalog;
import com.aurous.server.util.Ids;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Set;

/**
 * {@code /v1/characters}: create (201, status synthesizing; the job on some node makes it ready
 * or failed), get, list, delete. Team-scoped: another team's character is exactly as absent as
 * a missing one.
 */
public final class CharactersApi implements HttpVerticle.RouteMount {
  static final int MAX_NAME = 200;
  private static final Set<String> FIELDS = Set.of("name", "reference_image_urls", "consistency_denoise_strength");

  private final CharacterStore store;
  private final ImageRequestParser references;
  private final FileCatalog files;
  private final CharacterSettings settings;
  private final int listDefaultLimit;
  private final int listMaxLimit;

  public CharactersApi(CharacterStore store, ImageRequestParser references, FileCatalog files, CharacterSettings settings,
      int listDefaultLimit, int listMaxLimit) {
    this.store = store;
    this.references = references;
    this.files = files;
    this.settings = settings;
    this.listDefaultLimit = listDefaultLimit;
    this.listMaxLimit = listMaxLimit;
  }

  @Override
  public void mount(Router router) {
    router.post("/v1/characters").handler(this::create);
    router.get("/v1/characters").handler(this::list);
    router.get("/v1/characters/:id").handler(this::get);
    router.delete("/v1/characters/:id").handler(this::delete);
  }

  void create(RoutingContext ctx) {
    Team team = Authentication.team(ctx);
    PageParams.refuseQuery(ctx);
    JsonObject body = JsonBodies.object(ctx);
    for (String f : body.fieldNames()) {
      if (!FIELDS.contains(f)) {
        throw ApiException.invalid("unknown_field", "Unknown field '" + f + "'.", f);
      }
    }
    if (!(body.getValue("name") instanceof String name)) {
      throw body.getValue("name") == null ? ApiException.invalid("missing_field", "name is required.", "name")
          : ApiException.invalid("invalid_type", "name must be a string.", "name");
    }
    int nameLength = name.codePointCount(0, name.length());
    if (name.isBlank() || nameLength > MAX_NAME || name.indexOf('\0') >= 0) {
      throw ApiException.invalid("invalid_value", "name must be 1-" + MAX_NAME + " characters, not only whitespace.", "name");
    }
    if (body.getValue("reference_image_urls") == null) {
      throw ApiException.invalid("missing_field", "reference_image_urls is required (1-" + ImageRequestParser.MAX_REFERENCES
          + " file ids or https URLs).", "reference_image_urls");
    }
    List<String> refs = references.references(body);
    if (refs.isEmpty()) {
      throw ApiException.invalid("too_few_items", "reference_image_urls needs at least one reference.", "reference_image_urls");
    }
    double denoise = settings.defaultDenoiseStrength();
    Object d = body.getValue("consistency_denoise_strength");
    if (d != null) {
      if (!(d instanceof Number n) || Double.isNaN(n.doubleValue())) {
        throw ApiException.invalid("invalid_type", "consistency_denoise_strength must be a number.", "consistency_denoise_strength");
      }
      if (n.doubleValue() < 0 || n.doubleValue() > 1) {
        throw ApiException.invalid("out_of_range", "consistency_denoise_strength must be between 0 and 1.",
            "consistency_denoise_strength");
      }
      denoise = n.doubleValue();
    }
    double strength = denoise;
    List<String> fileIds = refs.stream().filter(r -> r.startsWith("file_")).distinct().toList();
    // The files are locked in the insert's transaction, so a concurrent delete of one either sees the character (409)
    // or wins (404 here); a character never names a file deleted meanwhile.
    store.pool().withTransaction(tx -> files.missingOrHold(tx, team.id(), fileIds)
        .compose(missing -> {
          for (int i = 0; i < refs.size(); i++) {
            if (missing.contains(refs.get(i))) {
              return Future.failedFuture(ApiException.notFound("No file '" + refs.get(i) + "' (files expire; upload it again).",
                  "reference_image_urls[" + i + "]"));
            }
          }
          return store.insert(tx, Ids.newId("char"), team.id(), name, refs, strength);
        }))
        .onSuccess(row -> {
          ctx.vertx().eventBus().publish(CharacterSynthesisVerticle.PENDING, null);
          PageParams.sendJson(ctx, 201, CharacterStore.toJson(row));
        })
        .onFailure(ctx::fail);
  }

  void get(RoutingContext ctx) {
    Team team = Authentication.team(ctx);
    PageParams.refuseQuery(ctx);
    String id = characterId(ctx);
    store.find(team.id(), id)
        .onSuccess(row -> {
          if (row == null) {
            ctx.fail(notFound(id));
          } else {
            PageParams.sendJson(ctx, 200, CharacterStore.toJson(row));
          }
        })
        .onFailure(ctx::fail);
  }

  void list(RoutingContext ctx) {
    Team team = Authentication.team(ctx);
    PageParams page = PageParams.of(ctx, "char", listDefaultLimit, listMaxLimit);
    store.list(team.id(), page.startingAfter(), page.limit() + 1)
        .onSuccess(rows -> PageParams.sendJson(ctx, 200, page.page(rows, CharacterStore::toJson)))
        .onFailure(ctx::fail);
  }

  void delete(RoutingContext ctx) {
    Team team = Authentication.team(ctx);
    PageParams.refuseQuery(ctx);
    String id = characterId(ctx);
    store.delete(team.id(), id)
        .onSuccess(existed -> {
          if (!existed) {
            ctx.fail(notFound(id));
          } else {
            PageParams.sendJson(ctx, 200, new JsonObject().put("id", id).put("object", "character").put("deleted", true));
          }
        })
        .onFailure(ctx::fail);
  }

  private static String characterId(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (!Ids.isId("char", id)) {
      throw notFound(id);
    }
    return id;
  }

  private static ApiException notFound(String id) {
    return ApiException.notFound("No character '" + id + "'.", "id");
  }
}
