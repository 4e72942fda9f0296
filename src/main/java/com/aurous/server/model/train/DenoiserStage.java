package com.aurous.server.model.train;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import com.aurous.server.model.tiny.Params;
import com.aurous.server.model.tiny.TinyNet;
import com.aurous.server.model.tiny.WeightFile;

/**
 * Stage 2: the prompt encoder and the UNet, epsilon objective on the manifest's noise schedule.
 * Scenes are rendered at a quarter of their 1024-scale size and encoded by the frozen stage-1
 * encoder inside the graph (constants, so Adam sees only the new variables). Each step uses one
 * canonical latent shape (long side {@code cfg.canonical()}), cycling through the aspect ratios of
 * the API's sizes, so the denoiser lays a scene out for the canvas it is given. A share
 * {@code promptDropout} of the samples gets the empty prompt, which is what classifier-free
 * guidance uses as its unconditional branch.
 */
final class DenoiserStage extends Stage<DenoiserStage.Batch> {

  /** Aspect ratios (width : height) the denoiser trains on, as in the API's presets. */
  static final int[][] ASPECTS = {{1, 1}, {16, 9}, {9, 16}, {3, 2}, {2, 3}, {21, 9}, {4, 3},
      {3, 4}, {1, 1}, {9, 21}};
  /** The quarter-scale render is box-averaged 2x2 in the graph, giving the encoder's 1/8 input. */
  static final int RENDER_DIV = TinyNet.ENCODER_POOL / 2;

  private final TrainingScenes scenes;
  private final WeightFile autoencoder;
  private final PromptTokenizer tokenizer;
  private final Params params;
  private Placeholder<TFloat32> images;
  private Placeholder<TInt32> ids;
  private Placeholder<TFloat32> timesteps;
  private Placeholder<TFloat32> noise;

  /**
   * @param init weights to continue from (its prompt encoder and UNet start as those values; the
   *     autoencoder is always {@code autoencoder}), or null for seeded fresh values
   */
  DenoiserStage(TrainConfig cfg, TrainingScenes scenes, WeightFile autoencoder, WeightFile init,
      PrintStream log) {
    super("denoiser", cfg, log);
    this.scenes = scenes;
    this.autoencoder = autoencoder;
    this.tokenizer = new PromptTokenizer(TinyNet.VOCAB_SIZE, TinyNet.CONTEXT_LENGTH);
    List<String> frozen = AutoencoderStage.prefixes();
    Map<String, WeightFile.Tensor> start = new LinkedHashMap<>();
    if (init != null) {
      init.tensors().forEach((k, v) -> {
        if (frozen.stream().noneMatch(k::startsWith)) {
          start.put(k, v);
        }
      });
    }
    start.putAll(autoencoder.tensors());
    start.put(TinyNet.ZERO_SNR_FLAG, ZERO_SNR);
    this.params = new Params(cfg.seed() + 1, start, n -> frozen.stream().anyMatch(n::startsWith));
  }

  @Override
  Params params() {
    return params;
  }

  @Override
  int totalSteps() {
    return cfg.steps();
  }

  @Override
  float learningRate() {
    return cfg.learningRate();
  }

  // ---- exponential moving average of the weights: what gets exported ----

  /** Steps between average updates, and the average's decay per update (~1000-step horizon). */
  static final int EMA_EVERY = 10;
  static final double EMA_DECAY = 0.99;

  private Map<String, float[]> ema;
  private int emaUpdates;

  @Override
  void afterStep(int step, Params p, Session session) {
    if (step % EMA_EVERY != 0) {
      return;
    }
    Map<String, float[]> now = p.variableValues(session);
    if (ema == null) {
      ema = now;
    } else {
      // Warm-up: early on the average follows the weights closely.
      float d = (float) Math.min(EMA_DECAY, (1.0 + emaUpdates) / (10.0 + emaUpdates));
      for (Map.Entry<String, float[]> e : now.entrySet()) {
        float[] a = ema.get(e.getKey());
        float[] v = e.getValue();
        for (int i = 0; i < a.length; i++) {
          a[i] = d * a[i] + (1 - d) * v[i];
        }
      }
    }
    emaUpdates++;
  }

  private java.nio.file.Path emaFile() {
    return dir.resolve("ema.weights");
  }

