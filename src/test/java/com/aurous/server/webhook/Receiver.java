package com.aurous.server.webhook;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import java.util.function.ToIntBiFunction;
import java.util.function.ToIntFunction;

/**
 * A webhook receiver for tests: a real Vert.x HTTP server on 127.0.0.1 and a free port, answering
 * the n-th request (0-based) with {@code responder.applyAsInt(n)}, or each request by what it
 * carries ({@link #byRequest}); a negative answer means never answer (the connection stays open,
 * no response).
 */
final class Receiver implements AutoCloseable {
  record Hit(long receivedAtMillis, String path, MultiMap headers, String body) {
    String header(String name) {
      return headers.get(name);
    }

    JsonObject json() {
      return new JsonObject(body);
    }
  }

  static final int HANG = -1;

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  final List<Hit> hits = new CopyOnWriteArrayList<>();
  final AtomicInteger connections = new AtomicInteger();

  private Receiver(IntUnaryOperator responder) {
    this((hit, n) -> responder.applyAsInt(n));
  }

  private Receiver(ToIntBiFunction<Hit, Integer> responder) {
    AtomicInteger n = new AtomicInteger();
    server = vertx.createHttpServer()
        .connectionHandler(c -> connections.incrementAndGet())
        .requestHandler(req -> req.body().onSuccess(body -> {
          Hit hit = new Hit(System.currentTimeMillis(), req.path(), MultiMap.caseInsensitiveMultiMap().addAll(req.headers()),
              body.toString(StandardCharsets.UTF_8));
          hits.add(hit);
          int code = responder.applyAsInt(hit, n.getAndIncrement());
          if (code < 0) {
            return;
          }
          if (code >= 300 && code < 400) {
            req.response().putHeader("Location", url("/elsewhere"));
          }
          req.response().setStatusCode(code).end("{}");
        }));
    server.listen(0, "127.0.0.1").await();
  }

  static Receiver start(IntUnaryOperator responder) {
    return new Receiver(responder);
  }

  /** Answers each request by its content, e.g. by its webhook-id. */
  static Receiver byRequest(ToIntFunction<Hit> responder) {
    return new Receiver((hit, n) -> responder.applyAsInt(hit));
  }

  static Receiver always(int code) {
    return new Receiver(n -> code);
  }

  int port() {
    return server.actualPort();
  }

  String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  @Override
  public void close() {
    vertx.close().await();
  }

  /** What a receiver does: recompute the HMAC over id.timestamp.body with the decoded secret, compare in constant time. */
  static boolean verifies(String secret, Hit hit) {
    try {
      byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      String signed = hit.header("webhook-id") + "." + hit.header("webhook-timestamp") + "." + hit.body();
      byte[] expected = Base64.getEncoder().encode(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
      for (String part : hit.header("webhook-signature").split(" ")) {
        if (part.startsWith("v1,") && MessageDigest.isEqual(part.substring(3).getBytes(StandardCharsets.US_ASCII), expected)) {
          return true;
        }
      }
      return false;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
