package com.aurous.server.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local picture host for fetch tests: a real HTTP server on 127.0.0.1 (reachable only with
 * the test-only api.allow_insecure_urls) serving what each path was given: bytes with a
 * Content-Type, a redirect, no answer at all, or no answer to the first request only.
 */
public final class PictureServer implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final Map<String, Route> routes = new ConcurrentHashMap<>();
  public final AtomicInteger hits = new AtomicInteger();

  private record Route(int status, String contentType, byte[] body, String location, AtomicInteger holdFirst) {
    Route(int status, String contentType, byte[] body, String location) {
      this(status, contentType, body, location, null);
    }
  }

  public PictureServer() {
    server = vertx.createHttpServer().requestHandler(req -> {
      hits.incrementAndGet();
      Route r = routes.get(req.path());
      if (r == null) {
        req.response().setStatusCode(404).end();
      } else if (r.holdFirst() != null && r.holdFirst().getAndIncrement() == 0) {
        // The first fetch is held open: its fetcher is mid-fetch until it dies or gives up.
      } else if (r.status() < 0) {
        // Never answers: the fetch must give up at its deadline.
      } else if (r.location() != null) {
        req.response().setStatusCode(r.status()).putHeader("Location", r.location()).end();
      } else {
        req.response().setStatusCode(r.status()).putHeader("Content-Type", r.contentType()).end(Buffer.buffer(r.body()));
      }
    });
    server.listen(0, "127.0.0.1").await();
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  public String serve(String path, String contentType, byte[] body) {
    routes.put(path, new Route(200, contentType, body, null));
    return url(path);
  }

  public String redirect(String path, String location) {
    routes.put(path, new Route(302, null, null, location));
    return url(path);
  }

  /** The first request to {@code path} is never answered; every later one gets the bytes. */
  public String holdFirst(String path, String contentType, byte[] body) {
    routes.put(path, new Route(200, contentType, body, null, new AtomicInteger()));
    return url(path);
  }

  public String hang(String path) {
    routes.put(path, new Route(-1, null, null, null));
    return url(path);
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
