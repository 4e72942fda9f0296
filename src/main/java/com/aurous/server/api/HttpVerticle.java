package com.aurous.server.api;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The HTTP front: request ids, authentication, version negotiation, validation and the routes.
 * It runs on event loops and only ever waits on futures (database, event bus), never blocks.
 */
public final class HttpVerticle extends VerticleBase {
  private final ApiServices services;
  private HttpServer server;

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
        .setMaxFormAttributeSize(8192);
    return vertx.createHttpServer(options).requestHandler(router).listen()
        .onSuccess(s -> server = s);
  }

  Router buildRouter() {
    Router router = Router.router(vertx);
    var errors = ErrorResponses.handler(services.unavailableRetryAfterSeconds());
    router.route().handler(RequestIds::handle);
    router.route().failureHandler(errors);

    router.get("/openapi.json").handler(services.openApi()::handle);
    router.get("/healthz").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json").end("{\"status\":\"ok\"}"));

    // Output links carry their own signed token instead of an API key (issue: outputs).
    services.outputRoutes().forEach(r -> r.mount(router));

    BodyHandler body = BodyHandler.create(false).setBodyLimit(services.maxBodyBytes()).setHandleFileUploads(false);
    router.route("/v1/*").handler(body);
    router.route("/v1/*").handler(services.authentication()::handle);
    router.route("/v1/*").handler(services.versions()::handle);

    ImagesApi images = services.images();
    router.post("/v1/images/estimate").handler(images::estimate);
    router.post("/v1/images").handler(images::create);
    router.get("/v1/images").handler(images::list);
    router.get("/v1/images/:id").handler(images::get);
    router.post("/v1/images/:id/cancel").handler(images::cancel);
    services.extraV1Routes().forEach(r -> r.mount(router));

    // Unknown paths and methods still answer in the error envelope.
    router.errorHandler(404, ErrorResponses::handle);
    router.errorHandler(405, ErrorResponses::handle);
    router.errorHandler(500, errors);
    return router;
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  public int actualPort() {
    return server.actualPort();
  }

  /** A group of routes another concern contributes (outputs, webhooks) without editing this class. */
  public interface RouteMount {
    void mount(Router router);
  }
}
