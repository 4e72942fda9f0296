package com.aurous.server.engine;

import com.aurous.server.engine.batching.StepBatchSelector;
import com.aurous.server.engine.sampling.ClassifierFreeGuidance;
import com.aurous.server.engine.sampling.InitialNoise;
import com.aurous.server.engine.sampling.NoiseSchedule;
import com.aurous.server.engine.sampling.Sampler;
import com.aurous.server.engine.sampling.Samplers;
import com.aurous.server.generation.SeedPlan;
import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.ModelManifest;
import com.aurous.server.model.PromptTokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Step-level continuous batching on one device. Each iteration runs ONE denoising step for up to
 * max_batch_size samples of one shape bucket in a single model call, every sample at its own
 * timestep; new generations join at the next step boundary and finished ones leave for a batched
 * decode. Conditional and unconditional passes share that call (classifier-free guidance).
 *
 * <p>It runs on a dedicated thread that owns the model; it never touches the database or the
 * event bus itself, it reports to a {@link Listener} and takes work from its inbox.
 */
public final class StepLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(StepLoop.class);
  private static final Object STOP = new Object();
  /** The claim just submitted took every generation that was waiting: an idle loop need not wait for company. */
  private static final Object NONE_WAITING = new Object();

  /** What the loop reports; called on the loop thread, so implementations hop off it at once. */
  public interface Listener {
    void started(List<String> generationIds);

    /**
     * Every sample of the generation has finished {@code step} of {@code steps}; once per
     * generation per step. Ignored unless someone shows progress (the benchmark does not).
     */
    default void progressed(String generationId, int step, int steps) {}

    void finished(ClaimedGeneration generation, List<byte[]> rgbImages);

    void failed(List<String> generationIds, String message);
  }

  private record Cancel(String generationId) {}

  private final DiffusionModel model;
  private final ModelManifest manifest;
  private final PromptTokenizer tokenizer;
  private final NoiseSchedule schedule;
  private final String samplerName;
  private final int maxBatchSize;
  private final long batchTimeoutNanos;
  private final Listener listener;
  private final EngineMetrics metrics;
  private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
  private final Map<String, RunningGeneration> running = new LinkedHashMap<>();
  private final List<RunningSample> ready = new ArrayList<>();
  private final Map<Integer, Sampler> samplersBySteps = new HashMap<>();
  private final AtomicInteger samplesHeld = new AtomicInteger();
  private final Set<String> heldIds = ConcurrentHashMap.newKeySet();
  private volatile boolean stopped;

  public StepLoop(DiffusionModel model, String samplerName, int maxBatchSize, long batchTimeoutMs,
      Listener listener, EngineMetrics metrics) {
    this.model = model;
    this.manifest = model.manifest();
    if (!"epsilon".equals(manifest.predictionType())) {
      throw new IllegalArgumentException("model " + manifest.name() + " predicts '" + manifest.predictionType()
          + "'; the samplers here take epsilon-prediction models");
    }
    this.tokenizer = PromptTokenizer.of(manifest);
    this.schedule = new NoiseSchedule(manifest.numTrainTimesteps(), manifest.betaStart(), manifest.betaEnd(),
        manifest.betaSchedule());
    Samplers.create(samplerName, schedule, 1); // fail at start on an unknown sampler name
    this.samplerName = samplerName;
    this.maxBatchSize = maxBatchSize;
    this.batchTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(batchTimeoutMs);
    this.listener = listener;
    this.metrics = metrics;
  }

  // ---- called from other threads --------------------------------------------------------

  /** Hands a claimed generation to the loop; it joins at the next step boundary. */
  public void submit(ClaimedGeneration g) {
    samplesHeld.addAndGet(g.imageCount());
    heldIds.add(g.id());
    inbox.add(g);
  }

  /**
   * Says that the generations just submitted were all the claimable work there was, so an idle
   * loop starts them at once instead of waiting out batch_timeout for company that is not coming.
   */
  public void noneWaiting() {
    inbox.add(NONE_WAITING);
  }

  public void cancel(String generationId) {
    if (heldIds.contains(generationId)) {
      inbox.add(new Cancel(generationId));
    }
  }

  /** Samples claimed and not yet finished: what the worker weighs against its capacity. */
  public int samplesHeld() {
    return samplesHeld.get();
  }

  public List<String> heldIds() {
    return List.copyOf(heldIds);
  }

  public void stop() {
    stopped = true;
    inbox.add(STOP);
  }

  // ---- the loop -------------------------------------------------------------------------

  @Override
  public void run() {
    List<RunningGeneration> admitted = new ArrayList<>();
    while (!stopped) {
      try {
        if (ready.isEmpty()) {
          Object first = inbox.poll(250, TimeUnit.MILLISECONDS);
          if (first == null || first == NONE_WAITING) {
            continue;
          }
          handle(first, admitted);
          gatherCompany(admitted);
        }
        for (Object m; (m = inbox.poll()) != null; ) {
          handle(m, admitted);
        }
        if (!admitted.isEmpty()) {
          admit(admitted);
          admitted.clear();
        }
        if (!ready.isEmpty()) {
          step(StepBatchSelector.select(ready, maxBatchSize));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException | Error e) {
        // The loop must outlive any one bad batch; the batch itself was failed where it broke.
        LOG.error("Step loop error", e);
      }
    }
  }

  /**
   * An idle worker waits up to batch_timeout for more arrivals, so its first step is fuller,
   * unless its claim said nothing else was waiting ({@link #noneWaiting}).
   */
  private void gatherCompany(List<RunningGeneration> admitted) throws InterruptedException {
    if (batchTimeoutNanos <= 0) {
      return;
    }
    long deadline = System.nanoTime() + batchTimeoutNanos;
    while (pendingSamples(admitted) < maxBatchSize) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      Object m = inbox.poll(left, TimeUnit.NANOSECONDS);
      if (m == null || m == NONE_WAITING) {
        return;
      }
      handle(m, admitted);
    }
  }

  private int pendingSamples(List<RunningGeneration> admitted) {
    int n = ready.size();
    for (RunningGeneration g : admitted) {
      n += g.claim.imageCount();
    }
    return n;
  }

  private void handle(Object m, List<RunningGeneration> admitted) {
    if (m == STOP) {
      stopped = true;
    } else if (m instanceof ClaimedGeneration g) {
      int ds = manifest.latentDownscale();
      Sampler sampler = samplersBySteps.computeIfAbsent(g.steps(), s -> Samplers.create(samplerName, schedule, s));
      admitted.add(new RunningGeneration(g, sampler, g.height() / ds, g.width() / ds));
    } else if (m instanceof Cancel c) {
      admitted.removeIf(g -> g.claim.id().equals(c.generationId()) && forget(g));
      RunningGeneration g = running.get(c.generationId());
      if (g != null) {
        drop(g);
      }
    }
  }

  /** Encodes the prompts of newly claimed generations in one call and seeds their samples. */
  private void admit(List<RunningGeneration> gens) {
    int t = manifest.contextLength();
    int[] tokens = new int[gens.size() * 2 * t];
    for (int i = 0; i < gens.size(); i++) {
      ClaimedGeneration c = gens.get(i).claim;
      System.arraycopy(tokenizer.encode(c.prompt()), 0, tokens, (2 * i) * t, t);
      // The negative prompt (or the empty prompt) is the unconditional branch of guidance.
      System.arraycopy(tokenizer.encode(c.negativePrompt() == null ? "" : c.negativePrompt()), 0, tokens, (2 * i + 1) * t, t);
    }
    float[] context;
    try {
      context = model.encodePrompt(tokens, gens.size() * 2);
    } catch (RuntimeException e) {
      failAll(gens, "model error while encoding the prompt: " + e.getMessage());
      return;
    }
    int perContext = t * manifest.contextDim();
    long now = System.nanoTime();
    for (int i = 0; i < gens.size(); i++) {
      RunningGeneration g = gens.get(i);
      g.condContext = java.util.Arrays.copyOfRange(context, (2 * i) * perContext, (2 * i + 1) * perContext);
      g.uncondContext = java.util.Arrays.copyOfRange(context, (2 * i + 1) * perContext, (2 * i + 2) * perContext);
      int n = g.latentH * g.latentW * manifest.latentChannels();
      float sigma = g.sampler.initNoiseSigma();
      for (int img = 0; img < g.claim.imageCount(); img++) {
        float[] latents = new float[n];
        InitialNoise.gaussian(SeedPlan.imageSeed(g.claim.seed(), img), latents, 0, n);
        for (int k = 0; k < n; k++) {
          latents[k] *= sigma;
        }
        RunningSample s = new RunningSample(g, img, latents, now);
        g.samples.add(s);
        ready.add(s);
      }
      running.put(g.claim.id(), g);
    }
  }

  private void step(List<RunningSample> batch) {
    RunningGeneration first = batch.get(0).generation;
    int b = batch.size();
    int h = first.latentH;
    int w = first.latentW;
    int n = h * w * manifest.latentChannels();
    int perContext = manifest.contextLength() * manifest.contextDim();
    float[] x = new float[2 * b * n];
    float[] timesteps = new float[2 * b];
    float[] context = new float[2 * b * perContext];
    for (int i = 0; i < b; i++) {
      RunningSample s = batch.get(i);
      RunningGeneration g = s.generation;
      g.sampler.scaleModelInput(s.latents, 0, n, s.step, x, i * n);
      System.arraycopy(x, i * n, x, (b + i) * n, n);
      timesteps[i] = timesteps[b + i] = g.sampler.timestep(s.step);
      System.arraycopy(g.condContext, 0, context, i * perContext, perContext);
      System.arraycopy(g.uncondContext, 0, context, (b + i) * perContext, perContext);
    }
    long started = System.nanoTime();
    float[] eps;
    try {
      eps = model.denoise(x, 2 * b, h, w, timesteps, context);
    } catch (RuntimeException e) {
      failAll(generationsOf(batch), "model error during denoising: " + e.getMessage());
      return;
    }
    long now = System.nanoTime();
    metrics.recordStep((now - started) / 1000, b);

    List<String> startedIds = new ArrayList<>();
    List<RunningGeneration> completed = new ArrayList<>();
    Set<RunningGeneration> stepped = new LinkedHashSet<>();
    for (int i = 0; i < b; i++) {
      RunningSample s = batch.get(i);
      RunningGeneration g = s.generation;
      ClassifierFreeGuidance.combine(eps, i * n, eps, (b + i) * n, n,
          (float) g.claim.guidanceScale(), (float) g.claim.cfgRescale(), eps, i * n);
      g.sampler.step(s.latents, 0, n, eps, i * n, s.step);
      s.step++;
      s.readySince = now;
      stepped.add(g);
      if (!g.started) {
        g.started = true;
        startedIds.add(g.claim.id());
        metrics.recordQueueWait((System.currentTimeMillis() - g.claim.createdAtMillis()) * 1000);
      }
      if (s.done()) {
        ready.remove(s);
        g.finishedSamples++;
        if (g.allStepsDone()) {
          metrics.phases().mark(g.claim.id(), PhaseTimes.Phase.LAST_STEP);
          completed.add(g);
        }
      }
    }
    if (!startedIds.isEmpty()) {
      listener.started(startedIds);
    }
    for (RunningGeneration g : stepped) {
      // A generation's samples may be split over batches: it has reached the step its slowest sample has.
      int reached = g.stepsReached();
      if (reached > g.reportedStep) {
        g.reportedStep = reached;
        listener.progressed(g.claim.id(), reached, g.sampler.steps());
      }
    }
    if (!completed.isEmpty()) {
      decode(completed);
    }
  }

  /** Finished generations of one bucket leave together through one batched decode. */
  private void decode(List<RunningGeneration> gens) {
    Map<String, List<RunningGeneration>> byBucket = new LinkedHashMap<>();
    for (RunningGeneration g : gens) {
      byBucket.computeIfAbsent(g.bucket, k -> new ArrayList<>()).add(g);
    }
    for (List<RunningGeneration> group : byBucket.values()) {
      RunningGeneration first = group.get(0);
      int n = first.latentH * first.latentW * manifest.latentChannels();
      int count = 0;
      for (RunningGeneration g : group) {
        count += g.samples.size();
      }
      float[] latents = new float[count * n];
      int at = 0;
      for (RunningGeneration g : group) {
        for (RunningSample s : g.samples) {
          System.arraycopy(s.latents, 0, latents, at * n, n);
          at++;
        }
      }
      byte[] rgb;
      try {
        rgb = model.decode(latents, count, first.latentH, first.latentW);
      } catch (RuntimeException e) {
        failAll(group, "model error while decoding: " + e.getMessage());
        continue;
      }
      int pixels = rgb.length / count;
      at = 0;
      for (RunningGeneration g : group) {
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < g.samples.size(); i++) {
          images.add(java.util.Arrays.copyOfRange(rgb, at * pixels, (at + 1) * pixels));
          at++;
        }
        forget(g);
        metrics.phases().mark(g.claim.id(), PhaseTimes.Phase.DECODED);
        metrics.recordImages(images.size());
        listener.finished(g.claim, images);
      }
    }
  }

  private void failAll(List<RunningGeneration> gens, String message) {
    List<String> ids = new ArrayList<>();
    for (RunningGeneration g : gens) {
      drop(g);
      ids.add(g.claim.id());
    }
    LOG.warn("Failing {} generation(s): {}", ids.size(), message);
    metrics.recordFailures(ids.size());
    listener.failed(ids, message);
  }

  private static List<RunningGeneration> generationsOf(List<RunningSample> batch) {
    Map<String, RunningGeneration> m = new LinkedHashMap<>();
    for (RunningSample s : batch) {
      m.putIfAbsent(s.generation.claim.id(), s.generation);
    }
    return new ArrayList<>(m.values());
  }

  /** Removes a generation and its samples from the loop (cancel or failure). */
  private void drop(RunningGeneration g) {
    ready.removeAll(g.samples);
    forget(g);
  }

  private boolean forget(RunningGeneration g) {
    running.remove(g.claim.id());
    if (heldIds.remove(g.claim.id())) {
      samplesHeld.addAndGet(-g.claim.imageCount());
    }
    return true;
  }
}
