package com.aurous.server.engine;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What a worker measures about itself: how long generations wait before their first step, how
 * long one batched step takes, and how full the batches are. Read by the benchmarks.
 */
public final class EngineMetrics {
  private final Histogram queueWaitMicros = new ConcurrentHistogram(3_600_000_000L, 3);
  private final Histogram stepMicros = new ConcurrentHistogram(3_600_000_000L, 3);
  private final Histogram batchSize = new ConcurrentHistogram(100_000, 3);
  private final AtomicLong imagesDone = new AtomicLong();
  private final AtomicLong stepsRun = new AtomicLong();
  private final PhaseTimes phases = new PhaseTimes();

  void recordQueueWait(long micros) {
    queueWaitMicros.recordValue(Math.max(0, micros));
  }

  void recordStep(long micros, int samples) {
    stepMicros.recordValue(Math.max(0, micros));
    batchSize.recordValue(samples);
    stepsRun.incrementAndGet();
  }

  void recordImages(int n) {
    imagesDone.addAndGet(n);
  }

  public Histogram queueWaitMicros() {
    return queueWaitMicros;
  }

  public Histogram stepMicros() {
    return stepMicros;
  }

  public Histogram batchSize() {
    return batchSize;
  }

  public long imagesDone() {
    return imagesDone.get();
  }

  public long stepsRun() {
    return stepsRun.get();
  }

  /** Per-generation phase timings (claim, steps, decode, PNG, store, publish). */
  public PhaseTimes phases() {
    return phases;
  }

  public void reset() {
    phases.reset();
    queueWaitMicros.reset();
    stepMicros.reset();
    batchSize.reset();
  }
}
