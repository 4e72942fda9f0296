package com.aurous.server.model.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

import com.aurous.server.model.tiny.Params;
import com.aurous.server.model.tiny.TinyNet;
import com.aurous.server.model.tiny.WeightFile;

/**
 * Stage 1: the autoencoder (encoder + decoder), mean squared error on crops of 1024-scale scenes.
 * The decoder sees the latents with a little Gaussian noise so it tolerates the denoiser's small
 * errors. At the end the latents' spread over fresh scenes sets {@code latent/scale}, so the
 * diffusion latents have unit variance.
 */
final class AutoencoderStage extends Stage<AutoencoderStage.Batch> {

  static final float LATENT_NOISE = 0.03f;

  private final CroppedScenes scenes;
  private final Params params;
  private Placeholder<TFloat32> images;
  private Placeholder<TFloat32> noise;
  private Operand<TFloat32> latents;
  private float latentScale = Float.NaN;

  AutoencoderStage(TrainConfig cfg, CroppedScenes scenes, PrintStream log) {
    super("autoencoder", cfg, log);
    this.scenes = scenes;
    this.params = Params.random(cfg.seed());
  }

  @Override
  Params params() {
    return params;
  }

  @Override
  int totalSteps() {
    return cfg.aeSteps();
  }

  @Override
  float learningRate() {
    return cfg.aeLearningRate();
  }

  @Override
  Operand<TFloat32> build(Ops tf, Params p) {
    TinyNet net = new TinyNet(tf, p);
    images = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, 3)));
    noise = tf.placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(-1, -1, -1, TinyNet.LATENT_CHANNELS)));
    latents = net.encodePooled(net.pool(images));
    Operand<TFloat32> out = net.decodeUnit(tf.math.add(latents, noise));
    Operand<TFloat32> err = tf.math.squaredDifference(out, images);
    return tf.math.mean(err, tf.constant(new int[] {0, 1, 2, 3}));
  }

  final class Batch implements Stage.Feed {
    final TFloat32 img;
    final TFloat32 nz;

    Batch(float[] pixels, float[] n, int b, int crop) {
      int h = crop / TinyNet.LATENT_DOWNSCALE;
      img = floats(pixels, b, crop, crop, 3);
      nz = floats(n, b, h, h, TinyNet.LATENT_CHANNELS);
    }

    @Override
    public void feed(Session.Runner r) {
      r.feed(images, img).feed(noise, nz);
    }

    @Override
    public void close() {
      closeAll(img, nz);
    }
  }

  @Override
  Batch batch(long index) {
    int b = cfg.aeBatch();
    int crop = cfg.aeCrop();
    float[] px = new float[b * crop * crop * 3];
    for (int i = 0; i < b; i++) {
      scenes.crop(index * b + i, crop, px, i * crop * crop * 3);
    }
    int h = crop / TinyNet.LATENT_DOWNSCALE;
    float[] n = new float[b * h * h * TinyNet.LATENT_CHANNELS];
    SplittableRandom r = new SplittableRandom(cfg.seed() * 31 + index);
    for (int i = 0; i < n.length; i++) {
      n[i] = (float) (gaussian(r) * LATENT_NOISE);
    }
    return new Batch(px, n, b, crop);
  }

  static double gaussian(SplittableRandom r) {
    double u1 = 1 - r.nextDouble();
    double u2 = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Latent std over crops the stage never trained on: latent/scale = 1 / std. */
  @Override
  void finish(Params p, Session session) throws IOException {
    double s = 0;
    double s2 = 0;
    long n = 0;
    int rounds = cfg.fixedData() ? 1 : 8;
    for (int k = 0; k < rounds; k++) {
      try (Batch b = batch(1_000_000L + k); Result r = session.runner().feed(images, b.img)
          .fetch(latents).run()) {
        TFloat32 z = (TFloat32) r.get(0);
        float[] v = new float[(int) z.shape().size()];
        z.copyTo(org.tensorflow.ndarray.buffer.DataBuffers.of(v, false, false));
        for (float f : v) {
          s += f;
          s2 += (double) f * f;
          n++;
        }
      }
    }
    double mean = s / n;
    double std = Math.sqrt(Math.max(s2 / n - mean * mean, 1e-8));
    latentScale = (float) (1.0 / std);
    log.printf(Locale.ROOT, "[%s] latent mean %.4f std %.4f -> latent/scale %.4f%n", name, mean,
        std, latentScale);
    weights(p, session).write(weightFile());
  }

  @Override
  WeightFile weights(Params p, Session session) {
    Map<String, WeightFile.Tensor> m = new LinkedHashMap<>(p.snapshot(session).tensors());
    if (!Float.isNaN(latentScale)) {
      m.put("latent/scale", new WeightFile.Tensor(new int[0], new float[] {latentScale}));
    }
    return new WeightFile(m);
  }

  /**
   * Takes a trained autoencoder (with its {@code latent/scale}) from another weight file as this
   * stage's result, so a run that continues a model keeps the latent space its denoiser knows.
   */
  void adopt(WeightFile from) throws IOException {
    Map<String, WeightFile.Tensor> m = new LinkedHashMap<>();
    from.tensors().forEach((k, v) -> {
      if (prefixes().stream().anyMatch(k::startsWith)) {
        m.put(k, v);
      }
    });
    WeightFile ae = new WeightFile(m);
    if (!hasScale(ae)) {
      throw new IllegalArgumentException("the weight file has no trained autoencoder (no latent/scale)");
    }
    java.nio.file.Files.createDirectories(dir);
    ae.write(weightFile());
    java.nio.file.Files.writeString(dir.resolve("step"), Integer.toString(totalSteps()));
  }

  static boolean hasScale(WeightFile f) {
    return f.tensors().containsKey("latent/scale");
  }

  static List<String> prefixes() {
    return List.of("encoder/", "decoder/", "latent/");
  }
}
