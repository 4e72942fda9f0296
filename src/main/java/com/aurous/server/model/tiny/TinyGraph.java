package com.aurous.server.model.tiny;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.image.ResizeBicubic;
import org.tensorflow.op.image.ResizeBilinear;
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
 * not depend on what else is in the batch (per-sample statistics are taken over H, W only).
 *
 * <p>Padding: every k x k conv and blur reflect-pads (no zero border), downsampling is an exact
 * 2x2 average and upsampling is bilinear with half-pixel centres, so all four picture edges are
 * treated alike.
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
  // decode) stays inside the ~0.6 s budget: ~1.25x the CPU time of the earlier all-UNet graph
  // (~0.21 s), i.e. ~0.3 s on 2 quiet CPU cores (AVX-512); TinyPictureTest prints it.
  static final int UNET_W1 = 24; // at latent resolution
  static final int UNET_W2 = 48; // at half latent resolution
  static final int TIME_DIM = 32; // sinusoidal timestep embedding width
  static final int DEC_PHASES = 16; // decoder: sin "phase" channels at full resolution
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

  // ---- denoiser: a seed-field prior plus a learned two-level conv UNet (zero-gain at init) ----
  //
  // x0-parameterisation: the net proposes a clean latent x0 and returns the epsilon that makes it
  // exact, eps = (x - sqrt(ab_t) x0) / sqrt(1 - ab_t). The proposal is
  //
  //   x0 = FIELD_GAIN * M(prompt) . F(x) + P(prompt) + o(prompt) + unetGain * tanh(UNet(x, t, prompt))
  //
  // F(x) is a smooth random field taken from the HIGH frequencies of the input: the latent is
  // multiplied by a (-1)^(i+j) checkerboard (which moves Nyquist-band content to DC and DC content
  // to Nyquist), area-averaged onto coarse 4x4 / 8x8 / 16x16 grids and bicubically upsampled back,
  // each scale normalised per sample and channel. The smooth part of x (= the x0 being built)
  // averages out in the checkerboard product, so F only sees the seed's noise, at every timestep:
  // the predictor is self-consistent along the DDIM path and the structure is set by the seed
  // alone (no collapse or drift over the steps, nothing for guidance to amplify).
  // The prompt picks a 4x4 channel mixing M (near identity), a sum of low-frequency plane waves P
  // over normalised image coordinates, and a per-channel offset o (its palette). Guidance
  // extrapolates exactly these prompt terms, since F is the same in both branches.
  // The UNet's output gain is a variable initialised to zero, so training can grow into it.
  private static final int[] FIELD_GRIDS = {4, 8, 16};
  private static final float[] FIELD_WEIGHTS = {1.0f, 0.6f, 0.3f};
  private static final float FIELD_GAIN = 1.0f;
  private static final int WAVES = 4;

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

    // Learned UNet; reflect padding everywhere and an exact 2x2 down / 2x up pair, so no side of
    // the picture is treated differently from another.
    Operand<TFloat32> x = denoiseLatents;
    Operand<TFloat32> h = silu(s, s.math.add(conv(s, "in", x, 3, LATENT_CHANNELS, UNET_W1), bias1));
    Operand<TFloat32> skip = silu(s, conv(s, "res1", h, 3, UNET_W1, UNET_W1));
    Operand<TFloat32> pooledSkip = s.nn.avgPool(skip, List.of(1L, 2L, 2L, 1L),
        List.of(1L, 2L, 2L, 1L), "VALID");
    Operand<TFloat32> d = silu(s, s.math.add(conv(s, "down", pooledSkip, 3, UNET_W1, UNET_W2), bias2));
    d = silu(s, conv(s, "mid", d, 3, UNET_W2, UNET_W2));
    Operand<TFloat32> up = s.image.resizeBilinear(d, spatialSize(s, x, 1),
        ResizeBilinear.halfPixelCenters(true));
    Operand<TFloat32> u = s.concat(List.of(up, skip), s.constant(3));
    u = silu(s, s.math.add(conv(s, "up", u, 3, UNET_W1 + UNET_W2, UNET_W1), bias1));
    Operand<TFloat32> unet = s.math.tanh(conv(s, "out", u, 3, UNET_W1, LATENT_CHANNELS));
    Operand<TFloat32> unetGain = s.withName("unet_gain").variable(s.constant(0f));

    // Prompt terms, from the pooled context only (what guidance extrapolates).
    Operand<TFloat32> mixDelta = s.reshape(scaled(s, dense(s, "mix", pooled, CONTEXT_DIM,
        LATENT_CHANNELS * LATENT_CHANNELS), 0.25f),
        s.constant(new int[] {-1, LATENT_CHANNELS, LATENT_CHANNELS}));
    Operand<TFloat32> mix = s.math.add(mixDelta, s.constant(identity(LATENT_CHANNELS)));
    Operand<TFloat32> palette = asChannelBias(s, scaled(s,
        dense(s, "palette", pooled, CONTEXT_DIM, LATENT_CHANNELS), 0.3f));
    Operand<TFloat32> waves = planeWaves(s, x, pooled);

    Operand<TFloat32> field = seedField(s, x);
    Operand<TFloat32> mixed = s.linalg.einsum(List.of(field, mix), "bhwj,bij->bhwi");
    Operand<TFloat32> x0 = s.math.add(s.math.add(scaled(s, mixed, FIELD_GAIN), waves), palette);
    x0 = s.math.add(x0, s.math.mul(unet, unetGain));

    Operand<TFloat32> ab = asChannelBias(s, s.expandDims(alphaBar(s, timesteps), s.constant(1)));
    Operand<TFloat32> num = s.math.sub(x, s.math.mul(s.math.sqrt(ab), x0));
    noisePred = s.withName("noise_pred").math.div(num,
        s.math.sqrt(s.math.sub(s.constant(1f), ab)));
  }

  /** The seed's smooth random field (see above): [B,H,W,C] -> [B,H,W,C], unit variance. */
  private static Operand<TFloat32> seedField(Ops s, Operand<TFloat32> x) {
    Operand<TFloat32> demod = s.math.mul(x, checkerboard(s, x));
    Operand<TInt32> hw = spatialSize(s, x, 1);
    Operand<TFloat32> sum = null;
    for (int i = 0; i < FIELD_GRIDS.length; i++) {
      int g = FIELD_GRIDS[i];
      Operand<TFloat32> coarse = s.image.resizeArea(demod, s.constant(new int[] {g, g}));
      Operand<TFloat32> smooth = s.image.resizeBicubic(coarse, hw,
          ResizeBicubic.halfPixelCenters(true));
      Operand<TFloat32> term = scaled(s, normalize(s, smooth), FIELD_WEIGHTS[i]);
      sum = sum == null ? term : s.math.add(sum, term);
    }
    return normalize(s, sum);
  }

  /** (-1)^(i+j) over the spatial grid of x, as [1,H,W,1]. */
  private static Operand<TFloat32> checkerboard(Ops s, Operand<TFloat32> x) {
    Operand<TInt32> hw = spatialSize(s, x, 1);
    Operand<TInt32> h = s.gather(hw, s.constant(0), s.constant(0));
    Operand<TInt32> w = s.gather(hw, s.constant(1), s.constant(0));
    Operand<TInt32> ri = s.expandDims(s.range(s.constant(0), h, s.constant(1)), s.constant(1));
    Operand<TInt32> rj = s.expandDims(s.range(s.constant(0), w, s.constant(1)), s.constant(0));
    Operand<TInt32> parity = s.math.floorMod(s.math.add(ri, rj), s.constant(2)); // [H,W]
    Operand<TFloat32> sign = s.math.sub(s.constant(1f),
        s.math.mul(s.dtypes.cast(parity, TFloat32.class), s.constant(2f)));
    return s.expandDims(s.expandDims(sign, s.constant(0)), s.constant(3));
  }

  /**
   * Prompt-chosen low-frequency plane waves over normalised coordinates in [-1, 1] (so the same
   * pattern at every resolution): sum_k a_k sin(fy_k y + fx_k x + phi_k), [B,H,W,C].
   */
  private Operand<TFloat32> planeWaves(Ops s, Operand<TFloat32> x, Operand<TFloat32> pooled) {
    Ops l = s.withSubScope("waves");
    Operand<TFloat32> freq = scaled(l, dense(l, "freq", pooled, CONTEXT_DIM, 2 * WAVES), 1.2f);
    Operand<TFloat32> phase = scaled(l, dense(l, "phase", pooled, CONTEXT_DIM, WAVES), 1.5f);
    Operand<TFloat32> amp = l.reshape(scaled(l, dense(l, "amp", pooled, CONTEXT_DIM,
        WAVES * LATENT_CHANNELS), 0.12f), l.constant(new int[] {-1, WAVES, LATENT_CHANNELS}));
    Operand<TFloat32> fy = asChannelBias(l, l.stridedSlice(freq, l.constant(new int[] {0, 0}),
        l.constant(new int[] {0, WAVES}), l.constant(new int[] {1, 1}),
        org.tensorflow.op.core.StridedSlice.beginMask(1L),
        org.tensorflow.op.core.StridedSlice.endMask(1L)));
    Operand<TFloat32> fx = asChannelBias(l, l.stridedSlice(freq, l.constant(new int[] {0, WAVES}),
        l.constant(new int[] {0, 2 * WAVES}), l.constant(new int[] {1, 1}),
        org.tensorflow.op.core.StridedSlice.beginMask(1L),
        org.tensorflow.op.core.StridedSlice.endMask(1L)));
    Operand<TInt32> hw = spatialSize(l, x, 1);
    Operand<TFloat32> ys = l.reshape(coordinates(l, l.gather(hw, l.constant(0), l.constant(0))),
        l.constant(new int[] {1, -1, 1, 1}));
    Operand<TFloat32> xs = l.reshape(coordinates(l, l.gather(hw, l.constant(1), l.constant(0))),
        l.constant(new int[] {1, 1, -1, 1}));
    Operand<TFloat32> arg = l.math.add(l.math.add(l.math.mul(ys, fy), l.math.mul(xs, fx)),
        asChannelBias(l, phase)); // [B,H,W,K]
    return l.linalg.einsum(List.of(l.math.sin(arg), amp), "bhwk,bkc->bhwc");
  }

  /** (i + 0.5) / n * 2 - 1 for i in [0, n): pixel centres in [-1, 1]. */
  private static Operand<TFloat32> coordinates(Ops s, Operand<TInt32> n) {
    Operand<TFloat32> nf = s.dtypes.cast(n, TFloat32.class);
    Operand<TFloat32> i = s.dtypes.cast(s.range(s.constant(0), n, s.constant(1)), TFloat32.class);
    return s.math.sub(s.math.div(s.math.mul(s.math.add(i, s.constant(0.5f)), s.constant(2f)), nf),
        s.constant(1f));
  }

  /** Per sample and channel: zero mean, unit variance over H and W. */
  private static Operand<TFloat32> normalize(Ops s, Operand<TFloat32> x) {
    Operand<TFloat32> mean = s.math.mean(x, s.constant(new int[] {1, 2}),
        org.tensorflow.op.math.Mean.keepDims(true));
    Operand<TFloat32> c = s.math.sub(x, mean);
    Operand<TFloat32> var = s.math.mean(s.math.square(c), s.constant(new int[] {1, 2}),
        org.tensorflow.op.math.Mean.keepDims(true));
    return s.math.mul(c, s.math.rsqrt(s.math.add(var, s.constant(1e-12f))));
  }

  private static Operand<TFloat32> scaled(Ops s, Operand<TFloat32> x, float k) {
    return s.math.mul(x, s.constant(k));
  }

  private static float[][] identity(int n) {
    float[][] m = new float[n][n];
    for (int i = 0; i < n; i++) {
      m[i][i] = 1f;
    }
    return m;
  }

  // ---- decoder: per-sample normalisation, a 3x3 conv to 16 "phase" channels at latent
  // resolution, bilinear x8 upsampling, sin (colour bands), 1x1 conv to RGB ----
  private void buildDecoder() {
    Ops s = tf.withSubScope("decode");
    decodeLatents = s.withName("latents").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(-1, -1, -1, LATENT_CHANNELS)));
    // A light 3x3 blur takes the white noise that guidance rescale leaves in the last step's
    // latents; then per sample: centre each channel and divide by the sample's spread, keeping
    // the channel means only as a bounded tint, so guidance can never saturate the picture.
    Operand<TFloat32> z = blur(s, decodeLatents, 3);
    Operand<TFloat32> mean = s.math.mean(z, s.constant(new int[] {1, 2}),
        org.tensorflow.op.math.Mean.keepDims(true));
    Operand<TFloat32> c = s.math.sub(z, mean);
    Operand<TFloat32> var = s.math.mean(s.math.square(c), s.constant(new int[] {1, 2, 3}),
        org.tensorflow.op.math.Mean.keepDims(true));
    Operand<TFloat32> inv = s.math.rsqrt(s.math.add(var, s.constant(1e-6f)));
    Operand<TFloat32> zn = s.math.add(s.math.mul(c, inv),
        s.math.mul(s.math.tanh(s.math.mul(mean, inv)), s.constant(0.8f)));
    // Linear at latent resolution, then upsampled: same result as upsampling first, 8^2x cheaper.
    Operand<TFloat32> phases = conv(s, "in", zn, 3, LATENT_CHANNELS, DEC_PHASES, 0.25f, 1.0f);
    Operand<TFloat32> hi = s.image.resizeBilinear(phases, spatialSize(s, zn, LATENT_DOWNSCALE),
        ResizeBilinear.halfPixelCenters(true));
    Operand<TFloat32> bands = s.math.sin(hi);
    Operand<TFloat32> rgb = s.math.tanh(conv(s, "out", bands, 1, DEC_PHASES, 3,
        (float) Math.sqrt(1.0 / DEC_PHASES), 0.1f));
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
    Operand<TFloat32> h = silu(s, conv(s, "in", pooled, 3, 3, ENC_W));
    encodedLatents = s.withName("latents").identity(conv(s, "out", h, 1, ENC_W, LATENT_CHANNELS));
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

  private Operand<TFloat32> conv(Ops s, String name, Operand<TFloat32> x, int k, int in, int out) {
    return conv(s, name, x, k, in, out, (float) Math.sqrt(2.0 / (k * k * in)), 0.1f);
  }

  /** k x k conv, stride 1, with reflect padding (no zero border for the picture to show). */
  private Operand<TFloat32> conv(Ops s, String name, Operand<TFloat32> x, int k, int in, int out,
      float std, float biasStd) {
    Ops l = s.withSubScope(name);
    var w = weight(l, "w", std, k, k, in, out);
    var y = l.nn.conv2d(reflectPad(l, x, k / 2), w, List.of(1L, 1L, 1L, 1L), "VALID");
    return l.nn.biasAdd(y, weight(l, "b", biasStd, out));
  }

  /** Mirror-pads H and W by p on every side (REFLECT: the edge pixel is not repeated). */
  private static Operand<TFloat32> reflectPad(Ops s, Operand<TFloat32> x, int p) {
    if (p == 0) {
      return x;
    }
    return s.mirrorPad(x, s.constant(new int[][] {{0, 0}, {p, p}, {p, p}, {0, 0}}), "REFLECT");
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

  /** Box blur, k x k (odd), stride 1, reflect-padded: a cheap low-pass filter. */
  private static Operand<TFloat32> blur(Ops s, Operand<TFloat32> x, long k) {
    return s.nn.avgPool(reflectPad(s, x, (int) (k / 2)), List.of(1L, k, k, 1L),
        List.of(1L, 1L, 1L, 1L), "VALID");
  }
}
