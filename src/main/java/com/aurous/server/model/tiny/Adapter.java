package com.aurous.server.model.tiny;

import java.util.List;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A low-rank adapter (LoRA) hook on the denoiser's projections: for each of {@link #TARGETS} the
 * layer's output gains {@code x A B} (A [in, r], B [r, out], any scale folded into B). Two kinds:
 * {@link #trainable} (one adapter for the whole batch, A and B variables, what {@code model
 * train-lora} fits) and {@link #perSample} (the exported graph: every sample gathers its own A and
 * B from stacked slots by its adapter index, as Punica / S-LoRA batch LoRAs for language models).
 */
public interface Adapter {

  /** One adapted projection: the weight scope it adds to and its input / output widths. */
  record Target(String name, int in, int out) {}

  /**
   * The adapted projections, in the packing order of the exported {@code lora_a} / {@code lora_b}
   * inputs (MODEL_FORMAT.md): the pooled-prompt embedding, q/k/v/out of all four attention blocks,
   * the last residual conv and the output conv (as 1x1 adapters on their input).
   */
  List<Target> TARGETS = targets();

  private static List<Target> targets() {
    List<Target> t = new java.util.ArrayList<>();
    t.add(new Target("unet/p1", TinyNet.CONTEXT_DIM, TinyNet.EMB_DIM));
    String[] blocks = {"d2x", "m1x", "m1s", "u2x"};
    int[] widths = {TinyNet.WIDTHS[1], TinyNet.WIDTHS[2], TinyNet.WIDTHS[2], TinyNet.WIDTHS[1]};
    boolean[] crossAttn = {true, true, false, true};
    for (int i = 0; i < blocks.length; i++) {
      int ch = widths[i];
      int kv = crossAttn[i] ? TinyNet.CONTEXT_DIM : ch;
      String p = "unet/" + blocks[i] + "/attn/";
      t.add(new Target(p + "q", ch, ch));
      t.add(new Target(p + "k", kv, ch));
      t.add(new Target(p + "v", kv, ch));
      t.add(new Target(p + "o", ch, ch));
    }
    t.add(new Target("unet/u1/conv2", TinyNet.WIDTHS[0], TinyNet.WIDTHS[0]));
    t.add(new Target("unet/out", TinyNet.WIDTHS[0], TinyNet.LATENT_CHANNELS));
    return List.copyOf(t);
  }

  /** Name of a target's A (or B) weight in a LoRA weight file. */
  static String weightName(String target, boolean a) {
    return "lora/" + target + (a ? "/a" : "/b");
  }

  /**
   * The addition to {@code target}'s output for input {@code x} [B, N, in]: [B, N, out], or null
   * when this adapter does not touch that projection.
   */
  Operand<TFloat32> delta(Ops tf, String target, Operand<TFloat32> x, int in, int out);

  /** A fresh trainable adapter of rank {@code rank}: A seeded normal, B zero (starts as the base). */
  static Adapter trainable(Params params, int rank) {
    java.util.Map<String, Target> byName = new java.util.HashMap<>();
    TARGETS.forEach(t -> byName.put(t.name(), t));
    return (tf, target, x, in, out) -> {
      if (!byName.containsKey(target)) {
        return null;
      }
      Operand<TFloat32> a = params.get(tf, weightName(target, true), "a", Params.Init.NORMAL,
          (float) Math.sqrt(1.0 / in), in, rank);
      Operand<TFloat32> b = params.get(tf, weightName(target, false), "b", Params.Init.ZEROS, 0,
          rank, out);
      Operand<TInt32> shape = tf.shape(x);
      Operand<TFloat32> flat = tf.reshape(x, tf.constant(new int[] {-1, in}));
      Operand<TFloat32> y = tf.linalg.matMul(tf.linalg.matMul(flat, a), b);
      Operand<TInt32> lead = tf.stridedSlice(shape, tf.constant(new int[] {0}),
          tf.constant(new int[] {-1}), tf.constant(new int[] {1}));
      return tf.reshape(y, tf.concat(List.of(lead, tf.constant(new int[] {out})), tf.constant(0)));
    };
  }

  /**
   * The exported per-sample adapter over packed slots. {@code loraA} [S, R, sum of in] and
   * {@code loraB} [S, R, sum of out] hold every slot's A (transposed) and B, target after target
   * in {@link #TARGETS} order; {@code index} [B] picks each sample's slot, and a sample whose index
   * is {@code <= 0} gets no adapter (slot 0's values are never used). With {@code index} null
   * every sample uses slot 0 (the one-adapter-per-call variant of the contract).
   */
  static Adapter perSample(Operand<TInt32> index, Operand<TFloat32> loraA, Operand<TFloat32> loraB) {
    java.util.Map<String, int[]> offsets = new java.util.HashMap<>();
    int offA = 0;
    int offB = 0;
    for (Target t : TARGETS) {
      offsets.put(t.name(), new int[] {offA, offB});
      offA += t.in();
      offB += t.out();
    }
    return new Adapter() {
      private Operand<TInt32> slot;
      private Operand<TFloat32> mask;

      @Override
      public Operand<TFloat32> delta(Ops tf, String target, Operand<TFloat32> x, int in, int out) {
        int[] off = offsets.get(target);
        if (off == null) {
          return null;
        }
        if (slot == null) {
          if (index == null) {
            Operand<TInt32> b = tf.stridedSlice(tf.shape(x), tf.constant(new int[] {0}),
                tf.constant(new int[] {1}), tf.constant(new int[] {1}));
            slot = tf.fill(b, tf.constant(0));
            mask = tf.fill(tf.concat(List.of(b, tf.constant(new int[] {1, 1})), tf.constant(0)),
                tf.constant(1f));
          } else {
            slot = tf.math.maximum(index, tf.constant(0));
            mask = tf.reshape(tf.dtypes.cast(tf.math.greater(index, tf.constant(0)), TFloat32.class),
                tf.constant(new int[] {-1, 1, 1}));
          }
        }
        Operand<TFloat32> a = tf.gather(tf.slice(loraA, tf.constant(new int[] {0, 0, off[0]}),
            tf.constant(new int[] {-1, -1, in})), slot, tf.constant(0)); // [B, R, in]
        Operand<TFloat32> b = tf.gather(tf.slice(loraB, tf.constant(new int[] {0, 0, off[1]}),
            tf.constant(new int[] {-1, -1, out})), slot, tf.constant(0)); // [B, R, out]
        Operand<TFloat32> xa = tf.math.mul(
            tf.train.batchMatMul(x, a, TFloat32.class, BatchMatMul.adjY(true)), mask); // [B, N, R]
        return tf.train.batchMatMul(xa, b, TFloat32.class);
      }
    };
  }

  /** Widths of the packed inputs' last axis: {sum of in, sum of out}. */
  static int[] packedWidths() {
    int a = 0;
    int b = 0;
    for (Target t : TARGETS) {
      a += t.in();
      b += t.out();
    }
    return new int[] {a, b};
  }
}
