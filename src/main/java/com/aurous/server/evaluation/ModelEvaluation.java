package com.aurous.server.evaluation;

import com.aurous.server.engine.sampling.Samplers;
import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.ModelManifest;
import com.aurous.server.model.scenes.HeldOutScenes;
import com.aurous.server.model.scenes.SceneRasterizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The measurements of issue 8: generate the held-out prompts with a model and score what it drew
 * ({@link #generateAndScore}), and how well its autoencoder reconstructs held-out scenes
 * ({@link #reconstruct}).
 */
public final class ModelEvaluation {

  /**
   * How to generate: {@link #defaults(ModelManifest)} are the manifest's request defaults.
   * {@code fromRender} below 1 starts each image from its held-out scene's own render at that
   * denoise strength instead of from noise alone: a diagnostic of what the denoiser keeps (or
   * loses) of a correct picture from part-way through the schedule, with the layout already given.
   */
  public record Settings(int count, int width, int height, int steps, double guidanceScale,
      double cfgRescale, long seedBase, int batch, double fromRender) {

    public Settings {
      if (count < 1 || width < 1 || height < 1 || steps < 1 || batch < 1) {
        throw new IllegalArgumentException("count, size, steps and batch must be positive");
      }
      if (!(fromRender > 0 && fromRender <= 1)) {
        throw new IllegalArgumentException("fromRender must be in (0, 1]");
      }
    }

    public static Settings defaults(ModelManifest m) {
      return new Settings(200, 1024, 1024, m.defaults().steps(), m.defaults().guidanceScale(),
          m.defaults().cfgRescale(), 0, 4, 1.0);
    }
  }

  /** One generated image, the case it answers and its score. */
  public record Generated(int index, HeldOutScenes.Case heldOut, byte[] rgb, ImageScore score) {}

  /** One reconstructed scene: PSNR in dB of decode(encode_image(render)) against the render. */
  public record Reconstructed(int index, HeldOutScenes.Case heldOut, byte[] original, byte[] rgb,
      double psnr) {}

  private ModelEvaluation() {}

  /** Generates and scores {@code s.count()} held-out cases in batches; each result goes to {@code each}. */
  public static EvalTally generateAndScore(DiffusionModel model, Settings s, Consumer<Generated> each) {
    GuidedSampler sampler = new GuidedSampler(model, Samplers.DEFAULT, s.steps());
    List<HeldOutScenes.Case> cases = HeldOutScenes.cases(s.count(), s.seedBase());
    EvalTally tally = new EvalTally();
    for (int from = 0; from < cases.size(); from += s.batch()) {
      List<HeldOutScenes.Case> group = cases.subList(from, Math.min(cases.size(), from + s.batch()));
      List<String> prompts = new ArrayList<>();
      long[] seeds = new long[group.size()];
      for (int i = 0; i < group.size(); i++) {
        prompts.add(group.get(i).caption());
        seeds[i] = group.get(i).seed();
      }
      List<byte[]> references = null;
      if (s.fromRender() < 1) {
        references = new ArrayList<>();
        for (HeldOutScenes.Case c : group) {
          references.add(SceneRasterizer.render(c.scene(), s.width(), s.height()));
        }
      }
      List<byte[]> images = sampler.generate(prompts, seeds, s.width(), s.height(), s.guidanceScale(),
          s.cfgRescale(), references, s.fromRender());
      for (int i = 0; i < group.size(); i++) {
        ImageScore score = SceneEvaluator.score(images.get(i), s.width(), s.height(), group.get(i).scene());
        tally.add(score);
        each.accept(new Generated(from + i, group.get(i), images.get(i), score));
      }
    }
    return tally;
  }

  /** Mean PSNR (dB) of the autoencoder on {@code count} held-out scenes rendered at width x height. */
  public static double reconstruct(DiffusionModel model, int count, int width, int height,
      Consumer<Reconstructed> each) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be positive");
    }
    double sum = 0;
    List<HeldOutScenes.Case> cases = HeldOutScenes.cases(count, 0);
    int ds = model.manifest().latentDownscale();
    for (int i = 0; i < cases.size(); i++) {
      HeldOutScenes.Case c = cases.get(i);
      byte[] original = SceneRasterizer.render(c.scene(), width, height);
      float[] latents = model.encodeImage(original, 1, height, width);
      byte[] back = model.decode(latents, 1, height / ds, width / ds);
      double psnr = psnr(original, back);
      sum += psnr;
      each.accept(new Reconstructed(i, c, original, back, psnr));
    }
    return sum / count;
  }

  /** Peak signal-to-noise ratio of two 8-bit images in dB (capped at 99 for identical images). */
  public static double psnr(byte[] a, byte[] b) {
    if (a.length != b.length || a.length == 0) {
      throw new IllegalArgumentException("images differ in size");
    }
    double se = 0;
    for (int i = 0; i < a.length; i++) {
      int d = (a[i] & 0xFF) - (b[i] & 0xFF);
      se += d * d;
    }
    double mse = se / a.length;
    return mse == 0 ? 99.0 : Math.min(99.0, 10 * Math.log10(255.0 * 255.0 / mse));
  }
}
