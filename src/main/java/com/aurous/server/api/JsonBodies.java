package com.aurous.server.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Reads a request body as one JSON object, or fails with the envelope's malformed_json. */
public final class JsonBodies {
  private JsonBodies() {}

  public static JsonObject object(RoutingContext ctx) {
    Buffer buf = ctx.body().buffer();
    if (buf == null || buf.length() == 0) {
      throw ApiException.invalid("malformed_json", "The request body is empty; send a JSON object.", null);
    }
    Object parsed;
    try {
      parsed = io.vertx.core.json.Json.decodeValue(buf);
    } catch (DecodeException e) {
      throw ApiException.invalid("malformed_json", "The body is not valid JSON: " + firstLine(e.getMessage()), null);
    }
    if (!(parsed instanceof JsonObject obj)) {
      throw ApiException.invalid("malformed_json", "The body must be a JSON object.", null);
    }
    return obj;
  }

  /**
   * Before the body handler on POST routes: a body declared as anything but JSON is 415, so
   * the form and multipart decoders never see it. No Content-Type at all is read as JSON.
   */
  public static void requireJsonContentType(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type != null && !isJson(type)) {
      throw new ApiException(415, "invalid_request", "unsupported_media_type",
          "Send the body as application/json, not " + abbreviate(type) + ".", "Content-Type");
    }
    ctx.next();
  }

  private static boolean isJson(String contentType) {
    int semicolon = contentType.indexOf(';');
    String mediaType = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
    return mediaType.equalsIgnoreCase("application/json");
  }

  private static String abbreviate(String s) {
    return s.length() > 100 ? s.substring(0, 100) + "..." : s;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 200 ? line.substring(0, 200) : line;
  }
}
