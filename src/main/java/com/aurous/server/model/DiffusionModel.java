package com.aurous.server.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GPUOptions;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TUint8;

/**
 * A diffusion model loaded from a SavedModel directory with an {@code aurous-model.json}
 * manifest (format: {@code MODEL_FORMAT.md}). All inputs and outputs are plain Java arrays in
 * NHWC, flat row-major order; no TensorFlow type leaks to callers.
 *
 * <p><b>Thread safety:</b> one instance belongs to one worker thread. The methods are not
 * synchronised and are not meant to be called concurrently (the TF session itself would cope,
 * but the intra-op thread pool is sized for one caller). Use one model per worker.
 */
public final class DiffusionModel implements AutoCloseable {

  private final Path dir;
  private final ModelManifest manifest;
  private final String device;
  private final SavedModelBundle bundle;
  private final SessionFunction encodePrompt;
  private final SessionFunction denoise;
  private final SessionFunction decode;
  private final SessionFunction encodeImage;
  private final AdapterMode adapterMode;
  private final int adapterWidthA;
  private final int adapterWidthB;

  /**
   * Which LoRA adapter inputs the model's {@code denoise} has (MODEL_FORMAT.md, "Adapters"):
   * per-sample slots ({@code adapter_index}, {@code lora_a}, {@code lora_b}), one adapter for the
   * whole call ({@code lora_a}, {@code lora_b}), or none.
   */
  public enum AdapterMode { PER_SAMPLE, PER_CALL, NONE }

  private DiffusionModel(Path dir, ModelManifest manifest, String device, SavedModelBundle bundle) {
    this.dir = dir;
    this.manifest = manifest;
    this.device = device;
    this.bundle = bundle;
    Signature sig = null;
    for (Signature s : bundle.signatures()) {
      if (s.key().equals(ModelManifest.SIG_DENOISE)) {
        sig = s;
      }
    }
    Map<String, Signature.TensorDescription> in = sig.getInputs();
    this.adapterMode = in.containsKey(ADAPTER_INDEX) ? AdapterMode.PER_SAMPLE
        : in.containsKey(LORA_A) ? AdapterMode.PER_CALL : AdapterMode.NONE;
    this.adapterWidthA = adapterMode == AdapterMode.NONE ? 0 : (int) in.get(LORA_A).shape.get(2);
    this.adapterWidthB = adapterMode == AdapterMode.NONE ? 0 : (int) in.get(LORA_B).shape.get(2);
    this.encodePrompt = bundle.function(ModelManifest.SIG_ENCODE_PROMPT);
    this.denoise = bundle.function(ModelManifest.SIG_DENOISE);
    this.decode = bundle.function(ModelManifest.SIG_DECODE);
    this.encodeImage = bundle.function(ModelManifest.SIG_ENCODE_IMAGE);
  }

