package com.aurous.server.api;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP front: request ids, authentication, version negotiation, validation and the routes.
 * It runs on event loops and only ever waits on futures (database, event bus), never blocks.
 */
public final class HttpVerticle extends VerticleBase {
  private final ApiServices services;
  private HttpServer server;
  private Router router;

  public HttpVerticle(ApiServices services) {
    this.services = services;
  }

  @Override
  public Future<?> start() {
    Router router = buildRouter();
    HttpServerOptions options = new HttpServerOptions()
        .setHost(services.host())
        .setPort(services.port())
        .setCompressionSupported(false)
        // Cleartext HTTP/2 upgrades (h2c) from clients such as java.net.http intermittently hung
        // GETs in our suite; over plain HTTP the server speaks HTTP/1.1 only.
        .setHttp2ClearTextEnabled(false)
        // The limits FrontDoor names in its 414 / 431 answers.
        .setMaxInitialLineLength(HttpServerOptions.DEFAULT_MAX_INITIAL_LINE_LENGTH)
        .setMaxHeaderSize(HttpServerOptions.DEFAULT_MAX_HEADER_SIZE)
        .setIdleTimeout(services.idleTimeoutSeconds())
        .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS);
    return vertx.createHttpServer(options)
        .requestHandler(new FrontDoor(router))
        .invalidRequestHandler(FrontDoor::invalid)
        .connectionHandler(HttpVersionGate::install)
        .listen()
        .onSuccess(s -> server = s);
  }

  Router buildRouter() {
    Router router = Router.router(vertx);
    this.router = router;
    var errors = ErrorResponses.handler(services.unavailableRetryAfterSeconds());
    // Handlers that every request of a prefix passes share one route: each route is a match the
    // router tries for every request, and the cheapest routes spend a share of their time there.
    router.route().handler(RequestIds::handle).failureHandler(errors);

    router.get("/openapi.json").handler(services.openApi()::handle);
    // Kept for existing probes: the same meaning as /health/live (the process answers).
    router.get("/healthz").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json").end("{\"status\":\"ok\"}"));
    services.operatorRoutes().forEach(r -> r.mount(router));

    // Output links carry their own signed token instead of an API key (issue: outputs).
    services.outputRoutes().forEach(r -> r.mount(router));

    // Only POST routes read a body, and only as JSON (but POST /v1/files, multipart): a body on any other method is left unread,
    // so no form or multipart decoder runs (it threw for non-POST methods, answering 500).
    BodyHandler body = BodyHandler.create(false).setBodyLimit(services.maxBodyBytes()).setHandleFileUploads(false);
    // vertx-web refuses a body handler after a user handler on one route, hence two routes here.
    router.post("/v1/*").handler(JsonBodies::beforeBody);
    router.post("/v1/*").handler(ctx -> {
      if (MultipartBodies.isUploadRoute(ctx)) {
        MultipartBodies.read(ctx, services.maxUploadBytes());
      } else {
        body.handle(ctx);
      }
    });
    router.post("/v1/*").handler(JsonBodies::afterBody);
    router.route("/v1/*").handler(services.authentication()::handle);
    // Straight after authentication: every answer to an authenticated request, error or not, is counted and carries the RateLimit fields.
    router.route("/v1/*").handler(services.rateLimiting()::handle);
    router.route("/v1/*").handler(services.versions()::handle);

    ImagesApi images = services.images();
    router.post("/v1/images/estimate").handler(images::estimate);
    router.post("/v1/images").handler(images::create);
    router.get("/v1/images").handler(images::list);
    router.get("/v1/images/:id").handler(images::get);
    router.post("/v1/images/:id/cancel").handler(images::cancel);
    services.extraV1Routes().forEach(r -> r.mount(router));

    // Whatever status the router itself fails with (unknown path or method, a request it cannot
    // route), the answer is the error envelope; a 500 caused by a database outage is a 503.
    for (int status = 400; status < 600; status++) {
      router.errorHandler(status, status == 500 ? errors : ErrorResponses.forStatus(status));
    }
    return router;
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  /**
   * The endpoints this verticle's router serves, as "METHOD /path/{param}" (middleware on wildcard
   * paths left out): what the OpenAPI document must describe, checked by a test.
   */
  public List<String> endpoints() {
    List<String> out = new ArrayList<>();
    for (Route r : router.getRoutes()) {
      if (r.getPath() == null || !r.isExactPath() || r.methods() == null) {
        continue;
      }
      String template = r.getPath().replaceAll(":([A-Za-z0-9_]+)", "{$1}");
      r.methods().forEach(m -> out.add(m.name() + " " + template));
    }
    return out;
  }

  public int actualPort() {
    return server.actualPort();
  }

  /** A group of routes another concern contributes (outputs, webhooks) without editing this class. */
  public interface RouteMount {
    void mount(Router router);
  }
}
