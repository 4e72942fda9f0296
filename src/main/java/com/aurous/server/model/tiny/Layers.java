package com.aurous.server.model.tiny;

import java.util.List;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.StridedSlice;
import org.tensorflow.op.image.ResizeBilinear;
import org.tensorflow.op.image.ResizeNearestNeighbor;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Building blocks of aurous-tiny over one name scope. Every op works per sample (statistics are
 * taken over a sample's own pixels, channels or tokens), so no result depends on what else is in
 * the batch. k x k convolutions reflect-pad, so no zero border reaches a picture.
 */
final class Layers {

  final Ops tf;
  final String path;
  private final Params params;
  /** The LoRA hook on the projections it names, or null (no adapter in this graph). */
  private final Adapter adapter;

  Layers(Ops tf, String path, Params params, Adapter adapter) {
    this.tf = tf;
    this.path = path;
    this.params = params;
    this.adapter = adapter;
  }

  Layers sub(String name) {
    return new Layers(tf.withSubScope(name), path.isEmpty() ? name : path + "/" + name, params,
        adapter);
  }

  private Operand<TInt32> batchDim(Operand<TFloat32> x) {
    return tf.stridedSlice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1}),
        tf.constant(new int[] {1}));
  }

  Operand<TFloat32> weight(String name, Params.Init init, float std, int... dims) {
    return params.get(tf, path + "/" + name, name, init, std, dims);
  }

  Operand<TFloat32> c(float v) {
    return tf.constant(v);
  }

  // ---- dense / conv ----

  /** x [N, in] -> [N, out]. */
  Operand<TFloat32> dense(String name, Operand<TFloat32> x, int in, int out, float gain) {
    Layers l = sub(name);
    Operand<TFloat32> y = plainDense(l, x, in, out, gain);
    if (adapter == null) {
      return y;
    }
    // x is [B, in]: one row per sample.
    Operand<TFloat32> rows = tf.expandDims(x, tf.constant(1));
    Operand<TFloat32> d = adapter.delta(l.tf.withSubScope("lora"), l.path, rows, in, out);
    return d == null ? y : l.tf.math.add(y, tf.squeeze(d, org.tensorflow.op.core.Squeeze.axis(List.of(1L))));
  }

  private static Operand<TFloat32> plainDense(Layers l, Operand<TFloat32> x, int in, int out,
      float gain) {
    var w = l.weight("w", Params.Init.NORMAL, gain * (float) Math.sqrt(1.0 / in), in, out);
    var b = l.weight("b", Params.Init.ZEROS, 0, out);
    return l.tf.nn.biasAdd(l.tf.linalg.matMul(x, w), b);
  }

  /** x [B, ..., in] -> [B, ..., out] over the last axis (any rank, dynamic sizes). */
  Operand<TFloat32> denseLast(String name, Operand<TFloat32> x, int in, int out, float gain) {
    Operand<TInt32> shape = tf.shape(x);
    Operand<TFloat32> flat = tf.reshape(x, tf.constant(new int[] {-1, in}));
    Layers l = sub(name);
    Operand<TFloat32> y = plainDense(l, flat, in, out, gain);
    Operand<TInt32> lead = tf.stridedSlice(shape, tf.constant(new int[] {0}), tf.constant(new int[] {-1}),
        tf.constant(new int[] {1}));
    Operand<TFloat32> shaped =
        tf.reshape(y, tf.concat(List.of(lead, tf.constant(new int[] {out})), tf.constant(0)));
    if (adapter == null) {
      return shaped;
    }
    Operand<TFloat32> rows = tf.reshape(x, tf.concat(List.of(batchDim(x), tf.constant(new int[] {-1, in})),
        tf.constant(0)));
    Operand<TFloat32> d = adapter.delta(l.tf.withSubScope("lora"), l.path, rows, in, out);
    return d == null ? shaped : tf.math.add(shaped, tf.reshape(d, tf.shape(shaped)));
  }

  /** k x k conv with reflect padding; stride 2 halves H and W (rounding up). */
  Operand<TFloat32> conv(String name, Operand<TFloat32> x, int k, int in, int out, int stride,
      float gain) {
    Layers l = sub(name);
    var w = l.weight("w", Params.Init.NORMAL, gain * (float) Math.sqrt(1.0 / (k * k * in)),
        k, k, in, out);
    var b = l.weight("b", Params.Init.ZEROS, 0, out);
    Operand<TFloat32> p = reflectPad(x, k / 2);
    var y = l.tf.nn.conv2d(p, w, List.of(1L, (long) stride, (long) stride, 1L), "VALID");
    Operand<TFloat32> out2 = l.tf.nn.biasAdd(y, b);
    if (adapter == null || stride != 1) {
      return out2;
    }
    // A 1x1 adapter on the conv's input (its centre tap), per pixel.
    Operand<TFloat32> d = adapter.delta(l.tf.withSubScope("lora"), l.path, tokens(x, in), in, out);
    return d == null ? out2 : l.tf.math.add(out2, l.tf.reshape(d, l.tf.shape(out2)));
  }

  Operand<TFloat32> conv(String name, Operand<TFloat32> x, int k, int in, int out) {
    return conv(name, x, k, in, out, 1, (float) Math.sqrt(2.0));
  }

  Operand<TFloat32> reflectPad(Operand<TFloat32> x, int p) {
    if (p == 0) {
      return x;
    }
    return tf.mirrorPad(x, tf.constant(new int[][] {{0, 0}, {p, p}, {p, p}, {0, 0}}), "SYMMETRIC");
  }

  // ---- normalisation and activations ----

  Operand<TFloat32> silu(Operand<TFloat32> x) {
    return tf.math.mul(x, tf.math.sigmoid(x));
  }

  /** Group norm of NHWC x: statistics per sample over H, W and the group's channels. */
  Operand<TFloat32> groupNorm(String name, Operand<TFloat32> x, int channels, int groups) {
    Layers l = sub(name);
    Operand<TInt32> shape = tf.shape(x);
    Operand<TInt32> bhw = tf.stridedSlice(shape, tf.constant(new int[] {0}), tf.constant(new int[] {3}),
        tf.constant(new int[] {1}));
    Operand<TFloat32> g = tf.reshape(x, tf.concat(List.of(bhw,
        tf.constant(new int[] {groups, channels / groups})), tf.constant(0)));
    Operand<TFloat32> mean = tf.math.mean(g, tf.constant(new int[] {1, 2, 4}), Mean.keepDims(true));
    Operand<TFloat32> cen = tf.math.sub(g, mean);
    Operand<TFloat32> var = tf.math.mean(tf.math.square(cen), tf.constant(new int[] {1, 2, 4}),
        Mean.keepDims(true));
    Operand<TFloat32> n = tf.reshape(tf.math.mul(cen, tf.math.rsqrt(tf.math.add(var, c(1e-5f)))),
        shape);
    var gamma = l.weight("gamma", Params.Init.ONES, 0, channels);
    var beta = l.weight("beta", Params.Init.ZEROS, 0, channels);
    return tf.math.add(tf.math.mul(n, gamma), beta);
  }

  /** Layer norm over the last axis (per token). */
  Operand<TFloat32> layerNorm(String name, Operand<TFloat32> x, int dim) {
    Layers l = sub(name);
    Operand<TFloat32> mean = tf.math.mean(x, tf.constant(-1), Mean.keepDims(true));
    Operand<TFloat32> cen = tf.math.sub(x, mean);
    Operand<TFloat32> var = tf.math.mean(tf.math.square(cen), tf.constant(-1), Mean.keepDims(true));
    Operand<TFloat32> n = tf.math.mul(cen, tf.math.rsqrt(tf.math.add(var, c(1e-5f))));
    var gamma = l.weight("gamma", Params.Init.ONES, 0, dim);
    var beta = l.weight("beta", Params.Init.ZEROS, 0, dim);
    return tf.math.add(tf.math.mul(n, gamma), beta);
  }

  // ---- attention ----

  /**
   * Multi-head attention of queries q [B, N, dim] over keys/values kv [B, M, kvDim]; returns
   * [B, N, dim] (output projection included, zero-initialised so a new block starts as identity).
   */
  Operand<TFloat32> attention(String name, Operand<TFloat32> q, Operand<TFloat32> kv, int dim,
      int kvDim, int heads) {
    Layers l = sub(name);
    int dh = dim / heads;
    Operand<TFloat32> qq = l.splitHeads(l.denseLast("q", q, dim, dim, 1f), heads, dh);
    Operand<TFloat32> kk = l.splitHeads(l.denseLast("k", kv, kvDim, dim, 1f), heads, dh);
    Operand<TFloat32> vv = l.splitHeads(l.denseLast("v", kv, kvDim, dim, 1f), heads, dh);
    Operand<TFloat32> scores = tf.math.mul(
        tf.train.batchMatMul(qq, kk, TFloat32.class, BatchMatMul.adjY(true)), c((float) (1.0 / Math.sqrt(dh))));
    Operand<TFloat32> att = tf.nn.softmax(scores);
    Operand<TFloat32> o = tf.train.batchMatMul(att, vv, TFloat32.class); // [B, heads, N, dh]
    Operand<TFloat32> merged = tf.linalg.transpose(o, tf.constant(new int[] {0, 2, 1, 3}));
    Operand<TInt32> b = tf.stridedSlice(tf.shape(q), tf.constant(new int[] {0}),
        tf.constant(new int[] {2}), tf.constant(new int[] {1}));
    merged = tf.reshape(merged, tf.concat(List.of(b, tf.constant(new int[] {dim})), tf.constant(0)));
    return l.denseLast("o", merged, dim, dim, 0f);
  }

  /** [B, N, heads*dh] -> [B, heads, N, dh]. */
  private Operand<TFloat32> splitHeads(Operand<TFloat32> x, int heads, int dh) {
    Operand<TInt32> bn = tf.stridedSlice(tf.shape(x), tf.constant(new int[] {0}),
        tf.constant(new int[] {2}), tf.constant(new int[] {1}));
    Operand<TFloat32> r = tf.reshape(x, tf.concat(List.of(bn, tf.constant(new int[] {heads, dh})),
        tf.constant(0)));
    return tf.linalg.transpose(r, tf.constant(new int[] {0, 2, 1, 3}));
  }

  // ---- shapes and resizing ----

  /** int32 [H, W] of an NHWC tensor. */
  Operand<TInt32> spatialSize(Operand<TFloat32> x) {
    return tf.stridedSlice(tf.shape(x), tf.constant(new int[] {1}), tf.constant(new int[] {3}),
        tf.constant(new int[] {1}));
  }

  Operand<TInt32> dim(Operand<TFloat32> x, int i) {
    return tf.stridedSlice(tf.shape(x), tf.constant(new int[] {i}), tf.constant(new int[] {i + 1}),
        tf.constant(new int[] {1}), StridedSlice.shrinkAxisMask(1L));
  }

  Operand<TFloat32> resizeNearest(Operand<TFloat32> x, Operand<TInt32> size) {
    return tf.image.resizeNearestNeighbor(x, size, ResizeNearestNeighbor.halfPixelCenters(true));
  }

  Operand<TFloat32> resizeBilinear(Operand<TFloat32> x, Operand<TInt32> size) {
    return tf.image.resizeBilinear(x, size, ResizeBilinear.halfPixelCenters(true));
  }

  /** [B, H, W, C] -> [B, H*W, C]. */
  Operand<TFloat32> tokens(Operand<TFloat32> x, int channels) {
    Operand<TInt32> b = tf.stridedSlice(tf.shape(x), tf.constant(new int[] {0}),
        tf.constant(new int[] {1}), tf.constant(new int[] {1}));
    return tf.reshape(x, tf.concat(List.of(b, tf.constant(new int[] {-1, channels})), tf.constant(0)));
  }
}
