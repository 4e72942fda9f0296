package com.aurous.server.api;

import com.aurous.server.util.Ids;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;

import java.util.function.Function;

/**
 * The query of a paged list route ({@code ?limit=&starting_after=}, nothing else), checked as
 * GET /v1/images checks its own, and the page it answers: newest first, {@code has_more} and
 * {@code next_cursor}. Routes fetch {@code limit + 1} rows so that has_more needs no count.
 */
public record PageParams(int limit, String startingAfter) {

  public static PageParams of(RoutingContext ctx, String idPrefix, int defaultLimit, int maxLimit) {
    // Which of two values counts is a guess a client should not have to make.
    for (String name : new String[] {"limit", "starting_after"}) {
      if (ctx.queryParams().getAll(name).size() > 1) {
        throw ApiException.invalid("invalid_value", name + " must be given at most once.", name);
      }
    }
    int limit = defaultLimit;
    String rawLimit = ctx.request().getParam("limit");
    if (rawLimit != null) {
      try {
        limit = Integer.parseInt(rawLimit);
      } catch (NumberFormatException e) {
        throw ApiException.invalid("invalid_type", "limit must be an integer.", "limit");
      }
      if (limit < 1 || limit > maxLimit) {
        throw ApiException.invalid("out_of_range", "limit must be between 1 and " + maxLimit + ".", "limit");
      }
    }
    String after = ctx.request().getParam("starting_after");
    if (after != null && !Ids.isId(idPrefix, after)) {
      throw ApiException.invalid("invalid_value", "starting_after must be an id from a previous page.", "starting_after");
    }
    for (String name : ctx.queryParams().names()) {
      if (!name.equals("limit") && !name.equals("starting_after")) {
        throw ApiException.invalid("unknown_parameter", "Unknown query parameter '" + name + "'.", name);
      }
    }
    return new PageParams(limit, after);
  }

  /**
   * A route that takes no query parameter at all (single objects, creates, webhook deliveries)
   * refuses any, as the paged lists refuse unknown ones: a misspelt option is never silently
   * ignored. The raw query is looked at first so the hot GET pays nothing when there is none.
   */
  public static void refuseQuery(RoutingContext ctx) {
    String raw = ctx.request().query();
    if (raw != null && !raw.isEmpty() && !ctx.queryParams().isEmpty()) {
      String name = ctx.queryParams().names().iterator().next();
      throw ApiException.invalid("unknown_parameter", "Unknown query parameter '" + name + "'.", name);
    }
  }

  /** The list object of up to {@link #limit} of {@code rows} (which may hold one more). */
  public JsonObject page(Iterable<Row> rows, Function<Row, JsonObject> toJson) {
    JsonArray data = new JsonArray();
    String last = null;
    boolean more = false;
    for (Row row : rows) {
      if (data.size() == limit) {
        more = true;
        break;
      }
      data.add(toJson.apply(row));
      last = row.getString("id");
    }
    return new JsonObject().put("object", "list").put("data", data).put("has_more", more)
        .put("next_cursor", more ? last : null);
  }

  public static void sendJson(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
