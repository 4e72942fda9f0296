package com.aurous.server.engine;

import com.aurous.server.config.ServerConfig;

import java.util.List;

/**
 * The batching knobs, named as TensorFlow Serving's and Triton's are: max_batch_size (samples
 * per denoising call), batch_timeout (how long an idle worker waits for company before its first
 * step), max_queue_size (pending generations before create answers 429), plus how many samples a
 * worker keeps in flight and how long its claim on a generation lasts without renewal.
 */
public record EngineSettings(
    List<String> devices,
    String modelDir,
    String sampler,
    int intraOpThreads,
    int maxBatchSize,
    long batchTimeoutMs,
    int maxRunningPerWorker,
    long pollIntervalMs,
    int leaseSeconds) {

  public static EngineSettings from(ServerConfig c) {
    int threads = c.integer("engine.intra_op_threads");
    return new EngineSettings(
        c.devices(),
        c.string("engine.model_dir"),
        c.string("engine.sampler"),
        threads == 0 ? Runtime.getRuntime().availableProcessors() : threads,
        c.integer("engine.max_batch_size"),
        c.integer("engine.batch_timeout_ms"),
        c.integer("engine.max_running_per_worker"),
        c.integer("engine.poll_interval_ms"),
        c.integer("engine.lease_seconds"));
  }
}
