package com.aurous.server.evaluation;

import com.aurous.server.engine.sampling.ClassifierFreeGuidance;
import com.aurous.server.engine.sampling.InitialNoise;
import com.aurous.server.engine.sampling.NoiseSchedule;
import com.aurous.server.engine.sampling.Sampler;
import com.aurous.server.engine.sampling.Samplers;
import com.aurous.server.generation.SeedPlan;
import com.aurous.server.generation.StrengthSchedule;
import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.ModelManifest;
import com.aurous.server.model.PromptTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Generates images the way the engine's StepLoop does, without a server around it: prompt and
 * empty prompt encoded together, initial noise from {@link SeedPlan#imageSeed(long, int)} (image
 * 0 of the request seed, so an API request with that seed draws the same picture), the
 * conditional and unconditional rows stacked in one denoise call per step, guidance with
 * rescale, then one batched decode. Not thread-safe (one model call at a time, like a worker).
 */
public final class GuidedSampler {
  private final DiffusionModel model;
  private final ModelManifest m;
  private final PromptTokenizer tokenizer;
  private final Sampler sampler;

  public GuidedSampler(DiffusionModel model, String samplerName, int steps) {
    this.model = model;
    this.m = model.manifest();
    if (!"epsilon".equals(m.predictionType())) {
      throw new IllegalArgumentException("model " + m.name() + " predicts '" + m.predictionType()
          + "'; the samplers here take epsilon-prediction models");
    }
    this.tokenizer = PromptTokenizer.of(m);
    this.sampler = Samplers.create(samplerName,
        new NoiseSchedule(m.numTrainTimesteps(), m.betaStart(), m.betaEnd(), m.betaSchedule(),
            m.rescaleZeroTerminalSnr(), m.timestepSpacing()), steps);
  }

  /** Image sides must be multiples of this: the latent downscale and the model's resolution multiple. */
  public static int sizeMultiple(ModelManifest m) {
    int a = m.latentDownscale();
    int b = Math.max(1, m.resolutionMultiple());
    int x = a;
    int y = b;
    while (y != 0) {
      int t = x % y;
      x = y;
      y = t;
    }
    return a / x * b;
  }

  /** One RGB image (HWC uint8) per prompt, prompt i drawn with request seed seeds[i]. */
  public List<byte[]> generate(List<String> prompts, long[] seeds, int width, int height,
      double guidanceScale, double cfgRescale) {
    return generate(prompts, seeds, width, height, guidanceScale, cfgRescale, null, 1.0);
  }

  /**
   * As {@link #generate(List, long[], int, int, double, double)}, image-to-image when
   * {@code references} is not null: prompt i starts from references[i] (RGB, width x height) at
   * {@code strength}, as the engine starts a request with {@code denoise_strength}
   * ({@link StrengthSchedule}; the reference's latent noised with the seed's noise).
   */
  public List<byte[]> generate(List<String> prompts, long[] seeds, int width, int height,
      double guidanceScale, double cfgRescale, List<byte[]> references, double strength) {
    int ds = m.latentDownscale();
    int multiple = sizeMultiple(m);
    if (width % multiple != 0 || height % multiple != 0 || width <= 0 || height <= 0) {
      throw new IllegalArgumentException("size " + width + "x" + height + " must be a positive multiple of " + multiple);
    }
    int b = prompts.size();
    if (seeds.length != b || b == 0) {
      throw new IllegalArgumentException("one seed per prompt, at least one prompt");
    }
    int t = m.contextLength();
    int h = height / ds;
    int w = width / ds;
    int n = h * w * m.latentChannels();
    int[] tokens = new int[2 * b * t];
    int[] empty = tokenizer.encode("");
    for (int i = 0; i < b; i++) {
      System.arraycopy(tokenizer.encode(prompts.get(i)), 0, tokens, i * t, t);
      System.arraycopy(empty, 0, tokens, (b + i) * t, t);
    }
    float[] context = model.encodePrompt(tokens, 2 * b);
    float[] latents = new float[b * n];
    float sigma = sampler.initNoiseSigma();
    for (int i = 0; i < b; i++) {
      InitialNoise.gaussian(SeedPlan.imageSeed(seeds[i], 0), latents, i * n, n);
    }
    int first = references == null ? 0 : StrengthSchedule.firstStep(sampler.steps(), strength);
    if (first == 0) {
      for (int k = 0; k < latents.length; k++) {
        latents[k] *= sigma;
      }
    } else {
      if (references.size() != b) {
        throw new IllegalArgumentException("one reference per prompt");
      }
      for (int i = 0; i < b; i++) {
        float[] ref = model.encodeImage(references.get(i), 1, height, width);
        float[] noise = Arrays.copyOfRange(latents, i * n, (i + 1) * n);
        if (first < sampler.steps()) {
          sampler.noiseTo(ref, noise, first, noise);
          System.arraycopy(noise, 0, latents, i * n, n);
        } else {
          System.arraycopy(ref, 0, latents, i * n, n);
        }
      }
    }
    float[] x = new float[2 * b * n];
    float[] timesteps = new float[2 * b];
    for (int step = first; step < sampler.steps(); step++) {
      for (int i = 0; i < b; i++) {
        sampler.scaleModelInput(latents, i * n, n, step, x, i * n);
        System.arraycopy(x, i * n, x, (b + i) * n, n);
      }
      Arrays.fill(timesteps, sampler.timestep(step));
      float[] eps = model.denoise(x, 2 * b, h, w, timesteps, context);
      for (int i = 0; i < b; i++) {
        ClassifierFreeGuidance.combine(eps, i * n, eps, (b + i) * n, n, (float) guidanceScale,
            (float) cfgRescale, eps, i * n);
        sampler.step(latents, i * n, n, eps, i * n, step);
      }
    }
    byte[] rgb = model.decode(latents, b, h, w);
    int pixels = rgb.length / b;
    List<byte[]> out = new ArrayList<>(b);
    for (int i = 0; i < b; i++) {
      out.add(Arrays.copyOfRange(rgb, i * pixels, (i + 1) * pixels));
    }
    return out;
  }
}
