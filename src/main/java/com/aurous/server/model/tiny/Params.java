package com.aurous.server.model.tiny;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Where every weight of the network comes from, and what it becomes in the graph.
 *
 * <p>A weight named in {@code loaded} takes those values; any other is drawn from the seeded
 * {@link Random} in build order (so a fresh network is reproducible). A weight whose name
 * {@code frozen} accepts becomes a graph constant (the trainer freezes the autoencoder while the
 * denoiser learns, and the optimizer only sees variables); every other one is a variable.
 */
public final class Params {

  /** How a weight starts when nothing is loaded for it. */
  public enum Init { NORMAL, ZEROS, ONES }

  private record Built(Operand<TFloat32> op, int[] dims, boolean variable) {}

  private final Random rnd;
  private final Map<String, WeightFile.Tensor> loaded;
  private final Predicate<String> frozen;
  private final Map<String, Built> built = new LinkedHashMap<>();

  private Ops rootOps;

  /** The graph's root-scope ops, where the weights are created. */
  void bind(Ops root) {
    if (rootOps != null && rootOps.scope().env() != root.scope().env()) {
      throw new IllegalStateException("params already bound to another graph");
    }
    rootOps = root;
  }

  public Params(long seed, Map<String, WeightFile.Tensor> loaded, Predicate<String> frozen) {
    this.rnd = new Random(seed);
    this.loaded = loaded;
    this.frozen = frozen;
  }

  /** A loaded scalar marker (e.g. the schedule a file was trained with): true when present and non-zero. */
  public boolean flag(String name) {
    WeightFile.Tensor t = loaded.get(name);
    return t != null && t.values().length > 0 && t.values()[0] != 0f;
  }

  /** Fresh seeded weights, all variables. */
  public static Params random(long seed) {
    return new Params(seed, Map.of(), name -> false);
  }

  /** Every weight from a file, all variables (what the exporter saves). */
  public static Params of(WeightFile file) {
    return new Params(0, file.tensors(), name -> false);
  }

  Operand<TFloat32> get(Ops s, String name, String leaf, Init init, float std, int... dims) {
    if (built.containsKey(name)) {
      throw new IllegalStateException("weight " + name + " built twice");
    }
    int n = Arrays.stream(dims).reduce(1, (a, b) -> a * b);
    float[] v;
    WeightFile.Tensor t = loaded.get(name);
    if (t != null) {
      if (!Arrays.equals(t.dims(), dims)) {
        throw new IllegalArgumentException("weight " + name + " has dims "
            + Arrays.toString(t.dims()) + " in the file, the network needs " + Arrays.toString(dims));
      }
      v = t.values();
    } else {
      v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = switch (init) {
          case NORMAL -> (float) (rnd.nextGaussian() * std);
          case ZEROS -> 0f;
          case ONES -> 1f;
        };
      }
    }
    long[] shape = Arrays.stream(dims).asLongStream().toArray();
    // Weights live at the graph's root scope, named by their path with dots: the optimizer
    // derives its slot names from the variable's op name, which must not contain '/'.
    Operand<TFloat32> value = rootOps.constant(Shape.of(shape), DataBuffers.of(v, true, false));
    boolean variable = !frozen.test(name);
    String opName = name.replace('/', '.');
    Operand<TFloat32> op = variable ? rootOps.withName(opName).variable(value)
        : rootOps.withName(opName).identity(value);
    built.put(name, new Built(op, dims.clone(), variable));
    return op;
  }

  /** Names of the weights built so far, in build order. */
  public List<String> names() {
    return List.copyOf(built.keySet());
  }

  public long parameterCount() {
    return built.values().stream().mapToLong(b -> Arrays.stream(b.dims).reduce(1, (x, y) -> x * y))
        .sum();
  }

  /**
   * The current values of every weight (variables read from the session in one run, constants as
   * built). One run with one fetch list: TensorFlow prepares an executor per distinct fetch list,
   * which on a training graph costs seconds each.
   */
  public WeightFile snapshot(Session session) {
    Map<String, float[]> vars = variableValues(session);
    Map<String, WeightFile.Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Built> e : built.entrySet()) {
      Built b = e.getValue();
      int n = Arrays.stream(b.dims).reduce(1, (x, y) -> x * y);
      float[] v = b.variable ? vars.get(e.getKey())
          : loaded.containsKey(e.getKey()) ? loaded.get(e.getKey()).values()
          : fetchConstant(session, b.op, n);
      out.put(e.getKey(), new WeightFile.Tensor(b.dims, v));
    }
    return new WeightFile(out);
  }

  /** The current values of the variables only, fetched in one session run. */
  public Map<String, float[]> variableValues(Session session) {
    List<String> names = new java.util.ArrayList<>();
    Session.Runner runner = session.runner();
    for (Map.Entry<String, Built> e : built.entrySet()) {
      if (e.getValue().variable) {
        names.add(e.getKey());
        runner.fetch(e.getValue().op);
      }
    }
    Map<String, float[]> out = new LinkedHashMap<>();
    if (names.isEmpty()) {
      return out;
    }
    try (Result r = runner.run()) {
      for (int i = 0; i < names.size(); i++) {
        TFloat32 t = (TFloat32) r.get(i);
        float[] v = new float[(int) t.shape().size()];
        t.copyTo(DataBuffers.of(v, false, false));
        out.put(names.get(i), v);
      }
    }
    return out;
  }

  /** Dimensions of a built weight. */
  public int[] dims(String name) {
    return built.get(name).dims.clone();
  }

  private static float[] fetchConstant(Session session, Operand<TFloat32> op, int n) {
    float[] v = new float[n];
    try (Result r = session.runner().fetch(op).run()) {
      ((TFloat32) r.get(0)).copyTo(DataBuffers.of(v, false, false));
    }
    return v;
  }
}
