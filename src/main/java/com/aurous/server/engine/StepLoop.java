package com.aurous.server.engine;

import com.aurous.server.engine.batching.StepBatchSelector;
import com.aurous.server.engine.sampling.ClassifierFreeGuidance;
import com.aurous.server.engine.sampling.InitialNoise;
import com.aurous.server.engine.sampling.NoiseSchedule;
import com.aurous.server.engine.sampling.Sampler;
import com.aurous.server.engine.sampling.Samplers;
import com.aurous.server.generation.SeedPlan;
import com.aurous.server.generation.StrengthSchedule;
import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.ModelManifest;
import com.aurous.server.model.PackedAdapters;
import com.aurous.server.model.PromptTokenizer;
import com.aurous.server.model.lora.AdapterLibrary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
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

  /** Image-to-image, before and after its references are had (see {@link #submit(ClaimedGeneration, CompletionStage)}). */
  private record AwaitingReferences(ClaimedGeneration generation) {}

  private record ReferencesReady(ClaimedGeneration generation, List<byte[]> fitted) {}

  private record ReferencesFailed(ClaimedGeneration generation, String message) {}

  private final DiffusionModel model;
  private final AdapterLibrary adapters;
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
  /** Held (counted, renewed, cancellable) while their references load; loop thread only. */
  private final Map<String, ClaimedGeneration> awaitingReferences = new HashMap<>();
  private final List<RunningSample> ready = new ArrayList<>();
  private final Map<Integer, Sampler> samplersBySteps = new HashMap<>();
  private final AtomicInteger samplesHeld = new AtomicInteger();
  private final Set<String> heldIds = ConcurrentHashMap.newKeySet();
  private volatile boolean stopped;

  public StepLoop(DiffusionModel model, String samplerName, int maxBatchSize, long batchTimeoutMs,
      Listener listener, EngineMetrics metrics) {
    this.model = model;
    this.manifest = model.manifest();
    this.adapters = model.adapterMode() == DiffusionModel.AdapterMode.NONE ? AdapterLibrary.empty()
        : AdapterLibrary.load(model.dir());
    if (model.adapterMode() != DiffusionModel.AdapterMode.NONE
        && !java.util.Arrays.equals(adapters.widths(), model.adapterWidths())) {
      throw new IllegalArgumentException("model " + manifest.name() + ": the manifest's adapter targets "
          + "pack to widths " + java.util.Arrays.toString(adapters.widths()) + ", denoise takes "
          + java.util.Arrays.toString(model.adapterWidths()));
    }
    if (!"epsilon".equals(manifest.predictionType())) {
      throw new IllegalArgumentException("model " + manifest.name() + " predicts '" + manifest.predictionType()
          + "'; the samplers here take epsilon-prediction models");
    }
    this.tokenizer = PromptTokenizer.of(manifest);
    this.schedule = new NoiseSchedule(manifest.numTrainTimesteps(), manifest.betaStart(), manifest.betaEnd(),
        manifest.betaSchedule(), manifest.rescaleZeroTerminalSnr(), manifest.timestepSpacing());
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
   * Hands over an image-to-image generation whose references are still being had: it is held at
   * once (it counts against capacity, its lease is renewed, it can be cancelled) and joins at the
   * next step boundary once {@code fitted} completes with its references as RGB of its output size
   * (see {@link ReferenceFit}). If {@code fitted} fails the generation fails with the message of a
   * {@link ReferenceSource.ReferenceException}, or a generic one for anything else.
   */
  public void submit(ClaimedGeneration g, CompletionStage<List<byte[]>> fitted) {
    samplesHeld.addAndGet(g.imageCount());
    heldIds.add(g.id());
    // Queued before the outcome can be, so the loop always knows of it first.
    inbox.add(new AwaitingReferences(g));
    fitted.whenComplete((refs, e) -> inbox.add(e == null ? new ReferencesReady(g, refs)
        : new ReferencesFailed(g, referenceMessage(g, e))));
  }

  private static String referenceMessage(ClaimedGeneration g, Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof ReferenceSource.ReferenceException r) {
      return r.getMessage();
    }
    LOG.warn("Could not load the references of {}", g.id(), cause);
    return "the reference images could not be loaded";
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
      admitted.add(runningGeneration(g));
    } else if (m instanceof AwaitingReferences a) {
      awaitingReferences.put(a.generation().id(), a.generation());
    } else if (m instanceof ReferencesReady r) {
      // Absent: cancelled while its references loaded.
      if (awaitingReferences.remove(r.generation().id()) != null) {
        RunningGeneration g = runningGeneration(r.generation());
        Double strength = r.generation().denoiseStrength();
        g.firstStep = strength == null ? 0 : StrengthSchedule.firstStep(g.sampler.steps(), strength);
        g.references = r.fitted();
        admitted.add(g);
      }
    } else if (m instanceof ReferencesFailed f) {
      if (awaitingReferences.remove(f.generation().id()) != null) {
        release(f.generation());
        LOG.info("Failing generation {}: {}", f.generation().id(), f.message());
        metrics.recordFailures(1);
        listener.failed(List.of(f.generation().id()), f.message());
      }
    } else if (m instanceof Cancel c) {
      ClaimedGeneration waiting = awaitingReferences.remove(c.generationId());
      if (waiting != null) {
        release(waiting);
      }
      admitted.removeIf(g -> g.claim.id().equals(c.generationId()) && forget(g));
      RunningGeneration g = running.get(c.generationId());
      if (g != null) {
        drop(g);
      }
    }
  }

  private RunningGeneration runningGeneration(ClaimedGeneration g) {
    int ds = manifest.latentDownscale();
    Sampler sampler = samplersBySteps.computeIfAbsent(g.steps(), s -> Samplers.create(samplerName, schedule, s));
    return new RunningGeneration(g, sampler, g.height() / ds, g.width() / ds,
        model.adapterMode() == DiffusionModel.AdapterMode.PER_CALL);
  }

  /** Encodes the prompts of newly claimed generations in one call and seeds their samples. */
  private void admit(List<RunningGeneration> all) {
    List<RunningGeneration> usable = new ArrayList<>();
    for (RunningGeneration g : all) {
      String problem = adapterProblem(g);
      if (problem != null) {
        failAll(List.of(g), problem);
      } else {
        usable.add(g);
      }
    }
    List<RunningGeneration> gens = encodeReferences(usable);
    if (gens.isEmpty()) {
      return;
    }
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
        if (g.referenceLatent == null) {
          for (int k = 0; k < n; k++) {
            latents[k] *= sigma;
          }
        } else if (g.firstStep < g.sampler.steps()) {
          // Image-to-image: the reference forwarded to the first kept step with this sample's own noise.
          g.sampler.noiseTo(g.referenceLatent, latents, g.firstStep, latents);
        } else {
          latents = g.referenceLatent.clone();
        }
        RunningSample s = new RunningSample(g, img, latents, now);
        s.step = g.firstStep;
        g.samples.add(s);
        if (s.done()) {
          g.finishedSamples++;
        } else {
          ready.add(s);
        }
      }
      running.put(g.claim.id(), g);
    }
    finishWithoutSteps(gens);
  }

  /**
   * Each image-to-image generation's references in one encode_image call (batch invariance holds
   * as a generation is always encoded alone), averaged into the one latent its samples start from.
   * Not encoded where no step would see them (denoise_strength 1 starts from noise alone).
   */
  private List<RunningGeneration> encodeReferences(List<RunningGeneration> gens) {
    List<RunningGeneration> ok = new ArrayList<>(gens.size());
    for (RunningGeneration g : gens) {
      if (g.references.isEmpty() || g.firstStep == 0) {
        g.references = List.of();
        ok.add(g);
        continue;
      }
      int k = g.references.size();
      int pixels = g.claim.width() * g.claim.height() * 3;
      byte[] rgb = new byte[k * pixels];
      for (int r = 0; r < k; r++) {
        System.arraycopy(g.references.get(r), 0, rgb, r * pixels, pixels);
      }
      g.references = List.of();
      float[] latents;
      try {
        latents = model.encodeImage(rgb, k, g.claim.height(), g.claim.width());
      } catch (RuntimeException e) {
        failAll(List.of(g), "model error while encoding the reference images: " + e.getMessage());
        continue;
      }
      int n = latents.length / k;
      float[] mean = new float[n];
      for (int r = 0; r < k; r++) {
        for (int j = 0; j < n; j++) {
          mean[j] += latents[r * n + j];
        }
      }
      for (int j = 0; j < n; j++) {
        mean[j] /= k;
      }
      g.referenceLatent = mean;
      ok.add(g);
    }
    return ok;
  }

  /** denoise_strength 0: nothing to step, so such generations start and go straight to decode. */
  private void finishWithoutSteps(List<RunningGeneration> gens) {
    List<RunningGeneration> done = new ArrayList<>();
    for (RunningGeneration g : gens) {
      if (g.allStepsDone()) {
        g.started = true;
        metrics.recordQueueWait((System.currentTimeMillis() - g.claim.createdAtMillis()) * 1000);
        metrics.phases().mark(g.claim.id(), PhaseTimes.Phase.LAST_STEP);
        done.add(g);
      }
    }
    if (!done.isEmpty()) {
      listener.started(done.stream().map(g -> g.claim.id()).toList());
      decode(done);
    }
  }

  /** Why a generation's LoRA mix cannot run on this model, or null. */
  private String adapterProblem(RunningGeneration g) {
    if (g.adapters.isEmpty()) {
      return null;
    }
    if (model.adapterMode() == DiffusionModel.AdapterMode.NONE) {
      return "model " + manifest.name() + " takes no LoRA adapters (its denoise has no adapter inputs)";
    }
    return adapters.problem(g.adapters);
  }

  /**
   * The call's adapters: per-sample slots (slot k+1 = the k-th distinct mix of the batch, 0 = the
   * base model; cond and uncond rows of a sample share its slot), or the batch's one mix for a
   * model that takes one per call (the bucket keeps such batches to one mix).
   */
  private PackedAdapters packAdapters(List<RunningSample> batch) {
    int b = batch.size();
    switch (model.adapterMode()) {
      case NONE:
        return null;
      case PER_CALL:
        return adapters.packSingle(batch.get(0).generation.adapters, 2 * b);
      default:
        break;
    }
    Map<List<AdapterLibrary.Weighted>, Integer> slots = new LinkedHashMap<>();
    int[] index = new int[2 * b];
    for (int i = 0; i < b; i++) {
      List<AdapterLibrary.Weighted> mix = batch.get(i).generation.adapters;
      if (!mix.isEmpty()) {
        int slot = slots.computeIfAbsent(mix, k -> slots.size() + 1);
        index[i] = slot;
        index[b + i] = slot;
      }
    }
    return slots.isEmpty() ? PackedAdapters.none(2 * b)
        : adapters.pack(new ArrayList<>(slots.keySet()), index);
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
      eps = model.denoise(x, 2 * b, h, w, timesteps, context, packAdapters(batch));
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
        listener.progressed(g.claim.id(), reached - g.firstStep, g.stepsToRun());
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
    release(g.claim);
    return true;
  }

  private void release(ClaimedGeneration g) {
    if (heldIds.remove(g.id())) {
      samplesHeld.addAndGet(-g.imageCount());
    }
  }
}
