package com.aurous.server.engine;

import com.aurous.server.generation.GenerationAddresses;
import com.aurous.server.model.DiffusionModel;
import com.aurous.server.output.PngWriter;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One per device: owns a TensorFlow session pinned to that device and the {@link StepLoop}
 * thread that batches denoising steps on it. Deployed as a worker verticle, so its own handlers
 * (claims, lease renewal, PNG encoding, completion) run on worker threads, never an event loop.
 */
public final class DeviceWorkerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceWorkerVerticle.class);

  private final String device;
  private final String workerId;
  private final Path modelDir;
  private final EngineSettings settings;
  private final WorkStore store;
  private final EngineMetrics metrics;
  private final PngWriter png = new PngWriter(4);
  private final int outputTtlHours;
  private DiffusionModel model;
  private StepLoop loop;
  private Thread loopThread;
  private boolean claiming;
  private boolean claimAgain;

  public DeviceWorkerVerticle(String device, String workerId, Path modelDir, EngineSettings settings, WorkStore store,
      EngineMetrics metrics, int outputTtlHours) {
    this.device = device;
    this.workerId = workerId;
    this.modelDir = modelDir;
    this.settings = settings;
    this.store = store;
    this.metrics = metrics;
    this.outputTtlHours = outputTtlHours;
  }

  @Override
  public Future<?> start() {
    model = DiffusionModel.load(modelDir, device, settings.intraOpThreads());
    loop = new StepLoop(model, settings.sampler(), settings.maxBatchSize(), settings.batchTimeoutMs(), new ToContext(),
        metrics);
    loopThread = new Thread(loop, "aurous-engine-" + device);
    loopThread.setDaemon(true);
    loopThread.start();
    var pending = vertx.eventBus().consumer(EngineAddresses.PENDING, m -> claim());
    var cancel = vertx.eventBus().<String>consumer(EngineAddresses.CANCEL, m -> loop.cancel(m.body()));
    vertx.setPeriodic(settings.pollIntervalMs(), t -> claim());
    vertx.setPeriodic(Math.max(500, settings.leaseSeconds() * 1000L / 3), t -> renewLeases());
    // Ready only once the subscriptions are registered cluster-wide, so no wake-up is missed.
    return Future.all(pending.completion(), cancel.completion()).onSuccess(v -> {
      LOG.info("Worker {} ready: {} (max_batch_size={}, batch_timeout={}ms, max_running={})", workerId, model,
          settings.maxBatchSize(), settings.batchTimeoutMs(), settings.maxRunningPerWorker());
      claim();
    });
  }

  /** Asks PostgreSQL for as much pending work as this worker has free slots. */
  private void claim() {
    if (claiming) {
      claimAgain = true;
      return;
    }
    int free = settings.maxRunningPerWorker() - loop.samplesHeld();
    if (free <= 0) {
      return;
    }
    claiming = true;
    store.claim(workerId, free).onComplete(ar -> {
      claiming = false;
      boolean more = claimAgain;
      claimAgain = false;
      if (ar.failed()) {
        LOG.warn("Claim failed: {}", ar.cause().toString());
        return;
      }
      ar.result().forEach(loop::submit);
      if (more || !ar.result().isEmpty()) {
        claim();
      }
    });
  }

  private void renewLeases() {
    List<String> held = loop.heldIds();
    store.renew(held, workerId).onSuccess(still -> {
      for (String id : held) {
        if (!still.contains(id)) {
          // Cancelled, or the lease was lost and someone else owns it now: stop spending steps on it.
          loop.cancel(id);
        }
      }
    });
  }

  private List<byte[]> encode(ClaimedGeneration g, List<byte[]> rgbImages) {
    List<byte[]> pngs = new ArrayList<>();
    for (byte[] rgb : rgbImages) {
      pngs.add(png.encode(rgb, g.width(), g.height()));
    }
    return pngs;
  }

  /** Loop callbacks hop onto this verticle's context before touching the database. */
  private final class ToContext implements StepLoop.Listener {
    @Override
    public void started(List<String> ids) {
      context.runOnContext(v -> store.markProcessing(ids, workerId));
    }

    @Override
    public void finished(ClaimedGeneration g, List<byte[]> rgbImages) {
      // Encoded here, on this worker context, and the slots refilled only once stored: refilling
      // at once (PNGs on the shared pool, overlapping the next steps) measured slower on 2 cores
      // (benchmarks/README.md).
      context.runOnContext(v -> {
        Future<Boolean> stored;
        try {
          stored = store.succeed(g.id(), workerId, encode(g, rgbImages), outputTtlHours);
        } catch (RuntimeException e) {
          stored = store.fail(List.of(g.id()), workerId, "could not encode the image: " + e.getMessage()).map(true);
        }
        stored.onSuccess(applied -> {
              if (applied) {
                vertx.eventBus().publish(GenerationAddresses.TERMINAL, g.id());
              }
            })
            .onFailure(e -> LOG.error("Could not store generation {}", g.id(), e))
            .onComplete(x -> claim());
      });
    }

    @Override
    public void failed(List<String> ids, String message) {
      context.runOnContext(v -> store.fail(ids, workerId, message)
          .onComplete(x -> {
            ids.forEach(id -> vertx.eventBus().publish(GenerationAddresses.TERMINAL, id));
            claim();
          }));
    }
  }

  @Override
  public Future<?> stop() {
    loop.stop();
    try {
      loopThread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    model.close();
    return Future.succeededFuture();
  }

  public EngineMetrics metrics() {
    return metrics;
  }
}
