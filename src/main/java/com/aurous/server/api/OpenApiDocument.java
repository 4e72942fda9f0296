package com.aurous.server.api;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Serves the OpenAPI 3.1 description kept beside the code (src/main/resources/openapi.json). */
public final class OpenApiDocument {
  private final String body;

  public OpenApiDocument() {
    try (InputStream in = OpenApiDocument.class.getResourceAsStream("/openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is missing from the jar");
      }
      // Parse once at start so a broken document fails the node, not the first client.
      body = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8)).encode();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read openapi.json", e);
    }
  }

  public void handle(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "application/json").end(body);
  }
}
