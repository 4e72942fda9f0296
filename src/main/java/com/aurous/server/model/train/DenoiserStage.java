package com.aurous.server.model.train;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

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
final class DenoiserStage extends Stage<VelocityObjective.Batch> {

  /** Aspect ratios (width : height) the denoiser trains on, as in the API's presets. */
  static final int[][] ASPECTS = {{1, 1}, {16, 9}, {9, 16}, {3, 2}, {2, 3}, {21, 9}, {4, 3},
      {3, 4}, {1, 1}, {9, 21}};
  /** The quarter-scale render is box-averaged 2x2 in the graph, giving the encoder's 1/8 input. */
  static final int RENDER_DIV = TinyNet.ENCODER_POOL / 2;

  private final WeightFile autoencoder;
  private final Params params;
  private final VelocityObjective objective;

  /**
   * @param init weights to continue from (its prompt encoder and UNet start as those values; the
   *     autoencoder is always {@code autoencoder}), or null for seeded fresh values
   */
  DenoiserStage(TrainConfig cfg, TrainingScenes scenes, WeightFile autoencoder, WeightFile init,
      PrintStream log) {
    super("denoiser", cfg, log);
    this.autoencoder = autoencoder;
    this.objective = new VelocityObjective(cfg, scenes);
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
        // A weight the restored average lacks (the network grew since) starts at its value.
        float[] a = ema.computeIfAbsent(e.getKey(), k -> e.getValue().clone());
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
    return objective.loss(tf, new TinyNet(tf, p));
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

  @Override
  VelocityObjective.Batch batch(long index) {
    return objective.batch(index);
  }
}
