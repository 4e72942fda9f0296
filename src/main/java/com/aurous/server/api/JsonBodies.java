package com.aurous.server.api;

import com.fasterxml.jackson.core.JsonParser;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Map;

/**
 * Reads a request body as one JSON object, or fails with the envelope's malformed_json. A name
 * given twice in one object is refused (parsers disagree on which one wins, so an idempotent
 * replay, a proxy and this server could each read a different request), and so is a string that
 * is not Unicode text, a lone UTF-16 surrogate ({@code "\ud800"}, or its raw UTF-8 bytes): no
 * column can store it, it would be stored as '?' instead of what was sent.
 */
public final class JsonBodies {
  private static final String READING = "aurous.reading_body";

  private JsonBodies() {}

  public static JsonObject object(RoutingContext ctx) {
    Buffer buf = ctx.body().buffer();
    if (buf == null || buf.length() == 0) {
      throw ApiException.invalid("malformed_json", "The request body is empty; send a JSON object.", null);
    }
    Object parsed;
    try {
      JsonParser parser = JacksonCodec.createParser(buf);
      parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
      parsed = JacksonCodec.fromParser(parser, Object.class);
    } catch (DecodeException e) {
      throw ApiException.invalid("malformed_json", "The body is not valid JSON: " + firstLine(e.getMessage()), null);
    }
    if (!(parsed instanceof JsonObject obj)) {
      throw ApiException.invalid("malformed_json", "The body must be a JSON object.", null);
    }
    for (Map.Entry<String, Object> field : obj) {
      if (!isUnicode(field.getKey()) || !isUnicodeText(field.getValue())) {
        String param = isUnicode(field.getKey()) ? field.getKey() : null;
        throw ApiException.invalid("malformed_json", "The body holds a string that is not Unicode text (a lone UTF-16 surrogate)"
            + (param == null ? "" : " in '" + param + "'") + ".", param);
      }
    }
    return obj;
  }

  /** Whether every string in a parsed JSON value (names included) is well-formed UTF-16. */
  private static boolean isUnicodeText(Object value) {
    if (value instanceof String s) {
      return isUnicode(s);
    }
    if (value instanceof JsonObject o) {
      value = o.getMap();
    } else if (value instanceof JsonArray a) {
      value = a.getList();
    }
    if (value instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!isUnicodeText(e.getKey()) || !isUnicodeText(e.getValue())) {
          return false;
        }
      }
    } else if (value instanceof List<?> l) {
      for (Object item : l) {
        if (!isUnicodeText(item)) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean isUnicode(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Before the body handler on POST routes: a body declared as anything but JSON is 415, so
   * the form and multipart decoders never see it. No Content-Type at all is read as JSON. The
 * exception is POST /v1/files, whose body is multipart ({@link MultipartBodies}).
   * A body whose framing breaks mid-way (a bad chunk size) is the client's 400, not a server
   * fault; Vert.x closes the connection right after, since the next request cannot be found.
   */
  public static void beforeBody(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (MultipartBodies.isUploadRoute(ctx)) {
      // The one multipart route; MultipartBodies reads (and types) its body.
      ctx.put(READING, Boolean.TRUE);
      ctx.next();
      return;
    }
    if (type != null && !isJson(type)) {
      throw new ApiException(415, "invalid_request", "unsupported_media_type",
          "Send the body as application/json, not " + abbreviate(type) + ".", "Content-Type");
    }
    ctx.put(READING, Boolean.TRUE);
    ctx.next();
  }

  /** After the body handler: the body is complete, so later failures are the route's own. */
  public static void afterBody(RoutingContext ctx) {
    ctx.remove(READING);
    ctx.next();
  }

  /**
   * The 400 for a failure while the body was still arriving. The body handler reports a broken
   * stream (e.g. an invalid chunk size) as a bare exception, which would otherwise read as a 500.
   */
  static ApiException streamFailure(RoutingContext ctx) {
    if (!Boolean.TRUE.equals(ctx.get(READING)) || ctx.failure() == null || ctx.failure() instanceof ApiException
        || ctx.statusCode() == 413) {
      return null;
    }
    return ApiException.invalid("malformed_request", "The request body could not be read: its framing is broken.", null);
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
