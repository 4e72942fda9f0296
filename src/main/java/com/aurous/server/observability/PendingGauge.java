package com.aurous.server.observability;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Pending generations across the cluster (Triton: nv_inference_pending_request_count), counted in
 * PostgreSQL every {@code metrics.pending_sample_interval_ms} off any request path: a scrape reads
 * the last count and never queries. NaN until the first count, and while the database is away.
 */
public final class PendingGauge {
  private final AtomicLong pending = new AtomicLong(-1);

  public PendingGauge(MeterRegistry registry) {
    Gauge.builder("aurous.inference.pending.request.count", () -> pending.get() < 0 ? Double.NaN : pending.get())
        .description("Generations pending cluster-wide (committed, no denoising step yet), sampled from PostgreSQL")
        .register(registry);
  }

  /** Runs {@code count} every {@code intervalMs}, one count at a time (a slow database never piles them up). */
  public void start(Vertx vertx, long intervalMs, Supplier<Future<Long>> count) {
    AtomicBoolean counting = new AtomicBoolean();
    Runnable sample = () -> {
      if (!counting.compareAndSet(false, true)) {
        return;
      }
      Future<Long> f;
      try {
        f = count.get();
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      f.onComplete(ar -> {
        counting.set(false);
        pending.set(ar.succeeded() ? ar.result() : -1);
      });
    };
    vertx.runOnContext(v -> sample.run());
    vertx.setPeriodic(intervalMs, t -> sample.run());
  }
}
