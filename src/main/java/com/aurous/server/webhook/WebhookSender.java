package com.aurous.server.webhook;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Makes one webhook POST. It connects to the pinned (already checked) address while the Host
 * header and TLS SNI/certificate verification keep the name, follows no redirects, and ends the
 * attempt at {@code attempt_timeout_ms} whatever the receiver does (connect and answer included).
 */
final class WebhookSender {
  /** The receiver did not answer within the attempt timeout. */
  static final class AttemptTimeout extends RuntimeException {
    AttemptTimeout(long ms) {
      super("timeout after " + ms + " ms", null, false, false);
    }
  }

  private final Vertx vertx;
  private final int timeoutMs;
  private final HttpClientAgent http;

  WebhookSender(Vertx vertx, WebhookSettings settings) {
    this.vertx = vertx;
    this.timeoutMs = settings.attemptTimeoutMs();
    this.http = vertx.createHttpClient(new HttpClientOptions()
            .setForceSni(true)
            .setVerifyHost(true)
            .setConnectTimeout(timeoutMs)
            .setMaxRedirects(0),
        new PoolOptions().setHttp1MaxSize(Math.max(5, settings.maxInFlight())).setMaxWaitQueueSize(settings.maxInFlight()));
  }

  /**
   * The receiver's status code; fails with {@link AttemptTimeout} or the connection's error when
   * there was no answer. The webhook-timestamp and signature are made now, at sending.
   */
  Future<Integer> send(WebhookTarget target, InetAddress pinned, String webhookId, String secret, String payload) {
    long timestamp = System.currentTimeMillis() / 1000;
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setServer(SocketAddress.inetSocketAddress(target.port(), pinned.getHostAddress()))
        .setHost(target.host())
        .setPort(target.port())
        .setURI(target.pathAndQuery())
        .setSsl(target.https())
        .setFollowRedirects(false)
        .setConnectTimeout(timeoutMs)
        .putHeader("Content-Type", "application/json")
        .putHeader("User-Agent", "Aurous-Webhooks/1")
        .putHeader("webhook-id", webhookId)
        .putHeader("webhook-timestamp", Long.toString(timestamp))
        .putHeader("webhook-signature", WebhookSigner.sign(secret, webhookId, timestamp, payload));
    Promise<Integer> answered = Promise.promise();
    AtomicReference<HttpClientRequest> request = new AtomicReference<>();
    long timer = vertx.setTimer(timeoutMs, t -> {
      if (answered.tryFail(new AttemptTimeout(timeoutMs))) {
        HttpClientRequest r = request.get();
        if (r != null) {
          r.reset();
        }
      }
    });
    http.request(options)
        .compose(req -> {
          request.set(req);
          if (answered.future().isComplete()) {
            // Timed out while connecting: send nothing late.
            req.reset();
            return Future.failedFuture(new AttemptTimeout(timeoutMs));
          }
          return req.send(Buffer.buffer(payload));
        })
        .compose(res -> {
          // Drain without buffering: a receiver's answer body is of no interest and may be large.
          res.handler(b -> { });
          return res.end().map(res.statusCode());
        })
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          if (ar.succeeded()) {
            answered.tryComplete(ar.result());
          } else {
            answered.tryFail(ar.cause());
          }
        });
    return answered.future();
  }

  Future<Void> close() {
    return http.close();
  }
}
