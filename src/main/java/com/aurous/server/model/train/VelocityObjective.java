package com.aurous.server.model.train;

import java.util.List;
import java.util.SplittableRandom;

import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

import com.aurous.server.model.PromptTokenizer;
import com.aurous.server.model.tiny.TinyNet;

/**
 * The denoiser's training objective and its batches, shared by the base model's
 * {@link DenoiserStage} and a LoRA's {@link LoraStage}: scenes rendered at a quarter of their
 * 1024-scale size, encoded by the frozen encoder inside the graph, noised at a uniform timestep;
 * the UNet's velocity is compared with the true one. Batch {@code i} is a function of the seed and
 * {@code i} alone.
 */
final class VelocityObjective {

  private final TrainConfig cfg;
  private final TrainingScenes scenes;
  private final PromptTokenizer tokenizer;
  private Placeholder<TFloat32> images;
  private Placeholder<TInt32> ids;
  private Placeholder<TFloat32> timesteps;
  private Placeholder<TFloat32> noise;

  VelocityObjective(TrainConfig cfg, TrainingScenes scenes) {
    this.cfg = cfg;
    this.scenes = scenes;
    this.tokenizer = new PromptTokenizer(TinyNet.VOCAB_SIZE, TinyNet.CONTEXT_LENGTH);
  }

  Operand<TFloat32> loss(Ops tf, TinyNet net) {
    images = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, 3)));
    ids = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, TinyNet.CONTEXT_LENGTH)));
    timesteps = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
    noise = tf.placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(-1, -1, -1, TinyNet.LATENT_CHANNELS)));
    Operand<TFloat32> pooled = tf.nn.avgPool(images, List.of(1L, 2L, 2L, 1L),
        List.of(1L, 2L, 2L, 1L), "VALID");
    Operand<TFloat32> x0 = tf.stopGradient(tf.math.mul(net.encodePooled(pooled), net.latentScale()));
    Operand<TFloat32> ab = tf.expandDims(tf.expandDims(tf.expandDims(
        net.alphaBar(timesteps), tf.constant(1)), tf.constant(1)), tf.constant(1));
    Operand<TFloat32> sa = tf.math.sqrt(ab);
    Operand<TFloat32> s1 = tf.math.sqrt(tf.math.sub(tf.constant(1f), ab));
    Operand<TFloat32> xt = tf.math.add(tf.math.mul(sa, x0), tf.math.mul(s1, noise));
    // The UNet outputs the velocity v = sqrt(ab) eps - sqrt(1-ab) x0 (the exported graph turns it
    // into epsilon). Its squared error is the epsilon error weighted by 1 / ab_t: the epsilon
    // objective with the high timesteps, where the prompt sets colours and layout, weighted up.
    Operand<TFloat32> target = tf.math.sub(tf.math.mul(sa, noise), tf.math.mul(s1, x0));
    Operand<TFloat32> pred = net.unet(xt, timesteps, net.encodePrompt(ids));
    Operand<TFloat32> err = tf.math.squaredDifference(pred, target);
    if (cfg.edgeWeight() <= 0) {
      return tf.math.mean(err, tf.constant(new int[] {0, 1, 2, 3}));
    }
    Operand<TFloat32> w = edgeWeights(tf, images, cfg.edgeWeight());
    return tf.math.div(tf.math.mean(tf.math.mul(err, w), tf.constant(new int[] {0, 1, 2, 3})),
        tf.math.mean(w, tf.constant(new int[] {0, 1, 2, 3})));
  }

  /**
   * Per-cell loss weights [B, h, w, 1]: 1, plus {@code edgeWeight} where the cell's block of the
   * quarter-size picture holds an edge (its pixels' variance, summed over RGB, reaches
   * {@link #EDGE_VARIANCE}; less counts in proportion).
   * The difference between a circle and a rounded square is a few edge cells' codes, a sliver of
   * the plain mean error, and the plain objective let the UNet draw every shape as the same blob.
   */
  static Operand<TFloat32> edgeWeights(Ops tf, Operand<TFloat32> quarter, float edgeWeight) {
    long k = TinyNet.LATENT_DOWNSCALE / DenoiserStage.RENDER_DIV;
    List<Long> size = List.of(1L, k, k, 1L);
    Operand<TFloat32> mean = tf.nn.avgPool(quarter, size, size, "VALID");
    Operand<TFloat32> meanSq = tf.nn.avgPool(tf.math.square(quarter), size, size, "VALID");
    Operand<TFloat32> variance = tf.reduceSum(tf.math.sub(meanSq, tf.math.square(mean)),
        tf.constant(3), org.tensorflow.op.core.ReduceSum.keepDims(true));
    // Clamped below too: E[x^2] - E[x]^2 of a flat cell comes out a hair under zero in float.
    Operand<TFloat32> edge = tf.clipByValue(tf.math.div(variance, tf.constant(EDGE_VARIANCE)),
        tf.constant(0f), tf.constant(1f));
    return tf.stopGradient(tf.math.add(tf.constant(1f), tf.math.mul(edge, tf.constant(edgeWeight))));
  }

  /** Summed RGB variance of a cell's pixels (in [-1, 1] units) that counts as a full edge. */
  static final float EDGE_VARIANCE = 0.05f;

  final class Batch implements Stage.Feed {
    final TFloat32 img;
    final TInt32 tok;
    final TFloat32 ts;
    final TFloat32 nz;

    Batch(float[] px, int[] tokens, float[] t, float[] n, int b, int h, int w) {
      int scale = TinyNet.LATENT_DOWNSCALE / DenoiserStage.RENDER_DIV;
      img = Stage.floats(px, b, (long) h * scale, (long) w * scale, 3);
      tok = TInt32.tensorOf(Shape.of(b, TinyNet.CONTEXT_LENGTH), DataBuffers.of(tokens, true, false));
      ts = Stage.floats(t, b);
      nz = Stage.floats(n, b, h, w, TinyNet.LATENT_CHANNELS);
    }

    @Override
    public void feed(Session.Runner r) {
      r.feed(images, img).feed(ids, tok).feed(timesteps, ts).feed(noise, nz);
    }

    @Override
    public void close() {
      Stage.closeAll(img, tok, ts, nz);
    }
  }

  Batch batch(long index) {
    int b = cfg.batch();
    int[] hw = DenoiserStage.latentSize(index, cfg.canonical());
    int h = hw[0];
    int w = hw[1];
    int scale = TinyNet.LATENT_DOWNSCALE / DenoiserStage.RENDER_DIV;
    int ph = h * scale;
    int pw = w * scale;
    float[] px = new float[b * ph * pw * 3];
    int[] tokens = new int[b * TinyNet.CONTEXT_LENGTH];
    float[] t = new float[b];
    float[] n = new float[b * h * w * TinyNet.LATENT_CHANNELS];
    SplittableRandom r = new SplittableRandom(cfg.seed() * 1_000_003L + index);
    for (int i = 0; i < b; i++) {
      String caption = scenes.scene(index * b + i, pw, ph, px, i * ph * pw * 3);
      String prompt = r.nextDouble() < cfg.promptDropout() ? "" : caption;
      System.arraycopy(tokenizer.encode(prompt), 0, tokens, i * TinyNet.CONTEXT_LENGTH,
          TinyNet.CONTEXT_LENGTH);
      t[i] = cfg.focus().draw(r);
    }
    for (int i = 0; i < n.length; i++) {
      n[i] = (float) AutoencoderStage.gaussian(r);
    }
    return new Batch(px, tokens, t, n, b, h, w);
  }
}
