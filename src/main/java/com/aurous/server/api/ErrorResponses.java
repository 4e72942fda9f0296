package com.aurous.server.api;

import com.aurous.server.storage.DatabaseFaults;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns every failure on a route into the one error envelope; nothing escapes as a bare 500. */
public final class ErrorResponses {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);

  private ErrorResponses() {}

  public static JsonObject envelope(ApiException e) {
    JsonObject err = new JsonObject()
        .put("type", e.type())
        .put("code", e.code())
        .put("message", e.getMessage());
    if (e.param() != null) {
      err.put("param", e.param());
    }
    return new JsonObject().put("error", err);
  }

  public static void send(RoutingContext ctx, ApiException e) {
    send(ctx.response(), e);
  }

  /** For answers given outside a route (front door, HTTP decoder failures). */
  static void send(HttpServerResponse res, ApiException e) {
    if (res.ended() || res.headWritten() || res.closed()) {
      return;
    }
    res.setStatusCode(e.status()).putHeader("Content-Type", "application/json");
    if (e instanceof RetryLater later) {
      res.putHeader("Retry-After", Integer.toString(later.retryAfterSeconds()));
    }
    res.end(envelope(e).encode());
  }

  /**
   * The router's failure handler: a database outage (classified once, in
   * {@link DatabaseFaults}) is 503 service_unavailable with Retry-After, not an error per request
   * (the node's periodic tasks log the outage once); everything else as {@link #handle}.
   */
  public static Handler<RoutingContext> handler(int unavailableRetryAfterSeconds) {
    return ctx -> {
      if (ctx.failure() != null && !(ctx.failure() instanceof ApiException) && DatabaseFaults.isUnavailable(ctx.failure())) {
        LOG.debug("503 on {} {}: {}", ctx.request().method(), ctx.request().path(), ctx.failure().toString());
        send(ctx, new ServiceUnavailable(unavailableRetryAfterSeconds));
        return;
      }
      handle(ctx);
    };
  }

  /** Maps a failure or an error status to the envelope. */
  public static void handle(RoutingContext ctx) {
    handle(ctx, ctx.statusCode());
  }

  /**
   * The router's error handler for {@code status}. The router calls it without setting the
   * context's status when it fails before any route (e.g. while matching), so the status is bound here.
   */
  public static Handler<RoutingContext> forStatus(int status) {
    return ctx -> handle(ctx, ctx.statusCode() == -1 ? status : ctx.statusCode());
  }

  private static void handle(RoutingContext ctx, int status) {
    Throwable failure = ctx.failure();
    if (failure instanceof ApiException api) {
      send(ctx, api);
      return;
    }
    ApiException broken = JsonBodies.streamFailure(ctx);
    if (broken != null) {
      send(ctx, broken);
      return;
    }
    ApiException mapped = switch (status) {
      case 400 -> ApiException.invalid("malformed_request", "The request could not be read.", null);
      case 401 -> ApiException.unauthorized("A valid X-Api-Key header is required.");
      case 404 -> ApiException.notFound("No such route: " + ctx.request().method() + " " + ctx.request().path(), null);
      case 405 -> new ApiException(405, "invalid_request", "method_not_allowed",
          "Method " + ctx.request().method() + " is not allowed on " + ctx.request().path(), null);
      case 413 -> new ApiException(413, "invalid_request", "body_too_large",
          "The request body is larger than this server accepts.", null);
      case 415 -> new ApiException(415, "invalid_request", "unsupported_media_type",
          "Send the body as application/json.", null);
      default -> status >= 400 && status < 500
          ? new ApiException(status, "invalid_request", "invalid_request", "The request was refused: " + reason(status) + ".", null)
          : null;
    };
    if (mapped != null) {
      send(ctx, mapped);
      return;
    }
    if (ctx.response().closed()) {
      // The client went away or broke the framing mid-body (a bad chunk size): nobody to answer.
      LOG.debug("Connection closed before {} {} was answered", ctx.request().method(), ctx.request().path(), failure);
      return;
    }
    LOG.error("Unhandled failure on {} {}", ctx.request().method(), ctx.request().path(), failure);
    send(ctx, internalError());
  }

  static ApiException internalError() {
    return new ApiException(500, "api_error", "internal_error",
        "The server failed to handle this request; quote the Aurous-Request-Id when reporting it.", null);
  }

  public static String reason(int status) {
    return HttpResponseStatus.valueOf(status).reasonPhrase();
  }
}
