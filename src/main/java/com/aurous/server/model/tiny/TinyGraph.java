package com.aurous.server.model.tiny;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.image.ResizeNearestNeighbor;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TUint8;

/**
 * The aurous-tiny network, written with TensorFlow Java ops into one graph.
 *
 * <p>Every weight is a graph variable whose initial value is drawn from a {@link Random} with a
 * fixed seed, in a fixed build order, so two exports are bit-identical. The variables are saved
 * into the SavedModel's {@code variables/} folder by the exporter; a later training job can
 * overwrite them without touching the graph.
 *
 * <p>Shapes: batch and spatial dimensions are dynamic everywhere (placeholders use -1), only the
 * channel / token dimensions are fixed. No op mixes samples of a batch, so a sample's result does
 * not depend on what else is in the batch.
 */
final class TinyGraph {

  // Sizes, shared with the manifest the exporter writes.
  static final int LATENT_CHANNELS = 4;
  static final int LATENT_DOWNSCALE = 8;
  static final int CONTEXT_LENGTH = 32;
  static final int CONTEXT_DIM = 64;
  static final int VOCAB_SIZE = 4096;
  static final int NUM_TRAIN_TIMESTEPS = 1000;
  static final double BETA_START = 0.00085;
  static final double BETA_END = 0.012;

  // Widths, tuned so a 1024x1024 / 11-step CFG generation (22 denoiser samples at 128x128, one
  // decode) stays well inside the 1-2 s budget: ~0.2-0.3 s measured on 2 CPU cores (AVX-512).
  static final int UNET_W1 = 24; // at latent resolution
  static final int UNET_W2 = 48; // at half latent resolution
  static final int TIME_DIM = 32; // sinusoidal timestep embedding width
  static final int DEC_W1 = 16; // decoder at 2x latent resolution
  static final int DEC_W2 = 8; // decoder at 4x and 8x
  static final int ENC_W = 16;

  private final Ops tf;
  private final Random rnd;

  Operand<TInt32> tokenIds;
  Operand<TFloat32> context;

  Operand<TFloat32> denoiseLatents;
  Operand<TFloat32> timesteps;
  Operand<TFloat32> denoiseContext;
  Operand<TFloat32> noisePred;

  Operand<TFloat32> decodeLatents;
  Operand<TUint8> images;

  Operand<TUint8> encodeImages;
  Operand<TFloat32> encodedLatents;

  TinyGraph(Ops tf, long seed) {
    this.tf = tf;
    this.rnd = new Random(seed);
  }

  /** Builds all four sub-networks; weights are created in a fixed order (seed-stable). */
  TinyGraph build() {
    buildPromptEncoder();
    buildUnet();
    buildDecoder();
    buildEncoder();
    return this;
  }

  // ---- prompt encoder: embedding + positional embedding + one tanh mixing layer (residual) ----
  private void buildPromptEncoder() {
    Ops s = tf.withSubScope("encode_prompt");
    tokenIds = s.withName("token_ids").placeholder(TInt32.class,
        Placeholder.shape(Shape.of(-1, CONTEXT_LENGTH)));
    Operand<TFloat32> table = weight(s, "embedding", 1.0f, VOCAB_SIZE, CONTEXT_DIM);
    Operand<TFloat32> pos = weight(s, "position", 0.3f, CONTEXT_LENGTH, CONTEXT_DIM);
    Operand<TFloat32> emb = s.math.add(s.gather(table, tokenIds, s.constant(0)), pos); // [B,T,D]
    Operand<TFloat32> flat = s.reshape(emb, s.constant(new int[] {-1, CONTEXT_DIM}));
    Operand<TFloat32> mixed = s.math.tanh(dense(s, "mix", flat, CONTEXT_DIM, CONTEXT_DIM));
    Operand<TFloat32> out = s.math.add(flat, mixed);
    context = s.withName("context").reshape(out,
        s.constant(new int[] {-1, CONTEXT_LENGTH, CONTEXT_DIM}));
  }

