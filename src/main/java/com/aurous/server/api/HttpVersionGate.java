package com.aurous.server.api;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Sits between Netty's HTTP decoder and Vert.x on each HTTP/1.x connection. Vert.x answers a
 * request line naming any version but 1.0 and 1.1 with a bare 501 before any handler runs; here
 * a higher 1.x minor version is served as 1.1 (RFC 9112 section 2.3) and anything else is marked
 * as a decoder failure, so {@link FrontDoor#invalid} answers it in the envelope with a request id.
 * It reaches the channel through Vert.x's connection class, the one way to see the request
 * before Vert.x does; on any other connection type (HTTP/2) it stays out.
 */
final class HttpVersionGate extends ChannelInboundHandlerAdapter {
  private static final String NAME = "aurous-http-version";

  /** For {@code HttpServer.connectionHandler}. */
  static void install(HttpConnection connection) {
    if (connection instanceof ConnectionBase base && base.channelHandlerContext() != null) {
      ChannelHandlerContext vertx = base.channelHandlerContext();
      if (vertx.pipeline().get(NAME) == null) {
        vertx.pipeline().addBefore(vertx.name(), NAME, new HttpVersionGate());
      }
    }
  }

  /** The decoder failure {@link FrontDoor#invalid} turns into 400 malformed_request naming Transfer-Encoding. */
  static final class UnsupportedTransferCoding extends RuntimeException {
    UnsupportedTransferCoding() {
      super("unsupported transfer coding", null, false, false);
    }
  }

  /** No Transfer-Encoding, or exactly {@code chunked} (once, in one header). */
  private static boolean transferCodingIsChunkedOrAbsent(HttpRequest req) {
    java.util.List<String> codings = req.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
    return codings.isEmpty() || (codings.size() == 1 && codings.get(0).trim().equalsIgnoreCase("chunked"));
  }

  /** The decoder failure {@link FrontDoor#invalid} turns into 400 http_version_not_supported. */
  static final class UnsupportedVersion extends RuntimeException {
    UnsupportedVersion(String version) {
      super("unsupported HTTP version " + version, null, false, false);
    }
  }

  /** After a request refused for its transfer coding: its body is not passed on (the answer closes the connection). */
  private boolean discardingBody;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (discardingBody && msg instanceof HttpContent content && !(msg instanceof HttpRequest)) {
      // Whatever the decoder made of it (chunks, or a chunk-size failure) would only race the 400 with a close.
      content.release();
      return;
    }
    discardingBody = false;
    if (msg instanceof HttpRequest req && req.decoderResult().isSuccess() && !transferCodingIsChunkedOrAbsent(req)) {
      // RFC 9112 section 6.3: a Transfer-Encoding whose final coding is not chunked leaves the body's
      // length unknown (the decoder would read it as the next request), and this server decodes no
      // other coding: 400 and the connection closed, never a guess at where the next request starts.
      req.setDecoderResult(DecoderResult.failure(new UnsupportedTransferCoding()));
      discardingBody = true;
    }
    if (msg instanceof HttpRequest req && req.decoderResult().isSuccess()) {
      // Vert.x compares versions by identity: an equal but separately parsed one (http/1.1) is
      // replaced by the constant too.
      HttpVersion v = req.protocolVersion();
      if (v != HttpVersion.HTTP_1_1 && v != HttpVersion.HTTP_1_0) {
        if (!v.protocolName().equals("HTTP")) {
          req.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("not HTTP: " + v.text())));
        } else if (v.equals(HttpVersion.HTTP_1_0)) {
          req.setProtocolVersion(HttpVersion.HTTP_1_0);
        } else if (v.majorVersion() == 1) {
          req.setProtocolVersion(HttpVersion.HTTP_1_1);
        } else {
          req.setDecoderResult(DecoderResult.failure(new UnsupportedVersion(v.text())));
        }
      }
    }
    ctx.fireChannelRead(msg);
  }
}
