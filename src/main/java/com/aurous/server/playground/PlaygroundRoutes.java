package com.aurous.server.playground;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

import java.io.IOException;
import java.io.InputStream;

/**
 * {@code GET /playground}: a page for a person trying the API in a browser, and its script and
 * style under {@code /playground/}. Static files from the jar (resources/playground), no build
 * step; the page talks to the public /v1 API itself with the key its user pastes, so this class
 * holds no API logic at all.
 *
 * <p>Only GET is routed, so any other method meets the router's 405 envelope like every route.
 * The page and its assets carry a policy that lets them load and connect to this origin only:
 * injected markup (the page renders prompts other people of the team typed) can run nothing.
 */
public final class PlaygroundRoutes {
  static final String ASSETS = "playground";
  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "img-src 'self' blob: data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

  private final Buffer page;

  public PlaygroundRoutes() {
    try (InputStream in = PlaygroundRoutes.class.getResourceAsStream("/" + ASSETS + "/index.html")) {
      if (in == null) {
        throw new IllegalStateException("playground/index.html is missing from the jar");
      }
      page = Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read playground/index.html", e);
    }
  }

  public void mount(Router router) {
    router.get("/playground").handler(PlaygroundRoutes::securityHeaders).handler(this::page);
    // Assets: a name that is not one of them falls through to the router's 404 envelope.
    router.get("/playground/*").handler(PlaygroundRoutes::securityHeaders)
        .handler(StaticHandler.create(ASSETS).setIndexPage("index.html").setDirectoryListing(false)
            .setCachingEnabled(false).setDefaultContentEncoding("UTF-8"));
  }

  private void page(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "text/html; charset=utf-8").end(page);
  }

  private static void securityHeaders(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY")
        // The page changes with the server it ships in; a stale script against a newer API helps nobody.
        .putHeader("Cache-Control", "no-cache");
    ctx.next();
  }
}