  // ---- denoiser: two-level conv UNet, timestep + pooled prompt as per-channel biases ----
  private void buildUnet() {
    Ops s = tf.withSubScope("denoise");
    denoiseLatents = s.withName("latents").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(-1, -1, -1, LATENT_CHANNELS)));
    timesteps = s.withName("timesteps").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
    denoiseContext = s.withName("context").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(-1, CONTEXT_LENGTH, CONTEXT_DIM)));

    // Per-sample conditioning vector: sinusoidal(t) -> dense, pooled context -> dense.
    Operand<TFloat32> temb = silu(s, dense(s, "time", sinusoidal(s, timesteps), TIME_DIM, TIME_DIM));
    Operand<TFloat32> pooled = s.math.mean(denoiseContext, s.constant(1)); // [B,D]
    Operand<TFloat32> cond = s.concat(List.of(temb, pooled), s.constant(1)); // [B,TIME+D]
    int condDim = TIME_DIM + CONTEXT_DIM;
    Operand<TFloat32> bias1 = asChannelBias(s, dense(s, "cond1", cond, condDim, UNET_W1));
    Operand<TFloat32> bias2 = asChannelBias(s, dense(s, "cond2", cond, condDim, UNET_W2));

    Operand<TFloat32> x = denoiseLatents;
    Operand<TFloat32> h = silu(s, s.math.add(conv(s, "in", x, 3, LATENT_CHANNELS, UNET_W1, 1), bias1));
    Operand<TFloat32> skip = silu(s, conv(s, "res1", h, 3, UNET_W1, UNET_W1, 1));
    Operand<TFloat32> d = silu(s, s.math.add(conv(s, "down", skip, 3, UNET_W1, UNET_W2, 2), bias2));
    d = silu(s, conv(s, "mid", d, 3, UNET_W2, UNET_W2, 1));
    Operand<TInt32> hw = spatialSize(s, x, 1);
    Operand<TFloat32> up = s.image.resizeNearestNeighbor(d, hw);
    Operand<TFloat32> u = s.concat(List.of(up, skip), s.constant(3));
    u = silu(s, s.math.add(conv(s, "up", u, 3, UNET_W1 + UNET_W2, UNET_W1, 1), bias1));
    // x0-parameterisation: the net proposes a bounded clean latent x0 = 2*tanh(out) and the
    // epsilon that makes it exact is returned: eps = (x - sqrt(ab_t) x0) / sqrt(1 - ab_t).
    // An untrained net thus still behaves like a consistent denoiser (a sampler's x0 estimate is
    // always bounded), and pictures converge to a structure set by noise and prompt.
    // The 7x7 blur gives x0 (hence the picture) structure larger than a latent cell; the
    // prompt adds a per-channel offset (its "palette").
    Operand<TFloat32> out = blur(s, conv(s, "out", u, 3, UNET_W1, LATENT_CHANNELS, 1), 7);
    Operand<TFloat32> palette = asChannelBias(s, dense(s, "palette",
        s.math.mean(denoiseContext, s.constant(1)), CONTEXT_DIM, LATENT_CHANNELS));
    Operand<TFloat32> x0 = s.math.mul(s.math.tanh(s.math.add(s.math.mul(out, s.constant(3f)),
        s.math.mul(palette, s.constant(0.25f)))), s.constant(2f));
    Operand<TFloat32> ab = asChannelBias(s, s.expandDims(alphaBar(s, timesteps), s.constant(1)));
    Operand<TFloat32> num = s.math.sub(x, s.math.mul(s.math.sqrt(ab), x0));
    noisePred = s.withName("noise_pred").math.div(num,
        s.math.sqrt(s.math.sub(s.constant(1f), ab)));
  }

  // ---- decoder: conv, then three nearest-neighbour x2 upsamples each followed by a conv ----
  private void buildDecoder() {
    Ops s = tf.withSubScope("decode");
    decodeLatents = s.withName("latents").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(-1, -1, -1, LATENT_CHANNELS)));
    // Latents plus two blurred copies: the decoder sees several scales at once.
    // Guidance at scale ~4 pushes untrained latents far out; the decoder's own input scaling
    // (x - 0.5 * per-sample channel mean) * 0.35 keeps pictures out of saturation. Per sample:
    // no mixing across the batch.
    Operand<TFloat32> mean = s.math.mean(decodeLatents, s.constant(new int[] {1, 2}),
        org.tensorflow.op.math.Mean.keepDims(true));
    Operand<TFloat32> z = s.math.mul(s.math.sub(decodeLatents, s.math.mul(mean, s.constant(0.5f))),
        s.constant(0.35f));
    Operand<TFloat32> scales = s.concat(List.of(z, blur(s, z, 3), blur(s, z, 9)), s.constant(3));
    Operand<TFloat32> h = silu(s, conv(s, "in", scales, 3, 3 * LATENT_CHANNELS, DEC_W1, 1));
    h = upsample2(s, h);
    h = silu(s, conv(s, "up1", h, 3, DEC_W1, DEC_W2, 1));
    h = upsample2(s, h);
    h = s.math.sin(conv(s, "up2", h, 3, DEC_W2, DEC_W2, 1)); // sin: colourful bands
    h = upsample2(s, h);
    Operand<TFloat32> rgb = s.math.tanh(conv(s, "out", h, 3, DEC_W2, 3, 1));
    Operand<TFloat32> scaled = s.math.round(s.math.mul(s.math.add(rgb, s.constant(1f)),
        s.constant(127.5f)));
    scaled = s.clipByValue(scaled, s.constant(0f), s.constant(255f));
    images = s.withName("images").dtypes.cast(scaled, TUint8.class);
  }

  // ---- image encoder: 8x8 average pool, then a 3x3 and a 1x1 conv ----
  private void buildEncoder() {
    Ops s = tf.withSubScope("encode_image");
    encodeImages = s.withName("images").placeholder(TUint8.class,
        Placeholder.shape(Shape.of(-1, -1, -1, 3)));
    Operand<TFloat32> x = s.math.sub(
        s.math.div(s.dtypes.cast(encodeImages, TFloat32.class), s.constant(127.5f)), s.constant(1f));
    long k = LATENT_DOWNSCALE;
    Operand<TFloat32> pooled = s.nn.avgPool(x, List.of(1L, k, k, 1L), List.of(1L, k, k, 1L), "VALID");
    Operand<TFloat32> h = silu(s, conv(s, "in", pooled, 3, 3, ENC_W, 1));
    encodedLatents = s.withName("latents").identity(conv(s, "out", h, 1, ENC_W, LATENT_CHANNELS, 1));
  }

  // ---- building blocks ----

  private Operand<TFloat32> weight(Ops s, String name, float std, int... dims) {
    int n = Arrays.stream(dims).reduce(1, (a, b) -> a * b);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (rnd.nextGaussian() * std);
    }
    long[] shape = Arrays.stream(dims).asLongStream().toArray();
    var init = s.constant(Shape.of(shape), DataBuffers.of(v, true, false));
    return s.withName(name).variable(init);
  }

  private Operand<TFloat32> zeros(Ops s, String name, int n) {
    return s.withName(name).variable(s.constant(new float[n]));
  }

  private Operand<TFloat32> dense(Ops s, String name, Operand<TFloat32> x, int in, int out) {
    Ops l = s.withSubScope(name);
    var w = weight(l, "w", (float) Math.sqrt(2.0 / in), in, out);
    return l.nn.biasAdd(l.linalg.matMul(x, w), zeros(l, "b", out));
  }

  private Operand<TFloat32> conv(Ops s, String name, Operand<TFloat32> x, int k, int in, int out,
      long stride) {
    Ops l = s.withSubScope(name);
    var w = weight(l, "w", (float) Math.sqrt(2.0 / (k * k * in)), k, k, in, out);
    var y = l.nn.conv2d(x, w, List.of(1L, stride, stride, 1L), "SAME");
    return l.nn.biasAdd(y, weight(l, "b", 0.1f, out));
  }

  private static Operand<TFloat32> silu(Ops s, Operand<TFloat32> x) {
    return s.math.mul(x, s.math.sigmoid(x));
  }

  /** [B,C] -> [B,1,1,C], broadcastable over NHWC feature maps. */
  private static Operand<TFloat32> asChannelBias(Ops s, Operand<TFloat32> v) {
    return s.expandDims(s.expandDims(v, s.constant(1)), s.constant(1));
  }

  /** Transformer-style sin/cos embedding of the per-sample timestep: [B] -> [B, TIME_DIM]. */
  private static Operand<TFloat32> sinusoidal(Ops s, Operand<TFloat32> t) {
    int half = TIME_DIM / 2;
    float[] freqs = new float[half];
    for (int i = 0; i < half; i++) {
      freqs[i] = (float) Math.exp(-Math.log(10000.0) * i / half);
    }
    Operand<TFloat32> args = s.math.mul(s.expandDims(t, s.constant(1)),
        s.constant(new float[][] {freqs})); // [B,half]
    return s.concat(List.of(s.math.sin(args), s.math.cos(args)), s.constant(1));
  }

  /**
   * alpha-bar of the manifest's schedule (scaled_linear, 0.00085..0.012, 1000 steps) at each
   * sample's timestep, clamped to [0, 999] and rounded down: [B] -> [B].
   */
  private static Operand<TFloat32> alphaBar(Ops s, Operand<TFloat32> t) {
    float[] table = new float[NUM_TRAIN_TIMESTEPS];
    double sqrtStart = Math.sqrt(BETA_START);
    double sqrtEnd = Math.sqrt(BETA_END);
    double prod = 1;
    for (int i = 0; i < table.length; i++) {
      double sb = sqrtStart + (sqrtEnd - sqrtStart) * i / (table.length - 1);
      prod *= 1 - sb * sb;
      table[i] = (float) prod;
    }
    Operand<TFloat32> clamped = s.clipByValue(t, s.constant(0f),
        s.constant((float) (NUM_TRAIN_TIMESTEPS - 1)));
    Operand<TInt32> idx = s.dtypes.cast(s.math.floor(clamped), TInt32.class);
    return s.gather(s.constant(table), idx, s.constant(0));
  }

  /** int32 [H*scale, W*scale] of an NHWC tensor, for dynamic resizes. */
  private static Operand<TInt32> spatialSize(Ops s, Operand<TFloat32> x, int scale) {
    Operand<TInt32> hw = s.stridedSlice(s.shape(x), s.constant(new int[] {1}),
        s.constant(new int[] {3}), s.constant(new int[] {1}));
    return scale == 1 ? hw : s.math.mul(hw, s.constant(scale));
  }

  /** Box blur, k x k, stride 1, SAME: a cheap low-pass filter. */
  private static Operand<TFloat32> blur(Ops s, Operand<TFloat32> x, long k) {
    return s.nn.avgPool(x, List.of(1L, k, k, 1L), List.of(1L, 1L, 1L, 1L), "SAME");
  }

  private static Operand<TFloat32> upsample2(Ops s, Operand<TFloat32> x) {
    return s.image.resizeNearestNeighbor(x, spatialSize(s, x, 2),
        ResizeNearestNeighbor.halfPixelCenters(false));
  }
}
