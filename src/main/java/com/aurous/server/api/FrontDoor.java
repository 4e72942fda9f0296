package com.aurous.server.api;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every request enters, before the router: it gets its Aurous-Request-Id here, and a
 * request the HTTP decoder or the target checks refuse is answered in the error envelope too,
 * with the status the failure calls for.
 */
final class FrontDoor implements Handler<HttpServerRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(FrontDoor.class);
  private final Router router;

  FrontDoor(Router router) {
    this.router = router;
  }

  @Override
  public void handle(HttpServerRequest req) {
    RequestIds.assign(req.response());
    ApiException problem;
    try {
      problem = RequestTargets.problem(req);
    } catch (RuntimeException e) {
      // Outside the router nothing else would answer: the client would wait forever.
      LOG.error("Request target check failed on {} {}", req.method(), req.uri(), e);
      problem = ErrorResponses.internalError();
    }
    if (problem != null) {
      ErrorResponses.send(req.response(), problem);
      return;
    }
    router.handle(req);
  }

  /**
   * For {@code HttpServer.invalidRequestHandler}: the request could not be decoded (line or
   * headers too long, bytes HTTP forbids). Vert.x closes the connection after the answer, since
   * where the next request would start is unknown.
   */
  static void invalid(HttpServerRequest req) {
    Throwable cause = req.decoderResult().cause();
    ApiException e;
    if (cause instanceof TooLongHttpLineException) {
      e = new ApiException(414, "invalid_request", "request_line_too_long",
          "The request line is longer than " + HttpServerOptions.DEFAULT_MAX_INITIAL_LINE_LENGTH + " bytes.", null);
    } else if (cause instanceof TooLongHttpHeaderException) {
      e = new ApiException(431, "invalid_request", "headers_too_large",
          "The request headers are larger than " + HttpServerOptions.DEFAULT_MAX_HEADER_SIZE + " bytes.", null);
    } else if (cause instanceof HttpVersionGate.UnsupportedVersion) {
      // HTTP defines 505 for this, but a client's bad request line is its own fault, not the
      // server's: answered as a 400 so that no input a client sends yields a 5xx.
      e = new ApiException(400, "invalid_request", "http_version_not_supported",
          "This server speaks HTTP/1.1 (and 1.0) only.", null);
    } else if (cause instanceof HttpVersionGate.UnsupportedTransferCoding) {
      e = ApiException.invalid("malformed_request",
          "Transfer-Encoding must be chunked alone (or absent, with Content-Length); where this body ends cannot be known.",
          "Transfer-Encoding");
    } else {
      e = ApiException.invalid("malformed_request",
          "The request is not valid HTTP/1.1 (request line or headers could not be read).", null);
    }
    RequestIds.assign(req.response());
    req.response().putHeader("Connection", "close");
    ErrorResponses.send(req.response(), e);
  }
}
