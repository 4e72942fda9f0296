package com.aurous.server.loadtest;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives one stage: an optional warm-up then the measured window, open loop (a fixed schedule of
 * intended send times, constant or Poisson, on a scheduler thread; a request that finds
 * max-in-flight outstanding is dropped and counted, never queued) or closed loop (C workers, each
 * sending its next request when the previous one answered). Then it drains for at most --drain
 * seconds and seals the recorder.
 */
final class StageRunner {
  private final LoadTestPlan plan;
  private final ImagesApi api;
  private final Random random;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong seq;
  volatile StageRecorder current;

  StageRunner(LoadTestPlan plan, ImagesApi api, AtomicLong seq) {
    this.plan = plan;
    this.api = api;
    this.seq = seq;
    this.random = new Random(plan.seed());
  }

  StageRecorder run(String label, double level) throws InterruptedException {
    if (plan.warmupSeconds() > 0) {
      StageRecorder warm = new StageRecorder(label + " warm-up", level, System.nanoTime());
      current = warm;
      phase(warm, level, plan.warmupSeconds(), Long.MAX_VALUE);
      warm.seal();
    }
    StageRecorder rec = new StageRecorder(label, level, System.nanoTime());
    current = rec;
    phase(rec, level, plan.durationSeconds(), plan.maxRequests());
    long drainUntil = System.nanoTime() + (long) (plan.drainSeconds() * 1e9);
    while (inFlight.get() > 0 && System.nanoTime() < drainUntil) {
      Thread.sleep(10);
    }
    rec.seal();
    return rec;
  }

  private void phase(StageRecorder rec, double level, double seconds, long maxRequests) throws InterruptedException {
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    if (plan.openLoop()) {
      openLoop(rec, level, start, end, maxRequests);
    } else {
      closedLoop(rec, (int) level, end, maxRequests);
    }
    rec.scheduleEnded(Math.min(System.nanoTime(), end));
  }

  private void openLoop(StageRecorder rec, double rate, long start, long end, long maxRequests) {
    double offsetSeconds = 0;
    for (long n = 0; n < maxRequests; n++) {
      long intended = start + (long) (offsetSeconds * 1e9);
      if (intended >= end) {
        // The schedule spans the whole window, so the rates divide by all of it.
        long rest;
        while ((rest = end - System.nanoTime()) > 0) {
          LockSupport.parkNanos(rest);
        }
        return;
      }
      offsetSeconds += plan.poisson() ? -Math.log(1 - random.nextDouble()) / rate : 1 / rate;
      long wait;
      while ((wait = intended - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      rec.scheduled();
      if (inFlight.get() >= plan.maxInFlight()) {
        rec.dropped();
        continue;
      }
      fire(rec, intended);
    }
  }

  private void closedLoop(StageRecorder rec, int workers, long end, long maxRequests) throws InterruptedException {
    AtomicLong budget = new AtomicLong(maxRequests);
    List<Future<Void>> all = new ArrayList<>();
    for (int i = 0; i < workers; i++) {
      Promise<Void> done = Promise.promise();
      worker(rec, end, budget, done);
      all.add(done.future());
    }
    java.util.concurrent.CountDownLatch latch = new java.util.concurrent.CountDownLatch(1);
    Future.join(all).onComplete(x -> latch.countDown());
    // A worker's last request may outlive the window; the drain bounds how long we wait for it.
    latch.await((long) ((plan.durationSeconds() + plan.warmupSeconds() + plan.drainSeconds() + 1) * 1000), TimeUnit.MILLISECONDS);
  }

  private void worker(StageRecorder rec, long end, AtomicLong budget, Promise<Void> done) {
    if (System.nanoTime() >= end || budget.getAndDecrement() <= 0) {
      done.tryComplete();
      return;
    }
    fire(rec, System.nanoTime()).onComplete(x -> worker(rec, end, budget, done));
  }

  private Future<Outcome> fire(StageRecorder rec, long intended) {
    RequestKind kind;
    synchronized (random) {
      kind = plan.mix().pick(random);
    }
    if (kind == RequestKind.GET && !api.hasKnownIds()) {
      kind = RequestKind.CREATE;
    }
    long actual = System.nanoTime();
    rec.sent(intended, actual);
    inFlight.incrementAndGet();
    RequestKind k = kind;
    return api.call(kind, seq.incrementAndGet()).andThen(ar -> {
      inFlight.decrementAndGet();
      rec.done(k, intended, actual, System.nanoTime(), ar.succeeded() ? ar.result() : Outcome.error("transport " + ar.cause()));
    });
  }
}
