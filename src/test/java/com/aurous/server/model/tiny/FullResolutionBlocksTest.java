package com.aurous.server.model.tiny;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The UNet grew a cross-attention ({@code unet/u1x}) and a residual block ({@code unet/u1b}) at
 * full latent resolution after weights had been trained without them. Their output projections
 * start at zero, so a file without them (the earlier built-in weights, a user's export) denoises
 * exactly as it did, whatever the blocks' other weights are.
 */
class FullResolutionBlocksTest {

  private static final long SEED = 11;

  @Test
  void aWeightFileWithoutTheFullResolutionBlocksDenoisesAsBefore() {
    Map<String, WeightFile.Tensor> trained = randomWeights();
    Map<String, WeightFile.Tensor> without = new LinkedHashMap<>(trained);
    without.keySet().removeIf(FullResolutionBlocksTest::isNewBlock);
    Map<String, WeightFile.Tensor> scrambled = replaceNewBlocks(trained, name ->
        name.contains("/attn/o/") || name.contains("/conv2/") ? null : noise(trained.get(name), 1f));

    float[] reference = velocity(without);
    assertArrayEquals(reference, velocity(trained), 0f);
    assertArrayEquals(reference, velocity(scrambled), 0f);
  }

  @Test
  void onceTrainedTheFullResolutionBlocksChangeTheOutput() {
    Map<String, WeightFile.Tensor> trained = randomWeights();
    Map<String, WeightFile.Tensor> learned = replaceNewBlocks(trained, name ->
        name.equals("unet/u1b/conv2/w") ? noise(trained.get(name), 0.1f) : null);
    float[] before = velocity(trained);
    float[] after = velocity(learned);
    double diff = 0;
    for (int i = 0; i < before.length; i++) {
      diff = Math.max(diff, Math.abs(before[i] - after[i]));
    }
    assertTrue(diff > 1e-3, "the block is on the output's path, max change " + diff);
  }

  private static boolean isNewBlock(String name) {
    return name.startsWith("unet/u1x/") || name.startsWith("unet/u1b/");
  }

  /** Copies {@code weights}, replacing each new-block tensor {@code change} returns non-null for. */
  private static Map<String, WeightFile.Tensor> replaceNewBlocks(Map<String, WeightFile.Tensor> weights,
      Function<String, WeightFile.Tensor> change) {
    Map<String, WeightFile.Tensor> out = new LinkedHashMap<>(weights);
    for (String name : weights.keySet()) {
      if (isNewBlock(name)) {
        WeightFile.Tensor t = change.apply(name);
        if (t != null) {
          out.put(name, t);
        }
      }
    }
    return out;
  }

  private static boolean allZero(WeightFile.Tensor t) {
    for (float v : t.values()) {
      if (v != 0f) {
        return false;
      }
    }
    return true;
  }

  private static WeightFile.Tensor noise(WeightFile.Tensor like, float std) {
    Random r = new Random(like.values().length);
    float[] v = new float[like.values().length];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextGaussian() * std);
    }
    return new WeightFile.Tensor(like.dims(), v);
  }

  /** Seeded values of every weight the UNet and prompt encoder use, none of them zero. */
  private static Map<String, WeightFile.Tensor> randomWeights() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Params p = Params.random(SEED);
      build(tf, p);
      s.initialize();
      // Fresh output projections are zero; a trained network's are not.
      Map<String, WeightFile.Tensor> out = new LinkedHashMap<>(p.snapshot(s).tensors());
      out.replaceAll((name, t) -> isNewBlock(name) || !allZero(t) ? t : noise(t, 0.05f));
      return out;
    }
  }

  private static float[] velocity(Map<String, WeightFile.Tensor> weights) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> v = build(tf, Params.of(new WeightFile(weights)));
      s.initialize();
      try (TFloat32 out = (TFloat32) s.runner().fetch(v).run().get(0)) {
        float[] values = new float[(int) out.size()];
        out.copyTo(DataBuffers.of(values, false, false));
        return values;
      }
    }
  }

  private static Operand<TFloat32> build(Ops tf, Params p) {
    TinyNet net = new TinyNet(tf, p);
    Random r = new Random(SEED);
    float[] x = new float[8 * 8 * TinyNet.LATENT_CHANNELS];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    int[][] ids = new int[1][TinyNet.CONTEXT_LENGTH];
    for (int i = 0; i < 6; i++) {
      ids[0][i] = 1 + r.nextInt(TinyNet.VOCAB_SIZE - 1);
    }
    Operand<TFloat32> latent = tf.constant(Shape.of(1, 8, 8, TinyNet.LATENT_CHANNELS),
        DataBuffers.of(x, true, false));
    return net.unet(latent, tf.constant(new float[] {500f}), net.encodePrompt(tf.constant(ids)));
  }
}
