package com.aurous.server.api;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

import java.util.List;

/**
 * Checks what the HTTP decoder let through but no route can read: the request target and the
 * Host header. Run once at the front door, so no route meets a malformed escape later (Netty's
 * query decoder and the router's path decoder throw on them, which surfaced as 500s and plain-text 400s).
 */
final class RequestTargets {
  private RequestTargets() {}

  /** Null when the request can be routed, otherwise the 400 to answer. */
  static ApiException problem(HttpServerRequest req) {
    if (req.version() == HttpVersion.HTTP_1_1) {
      List<String> hosts = req.headers().getAll("Host");
      if (hosts.size() != 1 || req.authority() == null) {
        return ApiException.invalid("invalid_host",
            hosts.size() > 1 ? "Send exactly one Host header." : "An HTTP/1.1 request needs one valid Host header.", "Host");
      }
    }
    String uri = req.uri();
    String target = uri;
    if (!uri.startsWith("/")) {
      // Absolute form (http://host/path) is legal HTTP/1.1; anything else names no resource here.
      int authority = uri.regionMatches(true, 0, "http://", 0, 7) ? 7 : uri.regionMatches(true, 0, "https://", 0, 8) ? 8 : -1;
      int slash = authority < 0 ? -1 : uri.indexOf('/', authority);
      int question = authority < 0 ? -1 : uri.indexOf('?', authority);
      if (slash < 0 || (question >= 0 && question < slash)) {
        return ApiException.invalid("invalid_request_target",
            "The request target must be a path starting with '/' (or an absolute http URL with one).", null);
      }
      target = uri.substring(slash);
    }
    int q = target.indexOf('?');
    String rawPath = q < 0 ? target : target.substring(0, q);
    if (!wellFormed(rawPath)) {
      return ApiException.invalid("malformed_path",
          "The path holds a raw space, control or non-ASCII character, or a '%' not followed by two hex digits.", null);
    }
    return q < 0 ? null : queryProblem(target.substring(q + 1));
  }

  private static ApiException queryProblem(String query) {
    // Netty splits parameters on '&' and ';'; check each name and value the way it will decode them.
    for (String pair : query.split("[&;]", -1)) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      boolean nameOk = wellFormed(name);
      if (!nameOk || !wellFormed(value)) {
        String param = nameOk ? QueryStringDecoder.decodeComponent(name) : null;
        return ApiException.invalid("malformed_query", (param == null ? "A query parameter name" : "Query parameter '" + param + "'")
            + " holds a raw space, control or non-ASCII character, or a '%' not followed by two hex digits.", param);
      }
    }
    return null;
  }

  /** Visible ASCII only, and every '%' starts a two-hex-digit escape. */
  private static boolean wellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return false;
      }
      if (c == '%' && (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0 || Character.digit(s.charAt(i + 2), 16) < 0)) {
        return false;
      }
    }
    return true;
  }
}
