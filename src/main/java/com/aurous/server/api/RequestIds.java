package com.aurous.server.api;

import com.aurous.server.util.Ids;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * Gives every request an id, echoed as Aurous-Request-Id on every response, errors included.
 * The id is assigned at the front door ({@link FrontDoor}), before routing, so even a request the
 * router or the HTTP decoder refuses carries one.
 */
public final class RequestIds {
  public static final String HEADER = "Aurous-Request-Id";
  private static final String KEY = "aurous.request_id";

  private RequestIds() {}

  /** Mints an id onto the response unless it already has one; returns the id. */
  static String assign(HttpServerResponse response) {
    String id = response.headers().get(HEADER);
    if (id == null) {
      id = Ids.newId("req");
      response.putHeader(HEADER, id);
    }
    return id;
  }

  /** First route handler: makes the front door's id available to the routes. */
  public static void handle(RoutingContext ctx) {
    ctx.put(KEY, assign(ctx.response()));
    ctx.next();
  }

  public static String of(RoutingContext ctx) {
    return ctx.get(KEY);
  }
}
