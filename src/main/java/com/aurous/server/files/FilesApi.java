package com.aurous.server.files;

import com.aurous.server.api.ApiException;
import com.aurous.server.api.Authentication;
import com.aurous.server.api.HttpVerticle;
import com.aurous.server.api.MultipartBodies;
import com.aurous.server.api.PageParams;
import com.aurous.server.auth.Team;
import com.aurous.server.util.Ids;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /v1/files}: upload (multipart, part {@code file}), get, list, delete. An upload is
 * decoded in full on the bounded decoder pool (files.decode_threads) before anything is stored, so a file that exists is one
 * the engine can read. Another team's file and an expired one answer exactly like a missing one.
 */
public final class FilesApi implements HttpVerticle.RouteMount {
  private final FileStore store;
  private final ImageInspector inspector;
  private final WorkerExecutor decoders;
  private final FileSettings settings;
  private final int listDefaultLimit;
  private final int listMaxLimit;

  public FilesApi(FileStore store, ImageInspector inspector, WorkerExecutor decoders, FileSettings settings,
      int listDefaultLimit, int listMaxLimit) {
    this.store = store;
    this.inspector = inspector;
    this.decoders = decoders;
    this.settings = settings;
    this.listDefaultLimit = listDefaultLimit;
    this.listMaxLimit = listMaxLimit;
  }

  @Override
  public void mount(Router router) {
    router.post("/v1/files").handler(this::upload);
    router.get("/v1/files").handler(this::list);
    router.get("/v1/files/:id").handler(this::get);
    router.delete("/v1/files/:id").handler(this::delete);
  }

  void upload(RoutingContext ctx) {
    Team team = Authentication.team(ctx);
    PageParams.refuseQuery(ctx);
    byte[] bytes = MultipartBodies.upload(ctx).data().getBytes();
    if (bytes.length == 0) {
      throw ApiException.invalid("empty_file", "The uploaded file is empty.", MultipartBodies.FIELD);
    }
    decoders.executeBlocking(() -> inspector.decode(bytes), false)
        .recover(e -> Future.failedFuture(e instanceof ImageInspector.ImageRejected r
            ? ApiException.invalid(r.code(), r.getMessage(), MultipartBodies.FIELD) : e))
        .compose(img -> store.insert(Ids.newId("file"), team.id(), img.format(), bytes, img.width(), img.height(), null,
            settings.ttlSeconds()))
        .onSuccess(row -> PageParams.sendJson(ctx, 201, FileStore.toJson(row)))
        .onFailure(ctx::fail);
  }

  void get(RoutingContext ctx) {
    Team team = Authentication.team(ctx);
    PageParams.refuseQuery(ctx);
    String id = fileId(ctx);
    store.find(team.id(), id)
        .onSuccess(row -> {
          if (row == null) {
            ctx.fail(notFound(id));
          } else {
            PageParams.sendJson(ctx, 200, FileStore.toJson(row));
          }
        })
        .onFailure(ctx::fail);
  }

  void list(RoutingContext ctx) {
    Team team = Authentication.team(ctx);
    PageParams page = PageParams.of(ctx, "file", listDefaultLimit, listMaxLimit);
    store.list(team.id(), page.startingAfter(), page.limit() + 1)
        .onSuccess(rows -> PageParams.sendJson(ctx, 200, page.page(rows, FileStore::toJson)))
        .onFailure(ctx::fail);
  }

  void delete(RoutingContext ctx) {
    Team team = Authentication.team(ctx);
    PageParams.refuseQuery(ctx);
    String id = fileId(ctx);
    store.delete(team.id(), id)
        .onSuccess(result -> {
          switch (result) {
            case MISSING -> ctx.fail(notFound(id));
            case IN_USE -> ctx.fail(ApiException.conflict("file_in_use", "File " + id
                + " is a reference of one of your characters or of a generation still running; delete the character"
                + " or wait for the generation first."));
            case DELETED -> PageParams.sendJson(ctx, 200, new io.vertx.core.json.JsonObject()
                .put("id", id).put("object", "file").put("deleted", true));
          }
        })
        .onFailure(ctx::fail);
  }

  /** A malformed id names no file: 404 like an unknown one. */
  private static String fileId(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (!Ids.isId("file", id)) {
      throw notFound(id);
    }
    return id;
  }

  private static ApiException notFound(String id) {
    return ApiException.notFound("No file '" + id + "'.", "id");
  }
}
