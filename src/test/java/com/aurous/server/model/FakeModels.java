package com.aurous.server.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TUint8;

/**
 * Hand-built, trivially small SavedModels with one deliberate defect each, to check that
 * {@link DiffusionModel#load} rejects them with a precise message. T=32, D=64, C=4 like
 * aurous-tiny, so they can reuse its manifest.
 */
final class FakeModels {

  enum Defect { NONE, NO_DECODE, TIMESTEPS_INT32, FIXED_BATCH, WRONG_OUTPUT_NAME }

  static final int T = 32;
  static final int D = 64;
  static final int C = 4;

  private FakeModels() {}

  static void export(Path dir, Defect defect) throws IOException {
    Files.createDirectories(dir);
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      List<Signature> sigs = new ArrayList<>();

      Ops p = tf.withSubScope("encode_prompt");
      var ids = p.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, T)));
      Operand<TFloat32> ctx = p.math.mul(p.expandDims(p.dtypes.cast(ids, TFloat32.class),
          p.constant(2)), p.constant(new float[][][] {{new float[D]}}));
      sigs.add(Signature.builder(ModelManifest.SIG_ENCODE_PROMPT).input("token_ids", ids)
          .output("context", ctx).build());

      Ops d = tf.withSubScope("denoise");
      long batch = defect == Defect.FIXED_BATCH ? 2 : -1;
      var lat = d.placeholder(TFloat32.class, Placeholder.shape(Shape.of(batch, -1, -1, C)));
      Operand<?> ts = defect == Defect.TIMESTEPS_INT32
          ? d.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)))
          : d.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
      var dctx = d.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, T, D)));
      sigs.add(Signature.builder(ModelManifest.SIG_DENOISE).input("latents", lat)
          .input("timesteps", ts).input("context", dctx)
          .output(defect == Defect.WRONG_OUTPUT_NAME ? "eps" : "noise_pred",
              d.math.mul(lat, d.constant(0.5f)))
          .build());

      if (defect != Defect.NO_DECODE) {
        Ops k = tf.withSubScope("decode");
        var dl = k.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, C)));
        var img = k.dtypes.cast(k.concat(List.of(dl, dl), k.constant(3)), TUint8.class);
        // 8 channels -> keep 3 via a 1x1 conv would need weights; slice is enough for a fake
        var rgb = k.stridedSlice(img, org.tensorflow.ndarray.index.Indices.all(),
            org.tensorflow.ndarray.index.Indices.all(), org.tensorflow.ndarray.index.Indices.all(),
            org.tensorflow.ndarray.index.Indices.slice(0, 3));
        sigs.add(Signature.builder(ModelManifest.SIG_DECODE).input("latents", dl)
            .output("images", rgb).build());
      }

      Ops e = tf.withSubScope("encode_image");
      var im = e.placeholder(TUint8.class, Placeholder.shape(Shape.of(-1, -1, -1, 3)));
      var f = e.dtypes.cast(im, TFloat32.class);
      var four = e.concat(List.of(f, e.math.mul(f, e.constant(0f))), e.constant(3));
      var l = e.stridedSlice(four, org.tensorflow.ndarray.index.Indices.all(),
          org.tensorflow.ndarray.index.Indices.all(), org.tensorflow.ndarray.index.Indices.all(),
          org.tensorflow.ndarray.index.Indices.slice(0, 4));
      sigs.add(Signature.builder(ModelManifest.SIG_ENCODE_IMAGE).input("images", im)
          .output("latents", l).build());

      var exporter = SavedModelBundle.exporter(dir.toString()).withTags("serve")
          .withSession(session);
      for (Signature s : sigs) {
        exporter.withFunction(SessionFunction.create(s, session));
      }
      exporter.export();
    }
  }
}