  /**
   * Loads and checks a model.
   *
   * @param dir SavedModel directory holding {@code saved_model.pb}, {@code variables/} and
   *     {@code aurous-model.json}
   * @param device {@code "CPU:n"} or {@code "GPU:n"} (case-insensitive, {@code /device:} prefix
   *     allowed)
   * @param intraOpThreads threads one op may use (>= 1)
   * @throws ModelLoadException naming what is wrong (manifest field, signature, input, dtype,
   *     shape)
   */
  public static DiffusionModel load(Path dir, String device, int intraOpThreads) {
    String where = "model at " + dir;
    if (!Files.isDirectory(dir)) {
      throw new ModelLoadException(where + ": not a directory");
    }
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intraOpThreads must be >= 1, got " + intraOpThreads);
    }
    boolean gpu = parseDevice(device);
    ModelManifest manifest = ModelManifest.read(dir);
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      throw new ModelLoadException(where + ": saved_model.pb is missing");
    }
    SavedModelBundle bundle;
    try {
      bundle = SavedModelBundle.loader(dir.toString())
          .withTags(ModelManifest.SAVED_MODEL_TAG)
          .withConfigProto(sessionConfig(gpu, intraOpThreads))
          .load();
    } catch (TensorFlowException | IllegalArgumentException e) {
      throw new ModelLoadException(where + ": cannot load SavedModel with tag '"
          + ModelManifest.SAVED_MODEL_TAG + "': " + e.getMessage(), e);
    }
    try {
      checkSignatures(where, manifest, bundle);
      return new DiffusionModel(dir, manifest, device, bundle);
    } catch (RuntimeException e) {
      bundle.close();
      throw e;
    }
  }

  /**
   * Session options for one worker.
   *
   * <p>Why this shape: TensorFlow's {@code gpu_options.visible_device_list} is process-wide (see
   * tensorflow/java#380: two sessions in one JVM cannot see different GPUs), so the operator
   * runs ONE GPU PER NODE PROCESS (select it with {@code CUDA_VISIBLE_DEVICES}) and joins the
   * processes through the cluster. Inside a process "GPU:n" therefore just means "use the GPU"
   * (TF places ops on it by default; memory grows on demand). "CPU:n" sessions hide every GPU
   * ({@code device_count GPU=0}). {@code use_per_session_threads} gives each session its own
   * pools, so the thread count of each worker's model is honoured instead of the first session's
   * sizing the process-global pool.
   */
  static ConfigProto sessionConfig(boolean gpu, int intraOpThreads) {
    ConfigProto.Builder b = ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(intraOpThreads)
        .setInterOpParallelismThreads(1) // the graphs are chains; parallelism lives inside ops
        .setUsePerSessionThreads(true)
        .setAllowSoftPlacement(true);
    if (gpu) {
      b.setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true));
    } else {
      b.putDeviceCount("GPU", 0);
    }
    return b.build();
  }

  /** True for a GPU device string, false for CPU; anything else is rejected. */
  static boolean parseDevice(String device) {
    String d = device == null ? "" : device.trim().toUpperCase(Locale.ROOT);
    if (d.startsWith("/DEVICE:")) {
      d = d.substring("/DEVICE:".length());
    }
    if (d.matches("CPU(:\\d+)?")) {
      return false;
    }
    if (d.matches("GPU(:\\d+)?")) {
      return true;
    }
    throw new IllegalArgumentException("device must be CPU:n or GPU:n, got '" + device + "'");
  }

  // ---------------------------------------------------------------- signature checks

  /** Expected tensor: dtype and per-dimension size (-1 = must be dynamic, >= 0 = fixed size). */
  private record Spec(String name, DataType dtype, long... dims) {}

  private static void checkSignatures(String where, ModelManifest m, SavedModelBundle bundle) {
    Map<String, Signature> byKey = new HashMap<>();
    for (Signature s : bundle.signatures()) {
      byKey.put(s.key(), s);
    }
    long t = m.contextLength();
    long d = m.contextDim();
    long c = m.latentChannels();
    check(where, byKey, ModelManifest.SIG_ENCODE_PROMPT,
        List.of(new Spec("token_ids", DataType.DT_INT32, -1, t)),
        List.of(new Spec("context", DataType.DT_FLOAT, -1, t, d)));
    List<Spec> denoiseInputs = new ArrayList<>(List.of(
        new Spec("latents", DataType.DT_FLOAT, -1, -1, -1, c),
        new Spec("timesteps", DataType.DT_FLOAT, -1),
        new Spec("context", DataType.DT_FLOAT, -1, t, d)));
    Signature denoiseSig = byKey.get(ModelManifest.SIG_DENOISE);
    if (denoiseSig != null) {
      Map<String, Signature.TensorDescription> in = denoiseSig.getInputs();
      boolean index = in.containsKey(ADAPTER_INDEX);
      boolean a = in.containsKey(LORA_A);
      boolean b = in.containsKey(LORA_B);
      if (a != b || (index && !a)) {
        throw new ModelLoadException(where + ": signature 'denoise' has an incomplete set of "
            + "adapter inputs " + in.keySet() + " (either adapter_index, lora_a and lora_b, or "
            + "lora_a and lora_b, or none)");
      }
      if (index) {
        denoiseInputs.add(new Spec(ADAPTER_INDEX, DataType.DT_INT32, -1));
      }
      if (a) {
        // [slots, rank, width]: slots and rank dynamic, the packed width fixed.
        denoiseInputs.add(new Spec(LORA_A, DataType.DT_FLOAT, -1, -1, fixedLast(where, in, LORA_A)));
        denoiseInputs.add(new Spec(LORA_B, DataType.DT_FLOAT, -1, -1, fixedLast(where, in, LORA_B)));
      }
    }
    check(where, byKey, ModelManifest.SIG_DENOISE, denoiseInputs,
        List.of(new Spec("noise_pred", DataType.DT_FLOAT, -1, -1, -1, c)));
    check(where, byKey, ModelManifest.SIG_DECODE,
        List.of(new Spec("latents", DataType.DT_FLOAT, -1, -1, -1, c)),
        List.of(new Spec("images", DataType.DT_UINT8, -1, -1, -1, 3)));
    check(where, byKey, ModelManifest.SIG_ENCODE_IMAGE,
        List.of(new Spec("images", DataType.DT_UINT8, -1, -1, -1, 3)),
        List.of(new Spec("latents", DataType.DT_FLOAT, -1, -1, -1, c)));
  }

  static final String ADAPTER_INDEX = "adapter_index";
  static final String LORA_A = "lora_a";
  static final String LORA_B = "lora_b";

  private static long fixedLast(String where, Map<String, Signature.TensorDescription> in,
      String name) {
    Shape s = in.get(name).shape;
    if (s == null || s.isUnknown() || s.numDimensions() != 3 || s.get(2) < 1) {
      throw new ModelLoadException(where + ": signature 'denoise' input '" + name + "' must have "
          + "shape [-1, -1, width] with a fixed width, got " + s);
    }
    return s.get(2);
  }

  private static void check(String where, Map<String, Signature> byKey, String key,
      List<Spec> inputs, List<Spec> outputs) {
    Signature sig = byKey.get(key);
    if (sig == null) {
      throw new ModelLoadException(where + ": signature '" + key + "' is missing (found "
          + new ArrayList<>(byKey.keySet()) + ")");
    }
    checkTensors(where, key, "input", sig.getInputs(), inputs);
    checkTensors(where, key, "output", sig.getOutputs(), outputs);
  }

  private static void checkTensors(String where, String key, String kind,
      Map<String, Signature.TensorDescription> actual, List<Spec> expected) {
    for (Spec spec : expected) {
      String what = where + ": signature '" + key + "' " + kind + " '" + spec.name() + "'";
      Signature.TensorDescription desc = actual.get(spec.name());
      if (desc == null) {
        throw new ModelLoadException(what + " is missing (found " + actual.keySet() + ")");
      }
      if (desc.dataType != spec.dtype()) {
        throw new ModelLoadException(what + " has dtype " + dtypeName(desc.dataType)
            + ", expected " + dtypeName(spec.dtype()));
      }
      Shape shape = desc.shape;
      long[] want = spec.dims();
      if (shape == null || shape.isUnknown()) {
        throw new ModelLoadException(what + " has unknown rank, expected shape "
            + dimsText(want));
      }
      if (shape.numDimensions() != want.length) {
        throw new ModelLoadException(what + " has rank " + shape.numDimensions() + " " + shape
            + ", expected rank " + want.length + " " + dimsText(want));
      }
      for (int i = 0; i < want.length; i++) {
        long got = shape.get(i);
        if (want[i] < 0 && got >= 0) {
          throw new ModelLoadException(what + " has fixed dimension " + i + " = " + got
              + " in " + shape + ", expected it dynamic (-1) in " + dimsText(want));
        }
        if (want[i] >= 0 && got >= 0 && got != want[i]) {
          throw new ModelLoadException(what + " has dimension " + i + " = " + got + " in "
              + shape + ", expected " + want[i] + " in " + dimsText(want)
              + " (from the manifest)");
        }
      }
    }
    if (actual.size() != expected.size() && "input".equals(kind)) {
      List<String> extra = new ArrayList<>(actual.keySet());
      expected.forEach(s -> extra.remove(s.name()));
      throw new ModelLoadException(where + ": signature '" + key + "' has unexpected inputs "
          + extra);
    }
  }

  private static String dtypeName(DataType t) {
    return switch (t) {
      case DT_FLOAT -> "float32";
      case DT_INT32 -> "int32";
      case DT_UINT8 -> "uint8";
      default -> t.name();
    };
  }

  private static String dimsText(long[] dims) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < dims.length; i++) {
      sb.append(i > 0 ? ", " : "").append(dims[i] < 0 ? "-1" : Long.toString(dims[i]));
    }
    return sb.append(']').toString();
  }

  // ---------------------------------------------------------------- inference

  public ModelManifest manifest() {
    return manifest;
  }

  public String device() {
    return device;
  }

  public Path dir() {
    return dir;
  }

  /** token ids [batch, T] -> context [batch, T, D]. */
  public float[] encodePrompt(int[] tokenIds, int batch) {
    int t = manifest.contextLength();
    requireLength("tokenIds", tokenIds.length, (long) batch * t);
    try (TInt32 ids = TInt32.tensorOf(Shape.of(batch, t), DataBuffers.of(tokenIds, true, false));
        Result r = encodePrompt.call(Map.of("token_ids", ids))) {
      return floats(r, ModelManifest.SIG_ENCODE_PROMPT, "context",
          (long) batch * t * manifest.contextDim());
    }
  }

  /**
   * One denoiser evaluation. {@code latents} [batch, h, w, C]; {@code timesteps} one value per
   * sample [batch] (samples may be at different timesteps); {@code context} [batch, T, D].
   * Returns the prediction (epsilon for {@code prediction_type=epsilon}) shaped like latents.
   */
  public float[] denoise(float[] latents, int batch, int h, int w, float[] timesteps,
      float[] context) {
    if (adapterMode != AdapterMode.NONE) {
      return denoise(latents, batch, h, w, timesteps, context, PackedAdapters.none(batch));
    }
    long n = requireDenoiseInputs(latents, batch, h, w, timesteps, context);
    try (TFloat32 x = TFloat32.tensorOf(Shape.of(batch, h, w, manifest.latentChannels()),
            DataBuffers.of(latents, true, false));
        TFloat32 ts = TFloat32.tensorOf(Shape.of(batch), DataBuffers.of(timesteps, true, false));
        TFloat32 ctx = TFloat32.tensorOf(
            Shape.of(batch, manifest.contextLength(), manifest.contextDim()),
            DataBuffers.of(context, true, false));
        Result r = denoise.call(Map.of("latents", x, "timesteps", ts, "context", ctx))) {
      return floats(r, ModelManifest.SIG_DENOISE, "noise_pred", n);
    }
  }

  /** Checks the three arrays against the batch and sizes; returns the latent element count. */
  private long requireDenoiseInputs(float[] latents, int batch, int h, int w, float[] timesteps, float[] context) {
    long n = (long) batch * h * w * manifest.latentChannels();
    requireLength("latents", latents.length, n);
    requireLength("timesteps", timesteps.length, batch);
    requireLength("context", context.length,
        (long) batch * manifest.contextLength() * manifest.contextDim());
    return n;
  }

  public AdapterMode adapterMode() {
    return adapterMode;
  }

  /** The packed widths of {@code lora_a} and {@code lora_b} (0 without adapter inputs). */
  public int[] adapterWidths() {
    return new int[] {adapterWidthA, adapterWidthB};
  }

  /**
   * {@link #denoise(float[], int, int, int, float[], float[])} with LoRA adapters: sample i uses
   * slot {@code adapters.index()[i]} (0 = none) of the packed slots. A {@link AdapterMode#PER_CALL}
   * model takes one slot for the whole call; a model without adapter inputs takes none.
   */
  public float[] denoise(float[] latents, int batch, int h, int w, float[] timesteps,
      float[] context, PackedAdapters adapters) {
    if (adapterMode == AdapterMode.NONE) {
      if (adapters != null && adapters.any()) {
        throw new IllegalArgumentException("model " + manifest.name() + " has no adapter inputs");
      }
      return denoise(latents, batch, h, w, timesteps, context);
    }
    PackedAdapters p = adapters == null ? PackedAdapters.none(batch) : adapters;
    requireLength("adapter index", p.index().length, batch);
    requireLength("lora_a", p.loraA().length, (long) p.slots() * p.rank() * adapterWidthA);
    requireLength("lora_b", p.loraB().length, (long) p.slots() * p.rank() * adapterWidthB);
    if (adapterMode == AdapterMode.PER_CALL && p.slots() != 1) {
      throw new IllegalArgumentException("model " + manifest.name()
          + " takes one adapter per call, got " + p.slots() + " slots");
    }
    long n = requireDenoiseInputs(latents, batch, h, w, timesteps, context);
    try (TFloat32 x = TFloat32.tensorOf(Shape.of(batch, h, w, manifest.latentChannels()),
            DataBuffers.of(latents, true, false));
        TFloat32 ts = TFloat32.tensorOf(Shape.of(batch), DataBuffers.of(timesteps, true, false));
        TFloat32 ctx = TFloat32.tensorOf(
            Shape.of(batch, manifest.contextLength(), manifest.contextDim()),
            DataBuffers.of(context, true, false));
        TInt32 idx = TInt32.tensorOf(Shape.of(batch), DataBuffers.of(p.index(), true, false));
        TFloat32 a = TFloat32.tensorOf(Shape.of(p.slots(), p.rank(), adapterWidthA),
            DataBuffers.of(p.loraA(), true, false));
        TFloat32 b = TFloat32.tensorOf(Shape.of(p.slots(), p.rank(), adapterWidthB),
            DataBuffers.of(p.loraB(), true, false))) {
      Map<String, Tensor> feeds = new HashMap<>(Map.of("latents", x, "timesteps", ts, "context", ctx,
          LORA_A, a, LORA_B, b));
      if (adapterMode == AdapterMode.PER_SAMPLE) {
        feeds.put(ADAPTER_INDEX, idx);
      }
      try (Result r = denoise.call(feeds)) {
        return floats(r, ModelManifest.SIG_DENOISE, "noise_pred", n);
      }
    }
  }

  /** latents [batch, h, w, C] -> RGB uint8 [batch, h*ds, w*ds, 3]. */
  public byte[] decode(float[] latents, int batch, int h, int w) {
    requireLength("latents", latents.length, (long) batch * h * w * manifest.latentChannels());
    int ds = manifest.latentDownscale();
    long n = (long) batch * h * ds * w * ds * 3;
    try (TFloat32 x = TFloat32.tensorOf(Shape.of(batch, h, w, manifest.latentChannels()),
            DataBuffers.of(latents, true, false));
        Result r = decode.call(Map.of("latents", x))) {
      Tensor out = output(r, ModelManifest.SIG_DECODE, "images", n);
      byte[] rgb = new byte[(int) n];
      ((TUint8) out).copyTo(DataBuffers.of(rgb, false, false));
      return rgb;
    }
  }

  /** RGB uint8 [batch, height, width, 3] (height, width multiples of ds) -> latents. */
  public float[] encodeImage(byte[] rgb, int batch, int height, int width) {
    int ds = manifest.latentDownscale();
    if (height % ds != 0 || width % ds != 0) {
      throw new IllegalArgumentException("image size " + width + "x" + height
          + " must be a multiple of " + ds);
    }
    requireLength("rgb", rgb.length, (long) batch * height * width * 3);
    try (TUint8 x = TUint8.tensorOf(Shape.of(batch, height, width, 3),
            DataBuffers.of(rgb, true, false));
        Result r = encodeImage.call(Map.of("images", x))) {
      return floats(r, ModelManifest.SIG_ENCODE_IMAGE, "latents",
          (long) batch * (height / ds) * (width / ds) * manifest.latentChannels());
    }
  }

  private static void requireLength(String what, long actual, long expected) {
    if (actual != expected) {
      throw new IllegalArgumentException(what + " has " + actual + " values, expected "
          + expected);
    }
  }

  private Tensor output(Result r, String sig, String name, long expectedSize) {
    Tensor t = r.get(name).orElseThrow(() -> new IllegalStateException(
        "model at " + dir + ": signature '" + sig + "' returned no '" + name + "'"));
    if (t.shape().size() != expectedSize) {
      throw new IllegalStateException("model at " + dir + ": signature '" + sig + "' output '"
          + name + "' has shape " + t.shape() + " (" + t.shape().size() + " values), expected "
          + expectedSize + " values");
    }
    return t;
  }

  private float[] floats(Result r, String sig, String name, long expectedSize) {
    Tensor t = output(r, sig, name, expectedSize);
    float[] out = new float[(int) expectedSize];
    ((TFloat32) t).copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  @Override
  public void close() {
    bundle.close();
  }

  @Override
  public String toString() {
    return "DiffusionModel[" + manifest.name() + " @ " + device + " from " + dir + "]";
  }
}
