package com.aurous.server.api;

import com.aurous.server.util.Ids;
import io.vertx.ext.web.RoutingContext;

/** Gives every request an id, echoed as Aurous-Request-Id on every response, errors included. */
public final class RequestIds {
  public static final String HEADER = "Aurous-Request-Id";
  private static final String KEY = "aurous.request_id";

  private RequestIds() {}

  public static void handle(RoutingContext ctx) {
    String id = Ids.newId("req");
    ctx.put(KEY, id);
    ctx.response().putHeader(HEADER, id);
    ctx.next();
  }

  public static String of(RoutingContext ctx) {
    return ctx.get(KEY);
  }
}
