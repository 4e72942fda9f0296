package com.aurous.server.engine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * What a worker measures about itself: how long generations wait before their first step, how
 * long one batched step takes, how full the batches are and how many images it made. Kept twice:
 * as HdrHistograms the benchmarks read and reset, and as Micrometer meters labelled with the
 * worker id, which Prometheus scrapes (named after Triton's where Triton has one; README, Metrics).
 */
public final class EngineMetrics {
  private static final Duration[] SECONDS_BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
      Duration.ofSeconds(60), Duration.ofSeconds(300)};

  private final Histogram queueWaitMicros = new ConcurrentHistogram(3_600_000_000L, 3);
  private final Histogram stepMicros = new ConcurrentHistogram(3_600_000_000L, 3);
  private final Histogram batchSize = new ConcurrentHistogram(100_000, 3);
  private final AtomicLong imagesDone = new AtomicLong();
  private final AtomicLong stepsRun = new AtomicLong();
  private final PhaseTimes phases = new PhaseTimes();

  private final MeterRegistry registry;
  private final String workerId;
  private final Timer queueDuration;
  private final Timer stepDuration;
  private final DistributionSummary batchSamples;
  private final Counter images;
  private final Counter succeeded;
  private final Counter failed;

  /** Meters only the benchmarks read (a registry of its own, scraped by nobody). */
  public EngineMetrics() {
    this(new SimpleMeterRegistry(), "bench");
  }

  public EngineMetrics(MeterRegistry registry, String workerId) {
    this.registry = registry;
    this.workerId = workerId;
    queueDuration = Timer.builder("aurous.inference.queue.duration")
        .description("Time from a generation's creation to its first denoising step (Triton: nv_inference_queue_duration_us)")
        .tag("worker", workerId).serviceLevelObjectives(SECONDS_BUCKETS).register(registry);
    stepDuration = Timer.builder("aurous.inference.compute.infer.duration")
        .description("One batched denoising call on the device (Triton: nv_inference_compute_infer_duration_us, per execution)")
        .tag("worker", workerId).serviceLevelObjectives(SECONDS_BUCKETS).register(registry);
    batchSamples = DistributionSummary.builder("aurous.engine.batch.size")
        .description("Samples (images) in one denoising call")
        .tag("worker", workerId).serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128).register(registry);
    images = Counter.builder("aurous.inference.count")
        .description("Images completed (Triton: nv_inference_count); its rate is images per second")
        .tag("worker", workerId).register(registry);
    succeeded = Counter.builder("aurous.inference.request.success")
        .description("Generations whose images this worker made (Triton: nv_inference_request_success)")
        .tag("worker", workerId).register(registry);
    failed = Counter.builder("aurous.inference.request.failure")
        .description("Generations this worker failed on a model error (Triton: nv_inference_request_failure)")
        .tag("worker", workerId).register(registry);
  }

  /** The worker's samples held right now (claimed and not finished), read at each scrape. */
  public void watchRunning(IntSupplier samplesHeld) {
    Gauge.builder("aurous.engine.running.samples", samplesHeld::getAsInt)
        .description("Samples (images) this worker holds: claimed and not yet finished")
        .tag("worker", workerId).register(registry);
  }

  void recordQueueWait(long micros) {
    queueWaitMicros.recordValue(Math.max(0, micros));
    queueDuration.record(Math.max(0, micros), TimeUnit.MICROSECONDS);
  }

  void recordStep(long micros, int samples) {
    stepMicros.recordValue(Math.max(0, micros));
    batchSize.recordValue(samples);
    stepsRun.incrementAndGet();
    stepDuration.record(Math.max(0, micros), TimeUnit.MICROSECONDS);
    batchSamples.record(samples);
  }

  /** One generation's {@code n} images were decoded. */
  void recordImages(int n) {
    imagesDone.addAndGet(n);
    images.increment(n);
    succeeded.increment();
  }

  void recordFailures(int generations) {
    failed.increment(generations);
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

  /** Resets the benchmarks' histograms; Prometheus series are cumulative and never reset. */
  public void reset() {
    phases.reset();
    queueWaitMicros.reset();
    stepMicros.reset();
    batchSize.reset();
  }
}
