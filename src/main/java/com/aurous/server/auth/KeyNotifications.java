package com.aurous.server.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LISTEN aurous_keys on a dedicated connection and evict what each notification names (the
 * triggers of migration V7 send them at commit, whichever process changed the row: the CLI
 * never joins the cluster). The subscriber reconnects by itself but reports no loss while it
 * does, so the connection is checked every {@code checkMillis}: while it is gone the cache trusts
 * nothing, and the reconnect (LISTEN again) starts a fresh epoch.
 */
public final class KeyNotifications {
  public static final String CHANNEL = "aurous_keys";
  private static final Logger LOG = LoggerFactory.getLogger(KeyNotifications.class);

  private final Vertx vertx;
  private final PgSubscriber subscriber;
  private final KeyCache cache;
  private final long timer;
  private volatile boolean lostLogged;

  private KeyNotifications(Vertx vertx, PgConnectOptions options, KeyCache cache, long checkMillis) {
    this.vertx = vertx;
    this.cache = cache;
    this.subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(attempt -> checkMillis);
    subscriber.channel(CHANNEL)
        .handler(cache::onNotification)
        .subscribeHandler(v -> {
          cache.listenerUp();
          if (lostLogged) {
            lostLogged = false;
            LOG.info("Listening on {} again; cached API keys are looked up once more", CHANNEL);
          }
        });
    this.timer = vertx.setPeriodic(checkMillis, id -> check());
  }

  /**
   * Starts listening; never fails: without PostgreSQL the cache simply trusts nothing (every
   * request asks the database, as before) until the subscriber connects.
   */
  public static KeyNotifications start(Vertx vertx, PgConnectOptions options, KeyCache cache, long checkMillis) {
    KeyNotifications n = new KeyNotifications(vertx, options, cache, checkMillis);
    n.subscriber.connect().onFailure(e -> {
      LOG.warn("Cannot LISTEN on {} yet ({}); API keys are looked up per request until it works", CHANNEL, e.toString());
      n.lostLogged = true;
      n.retryConnect(checkMillis);
    });
    return n;
  }

  /** The reconnect policy only covers a connection that was up once; a first connect that failed is retried here. */
  private void retryConnect(long delayMillis) {
    vertx.setTimer(delayMillis, id -> {
      if (!subscriber.closed() && subscriber.actualConnection() == null) {
        subscriber.connect().onFailure(e -> retryConnect(delayMillis));
      }
    });
  }

  private void check() {
    if (subscriber.actualConnection() == null) {
      cache.listenerDown();
      if (!lostLogged) {
        lostLogged = true;
        LOG.warn("Lost the {} listener; API keys are looked up per request until it reconnects", CHANNEL);
      }
    }
  }

  public Future<Void> close() {
    vertx.cancelTimer(timer);
    return subscriber.close();
  }
}
