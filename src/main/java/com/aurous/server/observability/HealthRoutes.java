package com.aurous.server.observability;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.sqlclient.Pool;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /health/live} and {@code GET /health/ready} for orchestrators, through vertx-web's
 * health checks (200 UP, 503 DOWN, the checks in its JSON). Live is up whenever an event loop
 * runs its handler. Ready also needs PostgreSQL to answer {@code SELECT 1} within
 * {@code health.database_timeout_ms} (the answer is reused for {@code health.cache_ms}, so a storm
 * of probes costs the database one query per period), this node's device workers to hold a loaded
 * model (worker role), and the cluster to be joined (cluster.enabled). Every check completes
 * with UP or DOWN itself, never by failing, so the handler never answers its 500.
 */
public final class HealthRoutes {
  private record Cached(Future<Status> status, long expiresAtNanos) {}

  private final Pool pool;
  private final long databaseTimeoutMs;
  private final long cacheNanos;
  private final BooleanSupplier modelLoaded;
  private final BooleanSupplier clusterJoined;
  private final AtomicReference<Cached> database = new AtomicReference<>(new Cached(null, 0));
  private final HealthChecks live;
  private final HealthChecks ready;

  /** {@code modelLoaded} / {@code clusterJoined} null when the node has no worker role / no cluster. */
  public HealthRoutes(Vertx vertx, Pool pool, long databaseTimeoutMs, long cacheMs, BooleanSupplier modelLoaded,
      BooleanSupplier clusterJoined) {
    this.pool = pool;
    this.databaseTimeoutMs = databaseTimeoutMs;
    this.cacheNanos = TimeUnit.MILLISECONDS.toNanos(cacheMs);
    this.modelLoaded = modelLoaded;
    this.clusterJoined = clusterJoined;
    // The procedures' own timeout is a backstop well beyond ours: ours answers DOWN with a reason.
    long backstopMs = databaseTimeoutMs + 5_000;
    live = HealthChecks.create(vertx).register("event_loop", backstopMs, p -> p.complete(Status.OK()));
    ready = HealthChecks.create(vertx).register("database", backstopMs, this::database);
    if (modelLoaded != null) {
      ready.register("model", backstopMs, p -> p.complete(flag(modelLoaded, "a device worker has no running model")));
    }
    if (clusterJoined != null) {
      ready.register("cluster", backstopMs, p -> p.complete(flag(clusterJoined, "not a member of the cluster")));
    }
  }

  public void mount(Router router) {
    router.get("/health/live").handler(HealthCheckHandler.createWithHealthChecks(live));
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(ready));
  }

  private void database(Promise<Status> promise) {
    long now = System.nanoTime();
    Cached c = database.get();
    if (c.status() == null || now - c.expiresAtNanos() > 0) {
      Future<Status> probe = pool.query("SELECT 1").execute()
          .timeout(databaseTimeoutMs, TimeUnit.MILLISECONDS)
          .map(rows -> Status.OK())
          .otherwise(e -> Status.KO(new JsonObject().put("reason", "PostgreSQL did not answer: " + describe(e))));
      Cached next = new Cached(probe, now + cacheNanos);
      // Concurrent probes after expiry: one query wins, the others share its answer.
      c = database.compareAndSet(c, next) ? next : database.get();
    }
    c.status().onComplete(ar -> promise.complete(ar.succeeded() ? ar.result() : Status.KO()));
  }

  private static Status flag(BooleanSupplier check, String reason) {
    return check.getAsBoolean() ? Status.OK() : Status.KO(new JsonObject().put("reason", reason));
  }

  private static String describe(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
