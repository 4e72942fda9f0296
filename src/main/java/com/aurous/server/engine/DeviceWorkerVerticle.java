package com.aurous.server.engine;

import com.aurous.server.generation.GenerationAddresses;
import com.aurous.server.generation.GenerationProgress;
import com.aurous.server.model.DiffusionModel;
import com.aurous.server.output.PngWriter;
import com.aurous.server.storage.DatabaseFaults;
import com.aurous.server.storage.OutageLog;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

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
  private final PngWriter png;
  private final int outputTtlHours;
  private final ReferenceSource references;
  private DiffusionModel model;
  private StepLoop loop;
  private volatile Thread loopThread;
  private final OutageLog outage;
  /** Generations finished (or failed) in memory whose result is not stored yet; their leases are still renewed. */
  private final Set<String> awaitingStore = new LinkedHashSet<>();
  private boolean claiming;
  private boolean claimAgain;
  private long claimsPausedUntil;
  private int claimFailures;
  private volatile boolean stopping;

  public DeviceWorkerVerticle(String device, String workerId, Path modelDir, EngineSettings settings, WorkStore store,
      EngineMetrics metrics, PngWriter png, int outputTtlHours, ReferenceSource references) {
    this.png = png;
    this.references = references;
    this.device = device;
    this.workerId = workerId;
    this.modelDir = modelDir;
    this.settings = settings;
    this.store = store;
    this.metrics = metrics;
    this.outputTtlHours = outputTtlHours;
    this.outage = new OutageLog(LOG, "Worker " + workerId);
  }

  @Override
  public Future<?> start() {
    model = DiffusionModel.load(modelDir, device, settings.intraOpThreads());
    loop = new StepLoop(model, settings.sampler(), settings.maxBatchSize(), settings.batchTimeoutMs(), new ToContext(),
        metrics);
    metrics.watchRunning(loop::samplesHeld);
    loopThread = new Thread(loop, "aurous-engine-" + device);
    loopThread.setDaemon(true);
    loopThread.start();
    var pending = vertx.eventBus().consumer(EngineAddresses.PENDING, m -> claim());
    var cancel = vertx.eventBus().<String>consumer(EngineAddresses.CANCEL, m -> {
      loop.cancel(m.body());
      metrics.phases().forget(m.body());
    });
    vertx.setPeriodic(settings.pollIntervalMs(), t -> claim());
    vertx.setPeriodic(renewIntervalMs(), t -> renewLeases());
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
    if (System.nanoTime() < claimsPausedUntil) {
      return;
    }
    int free = settings.maxRunningPerWorker() - loop.samplesHeld();
    if (free <= 0) {
      return;
    }
    claiming = true;
    long woken = System.nanoTime();
    store.claim(workerId, free).onComplete(ar -> {
      claiming = false;
      boolean more = claimAgain;
      claimAgain = false;
      if (ar.failed()) {
        // No new work while the database is away; what runs keeps running (see untilStored).
        databaseFailed(ar.cause());
        if (DatabaseFaults.isUnavailable(ar.cause())) {
          claimsPausedUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs(claimFailures++));
        }
        return;
      }
      claimFailures = 0;
      databaseAnswered();
      int claimedSamples = 0;
      for (ClaimedGeneration g : ar.result()) {
        claimedSamples += g.imageCount();
        // Our own lease expired during an outage and we took the row back: the run we still hold
        // (or the result waiting to be stored) completes it; a second run would only waste steps.
        if (!loop.heldIds().contains(g.id()) && !awaitingStore.contains(g.id())) {
          metrics.phases().mark(g.id(), PhaseTimes.Phase.WOKEN, woken);
          metrics.phases().mark(g.id(), PhaseTimes.Phase.CLAIMED);
          if (g.hasReferences()) {
            loop.submit(g, fittedReferences(g).toCompletionStage());
          } else {
            loop.submit(g);
          }
        }
      }
      if (!ar.result().isEmpty() && claimedSamples < free) {
        // Room was left over, so nothing else was claimable: a lone image starts without batch_timeout.
        loop.noneWaiting();
      }
      if (more || !ar.result().isEmpty()) {
        claim();
      }
    });
  }

  /**
   * The generation's references from the source, each center-cropped and resized to its output
   * size ({@link ReferenceFit}) on a worker thread: the source may answer on an event loop, and
   * the step loop's thread is for TensorFlow.
   */
  private Future<List<byte[]>> fittedReferences(ClaimedGeneration g) {
    Future<List<ReferenceSource.ReferencePicture>> loaded;
    try {
      loaded = references.load(g.teamId(), g.referenceImageUrls());
    } catch (RuntimeException e) {
      loaded = Future.failedFuture(e);
    }
    return loaded.compose(pictures -> {
      if (pictures.size() != g.referenceImageUrls().size()) {
        return Future.failedFuture(new IllegalStateException("reference source returned " + pictures.size()
            + " pictures for " + g.referenceImageUrls().size() + " references"));
      }
      return vertx.executeBlocking(() -> {
        List<byte[]> fitted = new ArrayList<>();
        for (ReferenceSource.ReferencePicture p : pictures) {
          fitted.add(ReferenceFit.fit(p, g.width(), g.height()));
        }
        return fitted;
      }, false);
    });
  }

  private void renewLeases() {
    List<String> held = new ArrayList<>(loop.heldIds());
    held.addAll(awaitingStore);
    store.renew(held, workerId).onComplete(ar -> {
      if (ar.failed()) {
        databaseFailed(ar.cause());
        return;
      }
      databaseAnswered();
      for (String id : held) {
        if (!ar.result().contains(id)) {
          // Cancelled, or the lease was lost and someone else owns it now: stop spending steps on it.
          loop.cancel(id);
        }
      }
    });
  }

  /**
   * Runs a store operation until PostgreSQL answers it, retrying with backoff while the database
   * is unreachable, so an outage delays a result instead of failing the generation. Each
   * operation is conditional on the row still being ours and open, so a retry after a commit
   * whose answer was lost applies nothing twice. Other failures are returned as they are.
   */
  private <T> Future<T> untilStored(Supplier<Future<T>> operation) {
    Promise<T> result = Promise.promise();
    attemptStore(operation, 0, result);
    return result.future();
  }

  private <T> void attemptStore(Supplier<Future<T>> operation, int attempt, Promise<T> result) {
    Future<T> f;
    try {
      f = operation.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onComplete(ar -> {
      if (ar.succeeded()) {
        databaseAnswered();
        result.complete(ar.result());
      } else if (!stopping && DatabaseFaults.isUnavailable(ar.cause())) {
        databaseFailed(ar.cause());
        vertx.setTimer(backoffMs(attempt), t -> attemptStore(operation, attempt + 1, result));
      } else {
        result.fail(ar.cause());
      }
    });
  }

  /**
   * From the poll interval, doubling, never longer than the lease renewal period, so that once
   * the database is back our leases are renewed (and claims resume) before they run out.
   */
  private long backoffMs(int attempt) {
    long cap = renewIntervalMs();
    return Math.min(cap, Math.min(cap, settings.pollIntervalMs()) << Math.min(attempt, 20));
  }

  private long renewIntervalMs() {
    return Math.max(500, settings.leaseSeconds() * 1000L / 3);
  }

  private void databaseFailed(Throwable cause) {
    if (DatabaseFaults.isUnavailable(cause) && !outage.inOutage()) {
      outage.failed(cause);
      LOG.warn("Worker {} paused: not claiming; {} generation(s) keep running and {} result(s) wait in memory",
          workerId, loop.heldIds().size(), awaitingStore.size());
    } else {
      outage.failed(cause);
    }
  }

  private void databaseAnswered() {
    if (outage.inOutage()) {
      outage.succeeded();
      claimsPausedUntil = 0;
      claimFailures = 0;
      // Back at once: renew before a rescuer on some node returns our rows to pending, then fill up.
      renewLeases();
      claim();
    }
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
      ids.forEach(id -> metrics.phases().mark(id, PhaseTimes.Phase.FIRST_STEP));
      context.runOnContext(v -> untilStored(() -> store.markProcessing(ids, workerId))
          .onSuccess(x -> ids.forEach(id -> vertx.eventBus().publish(GenerationAddresses.CHANGED, id)))
          .onFailure(e -> LOG.warn("Could not mark {} processing: {}", ids, e.toString())));
    }

    /**
     * Published straight from the loop thread (the event bus takes messages from any thread):
     * hopping onto this context first would queue progress behind PNG encoding.
     */
    @Override
    public void progressed(String generationId, int step, int steps) {
      vertx.eventBus().publish(GenerationAddresses.PROGRESS, new GenerationProgress(generationId, step, steps).encode());
    }

    @Override
    public void finished(ClaimedGeneration g, List<byte[]> rgbImages) {
      // The slots are refilled only once stored: refilling at once (PNGs overlapping the next
      // steps) measured slower on 2 cores (benchmarks/README.md).
      context.runOnContext(v -> {
        awaitingStore.add(g.id());
        // Encoded on the worker pool while the terminal transaction's first statements run
        // (WorkStore.succeed waits for the bytes only to insert them and commit).
        Future<List<byte[]>> pngs = vertx.executeBlocking(() -> encode(g, rgbImages), false)
            .onSuccess(p -> metrics.phases().mark(g.id(), PhaseTimes.Phase.ENCODED));
        Future<Boolean> stored = untilStored(() -> store.succeed(g.id(), workerId, pngs, outputTtlHours))
            .recover(e -> pngs.failed()
                ? untilStored(() -> store.fail(List.of(g.id()), workerId,
                    "could not encode the image: " + pngs.cause().getMessage())).map(true)
                : Future.failedFuture(e));
        stored.onSuccess(applied -> {
              if (applied) {
                metrics.phases().mark(g.id(), PhaseTimes.Phase.STORED);
                vertx.eventBus().publish(GenerationAddresses.TERMINAL, g.id());
                metrics.phases().mark(g.id(), PhaseTimes.Phase.PUBLISHED);
              } else {
                // Cancelled meanwhile, or our lease ran out during an outage and another worker's
                // result stands: this one is dropped, nothing stored or charged for it.
                LOG.info("Result of generation {} not applied: no longer held by {}", g.id(), workerId);
              }
            })
            .onFailure(e -> LOG.error("Could not store generation {}", g.id(), e))
            .onComplete(x -> {
              metrics.phases().forget(g.id());
              awaitingStore.remove(g.id());
              claim();
            });
      });
    }

    @Override
    public void failed(List<String> ids, String message) {
      context.runOnContext(v -> {
        awaitingStore.addAll(ids);
        untilStored(() -> store.fail(ids, workerId, message))
            .onComplete(x -> {
              ids.forEach(metrics.phases()::forget);
              ids.forEach(awaitingStore::remove);
              ids.forEach(id -> vertx.eventBus().publish(GenerationAddresses.TERMINAL, id));
              claim();
            });
      });
    }
  }

  @Override
  public Future<?> stop() {
    stopping = true;
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

  /** Its model is loaded and its step loop runs: what /health/ready reports as "model". */
  public boolean ready() {
    Thread t = loopThread; // volatile, written after the model loaded: read it first
    return t != null && t.isAlive() && !stopping && model != null;
  }
}
