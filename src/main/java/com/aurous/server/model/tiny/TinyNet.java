package com.aurous.server.model.tiny;

import java.util.List;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The aurous-tiny architecture: four sub-networks over one {@link Params} (weights named by scope
 * path, e.g. {@code denoise/l2/res/conv1/w}). The exporter wires them to the four signatures; the
 * trainer wires them to losses. Shapes are dynamic in batch and space everywhere.
 *
 * <ul>
 *   <li><b>Autoencoder</b> (downscale 32): the encoder box-averages the picture 8x8 (1024 px ->
 *       128), folds 4x4 blocks into channels (space-to-depth) and maps them through two 3x3 convs
 *       to {@link #LATENT_CHANNELS} tanh channels; the decoder runs two convs at latent
 *       resolution, two nearest-x2 + conv stages to 1/8 resolution and a sub-pixel output (1x1
 *       conv to 8x8x3 values per cell, depth-to-space) so edges are sharp at full size with no
 *       wide conv at full resolution.
 *   <li><b>Prompt encoder</b>: learned word embeddings over the word-hash tokenizer's ids plus
 *       positions, two pre-norm transformer blocks.
 *   <li><b>Denoiser</b>: a three-level UNet (widths 32/64/96 at 32x32 / 16x16 / 8x8 for a 1024 px
 *       square) with group-norm residual blocks, sinusoidal timestep + pooled-prompt embedding,
 *       cross-attention to the prompt tokens at every level (the full-resolution one on the way up
 *       only) and self-attention at the lowest; each level adds a projection of the canvas coordinates (see {@link
 *       #withPosition}). It is trained at the canonical latent size (long side {@link #CANONICAL}, i.e.
 *       1024 px) in several aspect ratios; the exported {@code denoise} resizes other sizes to the
 *       canonical one and back (see {@link #denoiseAnySize}).
 * </ul>
 */
public final class TinyNet {

  public static final int LATENT_CHANNELS = 8;
  public static final int LATENT_DOWNSCALE = 32;
  /** The encoder works on the picture box-averaged by this factor. */
  public static final int ENCODER_POOL = 8;
  public static final int CONTEXT_LENGTH = 32;
  public static final int CONTEXT_DIM = 64;
  public static final int VOCAB_SIZE = 4096;
  public static final int NUM_TRAIN_TIMESTEPS = 1000;
  public static final double BETA_START = 0.00085;
  public static final double BETA_END = 0.012;
  /** Long side of the latent the denoiser is trained at (1024 px). */
  public static final int CANONICAL = 32;

  static final int[] WIDTHS = {32, 64, 96};
  static final int TIME_DIM = 64;
  static final int EMB_DIM = 128;
  static final int GROUPS = 8;
  static final int TEXT_HEADS = 4;
  static final int UNET_HEAD_DIM = 32;

  /**
   * Marker tensor of a weight file trained on the zero-terminal-SNR schedule (and so sampled with
   * trailing DDIM spacing). Files without it were trained on Stable Diffusion's schedule as is.
   */
  public static final String ZERO_SNR_FLAG = "schedule/zero_snr";

  private final Layers root;
  private final boolean zeroSnr;

  public TinyNet(Ops tf, Params params) {
    this(tf, params, null);
  }

  /** With a LoRA hook on the denoiser's projections ({@link Adapter#TARGETS}); null = none. */
  public TinyNet(Ops tf, Params params, Adapter adapter) {
    params.bind(tf);
    this.root = new Layers(tf, "", params, adapter);
    this.zeroSnr = params.flag(ZERO_SNR_FLAG);
  }

  /** Whether these weights use the zero-terminal-SNR schedule (see {@link #alphaBars(boolean)}). */
  public boolean zeroTerminalSnr() {
    return zeroSnr;
  }

  public Ops tf() {
    return root.tf;
  }

  // ---------------------------------------------------------------- autoencoder

  /**
   * Encoder core: a picture box-averaged by {@link #ENCODER_POOL}, float in [-1, 1],
   * [B, 4h, 4w, 3] -> unit latents in (-1, 1), [B, h, w, C].
   */
  public Operand<TFloat32> encodePooled(Operand<TFloat32> pooled) {
    Layers l = root.sub("encoder");
    Ops tf = l.tf;
    Operand<TFloat32> x = tf.nn.spaceToDepth(pooled, 4L); // [B,h,w,48]
    Operand<TFloat32> h = l.silu(l.conv("c1", x, 3, 48, 64));
    h = l.silu(l.conv("c2", h, 3, 64, 64));
    h = tf.math.add(h, l.silu(l.conv("c3", h, 3, 64, 64)));
    return tf.math.tanh(l.conv("out", h, 1, 64, LATENT_CHANNELS, 1, 1f));
  }

  /** Box-averages a full-size float picture [B, H, W, 3] by {@link #ENCODER_POOL}. */
  public Operand<TFloat32> pool(Operand<TFloat32> image) {
    long k = ENCODER_POOL;
    return root.tf.nn.avgPool(image, List.of(1L, k, k, 1L), List.of(1L, k, k, 1L), "VALID");
  }

  /** Decoder core: unit latents [B, h, w, C] -> picture in [-1, 1], [B, 32h, 32w, 3]. */
  public Operand<TFloat32> decodeUnit(Operand<TFloat32> z) {
    Layers l = root.sub("decoder");
    Ops tf = l.tf;
    Operand<TFloat32> h = l.silu(l.conv("c1", z, 3, LATENT_CHANNELS, 96));
    h = tf.math.add(h, l.silu(l.conv("c2", h, 3, 96, 96)));
    h = tf.math.add(h, l.silu(l.conv("c3", h, 3, 96, 96)));
    h = up2(l, h);
    h = l.silu(l.conv("u1", h, 3, 96, 64)); // 1/16 resolution
    h = tf.math.add(h, l.silu(l.conv("u1b", h, 3, 64, 64)));
    h = up2(l, h);
    h = l.silu(l.conv("u2", h, 3, 64, 48)); // 1/8 resolution
    h = tf.math.add(h, l.silu(l.conv("u3", h, 3, 48, 48)));
    Operand<TFloat32> sub = l.conv("out", h, 1, 48, 3 * 64, 1, 1f);
    return tf.math.tanh(tf.nn.depthToSpace(sub, 8L));
  }

  private static Operand<TFloat32> up2(Layers l, Operand<TFloat32> h) {
    return l.resizeNearest(h, l.tf.math.mul(l.spatialSize(h), l.tf.constant(2)));
  }

  /** The latent scale (1 / std of unit latents over training scenes), a stored weight. */
  public Operand<TFloat32> latentScale() {
    if (latentScale == null) {
      latentScale = root.sub("latent").weight("scale", Params.Init.ONES, 0);
    }
    return latentScale;
  }

  private Operand<TFloat32> latentScale;

  // ---------------------------------------------------------------- prompt encoder

  /** token ids [B, T] -> context [B, T, D]. */
  public Operand<TFloat32> encodePrompt(Operand<TInt32> ids) {
    Layers l = root.sub("text");
    Ops tf = l.tf;
    int d = CONTEXT_DIM;
    var table = l.weight("embedding", Params.Init.NORMAL, 0.5f, VOCAB_SIZE, d);
    var pos = l.weight("position", Params.Init.NORMAL, 0.1f, CONTEXT_LENGTH, d);
    Operand<TFloat32> x = tf.math.add(tf.gather(table, ids, tf.constant(0)), pos);
    for (int i = 0; i < 2; i++) {
      Layers b = l.sub("block" + i);
      Operand<TFloat32> n = b.layerNorm("ln1", x, d);
      x = tf.math.add(x, b.attention("attn", n, n, d, d, TEXT_HEADS));
      Operand<TFloat32> n2 = b.layerNorm("ln2", x, d);
      Operand<TFloat32> m = b.silu(b.denseLast("fc1", n2, d, 2 * d, (float) Math.sqrt(2.0)));
      x = tf.math.add(x, b.denseLast("fc2", m, 2 * d, d, 0f));
    }
    return l.layerNorm("ln_out", x, d);
  }

  // ---------------------------------------------------------------- denoiser

  /**
   * UNet velocity prediction {@code v = sqrt(ab) eps - sqrt(1-ab) x0} at the size it is given:
   * [B,h,w,C], t [B], context [B,T,D]. Velocity, not epsilon, is what the network outputs because
   * at the high timesteps where the prompt decides the layout epsilon is almost the input itself
   * and the prompt's part is a tiny residual; the exported signature still returns epsilon.
   */
  public Operand<TFloat32> unet(Operand<TFloat32> x, Operand<TFloat32> t, Operand<TFloat32> ctx) {
    Layers l = root.sub("unet");
    Ops tf = l.tf;
    int[] w = WIDTHS;
    Operand<TFloat32> pooled = tf.math.mean(ctx, tf.constant(1)); // [B,D]
    Operand<TFloat32> temb = l.dense("t1", sinusoidal(tf, t), TIME_DIM, EMB_DIM, (float) Math.sqrt(2.0));
    temb = tf.math.add(l.silu(temb), l.dense("p1", pooled, CONTEXT_DIM, EMB_DIM, 1f));
    temb = l.silu(l.dense("t2", temb, EMB_DIM, EMB_DIM, (float) Math.sqrt(2.0)));

    Operand<TFloat32> h = l.conv("in", x, 3, LATENT_CHANNELS, w[0]);
    h = withPosition(l.sub("pos1"), h, w[0]);
    Operand<TFloat32> s1 = res(l.sub("d1"), h, temb, w[0], w[0]);
    h = l.conv("down1", s1, 3, w[0], w[1], 2, 1f);
    h = res(l.sub("d2"), h, temb, w[1], w[1]);
    h = withPosition(l.sub("pos2"), h, w[1]);
    Operand<TFloat32> s2 = cross(l.sub("d2x"), h, ctx, w[1]);
    h = l.conv("down2", s2, 3, w[1], w[2], 2, 1f);
    h = res(l.sub("m1"), h, temb, w[2], w[2]);
    h = withPosition(l.sub("pos3"), h, w[2]);
    h = cross(l.sub("m1x"), h, ctx, w[2]);
    h = self(l.sub("m1s"), h, w[2]);
    h = res(l.sub("m2"), h, temb, w[2], w[2]);
    h = l.resizeNearest(h, l.spatialSize(s2));
    h = res(l.sub("u2"), tf.concat(List.of(h, s2), tf.constant(3)), temb, w[2] + w[1], w[1]);
    h = cross(l.sub("u2x"), h, ctx, w[1]);
    h = l.resizeNearest(h, l.spatialSize(s1));
    h = res(l.sub("u1"), tf.concat(List.of(h, s1), tf.constant(3)), temb, w[1] + w[0], w[0]);
    // Full-latent-resolution refinement: the prompt's shape words reach the cells that draw the
    // edges, and a second block sharpens them. Both start as identities (zero output
    // projections), so weight files without them compute what they did.
    h = cross(l.sub("u1x"), h, ctx, w[0]);
    h = res(l.sub("u1b"), h, temb, w[0], w[0]);
    h = l.silu(l.groupNorm("norm_out", h, w[0], GROUPS));
    return l.conv("out", h, 3, w[0], LATENT_CHANNELS, 1, 0f);
  }

  /** Frequencies (times pi) of the canvas-coordinate features {@link #withPosition} adds. */
  private static final float[] POSITION_FREQUENCIES = {1f, 2f, 4f};
  static final int POSITION_FEATURES = 2 * (1 + 2 * POSITION_FREQUENCIES.length);

  /**
   * Adds a learned projection of the canvas coordinates to every cell. The convolutions pad
   * symmetrically and attention has no position embedding, so without this the UNet cannot tell
   * the left of the canvas from the right and the prompt's "at the left" has nothing to bind to:
   * objects landed wherever the noise suggested. Coordinates are canvas-relative ([-1, 1] on each
   * axis, like the scenes' anchors), so they mean the same at every aspect ratio. The projection
   * starts at zero, so weights trained without it compute exactly what they did.
   */
  private static Operand<TFloat32> withPosition(Layers l, Operand<TFloat32> h, int ch) {
    Ops tf = l.tf;
    Operand<TFloat32> feats = positionFeatures(tf, l.dim(h, 1), l.dim(h, 2)); // [1,H,W,F]
    var wt = l.weight("w", Params.Init.ZEROS, 0, POSITION_FEATURES, ch);
    Operand<TFloat32> flat = tf.reshape(feats, tf.constant(new int[] {-1, POSITION_FEATURES}));
    Operand<TFloat32> proj = tf.reshape(tf.linalg.matMul(flat, wt),
        tf.concat(List.of(tf.constant(new int[] {1}), l.spatialSize(h), tf.constant(new int[] {ch})),
            tf.constant(0)));
    return tf.math.add(h, proj);
  }

  /** Cell-centre coordinates in [-1, 1] and their sin/cos at a few frequencies: [1, H, W, F]. */
  static Operand<TFloat32> positionFeatures(Ops tf, Operand<TInt32> height, Operand<TInt32> width) {
    Operand<TFloat32> ys = axisCoordinates(tf, height);
    Operand<TFloat32> xs = axisCoordinates(tf, width);
    Operand<TFloat32> yy = tf.math.add(tf.expandDims(ys, tf.constant(1)),
        tf.math.mul(tf.expandDims(xs, tf.constant(0)), tf.constant(0f))); // [H,W]
    Operand<TFloat32> xx = tf.math.add(tf.expandDims(xs, tf.constant(0)),
        tf.math.mul(tf.expandDims(ys, tf.constant(1)), tf.constant(0f))); // [H,W]
    List<Operand<TFloat32>> parts = new java.util.ArrayList<>();
    for (Operand<TFloat32> u : List.of(xx, yy)) {
      parts.add(u);
      for (float f : POSITION_FREQUENCIES) {
        Operand<TFloat32> a = tf.math.mul(u, tf.constant((float) (Math.PI * f)));
        parts.add(tf.math.sin(a));
        parts.add(tf.math.cos(a));
      }
    }
    return tf.expandDims(tf.stack(parts, org.tensorflow.op.core.Stack.axis(2L)), tf.constant(0));
  }

  private static Operand<TFloat32> axisCoordinates(Ops tf, Operand<TInt32> n) {
    Operand<TFloat32> nf = tf.dtypes.cast(n, TFloat32.class);
    Operand<TFloat32> i = tf.dtypes.cast(tf.range(tf.constant(0), n, tf.constant(1)), TFloat32.class);
    return tf.math.sub(tf.math.div(tf.math.mul(tf.math.add(i, tf.constant(0.5f)), tf.constant(2f)), nf),
        tf.constant(1f));
  }

  private static Operand<TFloat32> res(Layers l, Operand<TFloat32> x, Operand<TFloat32> temb,
      int in, int out) {
    Ops tf = l.tf;
    Operand<TFloat32> h = l.conv("conv1", l.silu(l.groupNorm("n1", x, in, GROUPS)), 3, in, out);
    Operand<TFloat32> e = l.dense("emb", temb, EMB_DIM, out, 1f);
    h = tf.math.add(h, tf.expandDims(tf.expandDims(e, tf.constant(1)), tf.constant(1)));
    h = l.conv("conv2", l.silu(l.groupNorm("n2", h, out, GROUPS)), 3, out, out, 1, 0f);
    Operand<TFloat32> skip = in == out ? x : l.conv("skip", x, 1, in, out, 1, 1f);
    return tf.math.add(skip, h);
  }

  private static Operand<TFloat32> cross(Layers l, Operand<TFloat32> x, Operand<TFloat32> ctx,
      int ch) {
    Operand<TFloat32> n = l.tokens(l.groupNorm("n", x, ch, GROUPS), ch);
    Operand<TFloat32> a = l.attention("attn", n, ctx, ch, CONTEXT_DIM, ch / UNET_HEAD_DIM);
    return l.tf.math.add(x, l.tf.reshape(a, l.tf.shape(x)));
  }

  private static Operand<TFloat32> self(Layers l, Operand<TFloat32> x, int ch) {
    Operand<TFloat32> n = l.tokens(l.groupNorm("n", x, ch, GROUPS), ch);
    Operand<TFloat32> a = l.attention("attn", n, n, ch, ch, ch / UNET_HEAD_DIM);
    return l.tf.math.add(x, l.tf.reshape(a, l.tf.shape(x)));
  }

  /**
   * The exported denoiser at any latent size. The latent is nearest-resized to the canonical
   * size (long side {@link #CANONICAL}; nearest keeps the noise i.i.d. with unit variance, which
   * averaging would not), the UNet predicts the velocity there, its clean estimate
   * {@code x0 = sqrt(ab) x - sqrt(1-ab) v} is clipped to the latent range and
   * bilinear-resized back to the full size, and the epsilon returned is the one that makes that
   * x0 exact at the full size. At the canonical size both resizes are identities. So a 2048 px
   * or 21:9 picture shows one scene laid out like its 1024 px counterpart, not a tiling.
   */
  public Operand<TFloat32> denoiseAnySize(Operand<TFloat32> x, Operand<TFloat32> t,
      Operand<TFloat32> ctx) {
    Layers l = root.sub("resample");
    Ops tf = l.tf;
    Operand<TInt32> hw = l.spatialSize(x);
    Operand<TFloat32> hwf = tf.dtypes.cast(hw, TFloat32.class);
    Operand<TFloat32> longSide = tf.max(hwf, tf.constant(0));
    Operand<TFloat32> canon = tf.math.floor(tf.math.add(
        tf.math.div(tf.math.mul(hwf, tf.constant((float) CANONICAL)), longSide), tf.constant(0.5f)));
    Operand<TInt32> size = tf.dtypes.cast(tf.math.maximum(canon, tf.constant(1f)), TInt32.class);
    Operand<TFloat32> xc = l.resizeNearest(x, size);
    Operand<TFloat32> v = unet(xc, t, ctx);
    Operand<TFloat32> ab = tf.expandDims(tf.expandDims(tf.expandDims(alphaBar(t),
        tf.constant(1)), tf.constant(1)), tf.constant(1)); // [B,1,1,1]
    Operand<TFloat32> sa = tf.math.sqrt(ab);
    Operand<TFloat32> s1 = tf.math.sqrt(tf.math.sub(tf.constant(1f), ab));
    Operand<TFloat32> x0 = tf.math.sub(tf.math.mul(sa, xc), tf.math.mul(s1, v));
    Operand<TFloat32> range = latentScale();
    x0 = tf.math.minimum(tf.math.maximum(x0, tf.math.neg(range)), range);
    Operand<TFloat32> x0full = l.resizeBilinear(x0, hw);
    return tf.math.div(tf.math.sub(x, tf.math.mul(sa, x0full)), s1);
  }

  /** Transformer-style sin/cos embedding of the per-sample timestep: [B] -> [B, TIME_DIM]. */
  static Operand<TFloat32> sinusoidal(Ops tf, Operand<TFloat32> t) {
    int half = TIME_DIM / 2;
    float[] freqs = new float[half];
    for (int i = 0; i < half; i++) {
      freqs[i] = (float) Math.exp(-Math.log(10000.0) * i / half);
    }
    Operand<TFloat32> args = tf.math.mul(tf.expandDims(t, tf.constant(1)),
        tf.constant(new float[][] {freqs}));
    return tf.concat(List.of(tf.math.sin(args), tf.math.cos(args)), tf.constant(1));
  }

  /**
   * alpha-bar of the manifest's schedule, in double precision, for every timestep. With
   * {@code zeroSnr} sqrt(alpha-bar) is shifted and scaled so the last timestep holds no picture
   * (Lin et al. 2023; the engine's NoiseSchedule does the same from the manifest's
   * {@code rescale_betas_zero_snr}, down to its 2^-24 floor).
   */
  public static double[] alphaBars(boolean zeroSnr) {
    double[] table = new double[NUM_TRAIN_TIMESTEPS];
    double sqrtStart = Math.sqrt(BETA_START);
    double sqrtEnd = Math.sqrt(BETA_END);
    double prod = 1;
    for (int i = 0; i < table.length; i++) {
      double sb = sqrtStart + (sqrtEnd - sqrtStart) * i / (table.length - 1);
      prod *= 1 - sb * sb;
      table[i] = prod;
    }
    if (zeroSnr) {
      double first = Math.sqrt(table[0]);
      double end = Math.sqrt(table[table.length - 1]);
      for (int i = 0; i < table.length; i++) {
        double s = (Math.sqrt(table[i]) - end) * first / (first - end);
        table[i] = Math.max(s * s, 0x1p-24);
      }
    }
    return table;
  }

  /** alpha-bar at each sample's timestep, clamped to [0, 999] and rounded down: [B] -> [B]. */
  public Operand<TFloat32> alphaBar(Operand<TFloat32> t) {
    Ops tf = root.tf;
    double[] d = alphaBars(zeroSnr);
    float[] table = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      table[i] = (float) d[i];
    }
    Operand<TFloat32> clamped = tf.clipByValue(t, tf.constant(0f),
        tf.constant((float) (NUM_TRAIN_TIMESTEPS - 1)));
    Operand<TInt32> idx = tf.dtypes.cast(tf.math.floor(clamped), TInt32.class);
    return tf.gather(tf.constant(table), idx, tf.constant(0));
  }

  static Operand<TFloat32> meanAll(Ops tf, Operand<TFloat32> x) {
    return tf.math.mean(tf.reshape(x, tf.constant(new int[] {-1})), tf.constant(0), Mean.keepDims(false));
  }
}