  @Override
  void saveExtra() throws java.io.IOException {
    if (ema == null) {
      return;
    }
    Map<String, WeightFile.Tensor> m = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : ema.entrySet()) {
      m.put(e.getKey(), new WeightFile.Tensor(params.dims(e.getKey()), e.getValue()));
    }
    m.put("ema/updates", new WeightFile.Tensor(new int[0], new float[] {emaUpdates}));
    new WeightFile(m).write(emaFile());
  }

  @Override
  void restoreExtra() throws java.io.IOException {
    if (!java.nio.file.Files.isRegularFile(emaFile())) {
      return;
    }
    ema = new LinkedHashMap<>();
    for (Map.Entry<String, WeightFile.Tensor> e : WeightFile.read(emaFile()).tensors().entrySet()) {
      if (e.getKey().equals("ema/updates")) {
        emaUpdates = (int) e.getValue().values()[0];
      } else {
        ema.put(e.getKey(), e.getValue().values().clone());
      }
    }
  }

  @Override
  Operand<TFloat32> build(Ops tf, Params p) {
    TinyNet net = new TinyNet(tf, p);
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
    return tf.math.mean(tf.math.squaredDifference(pred, target), tf.constant(new int[] {0, 1, 2, 3}));
  }

  /**
   * Stage 2 always trains on the zero-terminal-SNR schedule: on SD's own schedule the noisiest
   * input still shows 7% of the scene, so the UNet learned to find objects in the noise (a scene
   * of one disc came out as six blobs wherever the start noise looked like one) instead of
   * placing what the prompt asks for. The marker goes into every weight file it writes.
   */
  static final WeightFile.Tensor ZERO_SNR = new WeightFile.Tensor(new int[0], new float[] {1f});

  @Override
  WeightFile weights(Params p, Session session) {
    Map<String, WeightFile.Tensor> m = new LinkedHashMap<>(autoencoder.tensors());
    m.put(TinyNet.ZERO_SNR_FLAG, ZERO_SNR);
    m.putAll(p.snapshot(session).tensors());
    if (ema != null) {
      for (Map.Entry<String, float[]> e : ema.entrySet()) {
        m.put(e.getKey(), new WeightFile.Tensor(p.dims(e.getKey()), e.getValue().clone()));
      }
    }
    return new WeightFile(m);
  }

  /** Latent [h, w] for step {@code index}: long side canonical, short side by the aspect. */
  static int[] latentSize(long index, int canonical) {
    int[] a = ASPECTS[(int) (index % ASPECTS.length)];
    int w = a[0] >= a[1] ? canonical : Math.max(1, Math.round((float) canonical * a[0] / a[1]));
    int h = a[1] >= a[0] ? canonical : Math.max(1, Math.round((float) canonical * a[1] / a[0]));
    return new int[] {h, w};
  }

  final class Batch implements Stage.Feed {
    final TFloat32 img;
    final TInt32 tok;
    final TFloat32 ts;
    final TFloat32 nz;

    Batch(float[] px, int[] tokens, float[] t, float[] n, int b, int h, int w) {
      int scale = TinyNet.LATENT_DOWNSCALE / RENDER_DIV;
      img = floats(px, b, (long) h * scale, (long) w * scale, 3);
      tok = TInt32.tensorOf(Shape.of(b, TinyNet.CONTEXT_LENGTH), DataBuffers.of(tokens, true, false));
      ts = floats(t, b);
      nz = floats(n, b, h, w, TinyNet.LATENT_CHANNELS);
    }

    @Override
    public void feed(Session.Runner r) {
      r.feed(images, img).feed(ids, tok).feed(timesteps, ts).feed(noise, nz);
    }

    @Override
    public void close() {
      closeAll(img, tok, ts, nz);
    }
  }

  @Override
  Batch batch(long index) {
    int b = cfg.batch();
    int[] hw = latentSize(index, cfg.canonical());
    int h = hw[0];
    int w = hw[1];
    int scale = TinyNet.LATENT_DOWNSCALE / RENDER_DIV;
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
      t[i] = r.nextInt(TinyNet.NUM_TRAIN_TIMESTEPS);
    }
    for (int i = 0; i < n.length; i++) {
      n[i] = (float) AutoencoderStage.gaussian(r);
    }
    return new Batch(px, tokens, t, n, b, h, w);
  }
}
