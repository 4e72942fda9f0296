package com.aurous.server.model.tiny;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
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

import com.aurous.server.model.ModelManifest;

/**
 * Exports aurous-tiny as an ordinary SavedModel directory plus {@code aurous-model.json}, so the
 * server loads the built-in model through the same {@code DiffusionModel.load} path as any other.
 *
 * <p>The graph is {@link TinyNet}; the weights come from a {@link WeightFile}: by default the
 * trained one shipped in the jar ({@value #BUILT_IN_WEIGHTS}, produced by {@code model train},
 * see {@code MODEL_FORMAT.md}), or any file a training run wrote. The weights become the
 * SavedModel's variables, so two exports of one file are bit-identical.
 */
public final class AurousTinyExporter {

  public static final String MODEL_NAME = "aurous-tiny";
  /** Class-path resource of the trained built-in weights. */
  public static final String BUILT_IN_WEIGHTS = "/aurous-tiny/aurous-tiny.weights";

  private AurousTinyExporter() {}

  /** The LoRA adapters shipped with the built-in model (class-path {@value #BUILT_IN_LORA_DIR}). */
  public static final java.util.List<String> BUILT_IN_LORAS = java.util.List.of("pastel", "neon",
      "monochrome");
  public static final String BUILT_IN_LORA_DIR = "/aurous-tiny/loras/";
  /** Sub-directory of a model directory holding its LoRA weight files, {@code <name>.weights}. */
  public static final String LORA_DIR = "loras";

  /**
   * Which adapter inputs the exported {@code denoise} has (MODEL_FORMAT.md, "Adapters"): the
   * per-sample form, the one-adapter-per-call form, or none (a model that predates adapters).
   */
  public enum AdapterInputs { PER_SAMPLE, PER_CALL, NONE }

  /** Exports the built-in aurous-tiny into {@code dir} (created if needed; overwritten). */
  public static void export(Path dir) throws IOException {
    export(dir, builtInWeights());
    copyBuiltInLoras(dir);
  }

  /** Copies the shipped LoRA files into {@code dir/loras}. */
  public static void copyBuiltInLoras(Path dir) throws IOException {
    Path loras = dir.resolve(LORA_DIR);
    Files.createDirectories(loras);
    for (String name : BUILT_IN_LORAS) {
      try (InputStream in = AurousTinyExporter.class.getResourceAsStream(
          BUILT_IN_LORA_DIR + name + ".weights")) {
        if (in == null) {
          continue; // a build without the shipped adapters still serves the base model
        }
        Files.copy(in, loras.resolve(name + ".weights"),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /**
   * A fingerprint of what {@link #export(Path)} writes (format revision, built-in weights and
   * LoRA files): a provisioned copy with another fingerprint is stale and is exported again.
   */
  public static String builtInFingerprint() throws IOException {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      md.update("export-format-2 adapters".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      digest(md, BUILT_IN_WEIGHTS);
      for (String name : BUILT_IN_LORAS) {
        digest(md, BUILT_IN_LORA_DIR + name + ".weights");
      }
      return java.util.HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void digest(java.security.MessageDigest md, String resource) throws IOException {
    try (InputStream in = AurousTinyExporter.class.getResourceAsStream(resource)) {
      if (in == null) {
        return;
      }
      md.update(resource.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      md.update(in.readAllBytes());
    }
  }

  /** The trained weights shipped in the jar. */
  public static WeightFile builtInWeights() throws IOException {
    try (InputStream in = AurousTinyExporter.class.getResourceAsStream(BUILT_IN_WEIGHTS)) {
      if (in == null) {
        throw new IOException("built-in weights " + BUILT_IN_WEIGHTS + " are not on the class path");
      }
      return WeightFile.read(in, BUILT_IN_WEIGHTS);
    }
  }

  /** Exports aurous-tiny with the given weights into {@code dir}, per-sample adapter inputs. */
  public static void export(Path dir, WeightFile weights) throws IOException {
    export(dir, weights, AdapterInputs.PER_SAMPLE);
  }

  /** Exports aurous-tiny with the given weights and adapter inputs into {@code dir}. */
  public static void export(Path dir, WeightFile weights, AdapterInputs adapterInputs)
      throws IOException {
    Files.createDirectories(dir);
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Params params = Params.of(weights);
      Ops d = tf.withSubScope("denoise");
      int[] widths = Adapter.packedWidths();
      Operand<TInt32> adapterIndex = adapterInputs != AdapterInputs.PER_SAMPLE ? null
          : d.withName("adapter_index").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      Operand<TFloat32> loraA = adapterInputs == AdapterInputs.NONE ? null
          : d.withName("lora_a").placeholder(TFloat32.class,
              Placeholder.shape(Shape.of(-1, -1, widths[0])));
      Operand<TFloat32> loraB = adapterInputs == AdapterInputs.NONE ? null
          : d.withName("lora_b").placeholder(TFloat32.class,
              Placeholder.shape(Shape.of(-1, -1, widths[1])));
      Adapter adapter = loraA == null ? null : Adapter.perSample(adapterIndex, loraA, loraB);
      TinyNet net = new TinyNet(tf, params, adapter);

      Ops p = tf.withSubScope("encode_prompt");
      Operand<TInt32> tokenIds = p.withName("token_ids").placeholder(TInt32.class,
          Placeholder.shape(Shape.of(-1, TinyNet.CONTEXT_LENGTH)));
      Operand<TFloat32> context = p.withName("context").identity(net.encodePrompt(tokenIds));

      Operand<TFloat32> latents = d.withName("latents").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, -1, -1, TinyNet.LATENT_CHANNELS)));
      Operand<TFloat32> timesteps = d.withName("timesteps").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1)));
      Operand<TFloat32> denoiseContext = d.withName("context").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, TinyNet.CONTEXT_LENGTH, TinyNet.CONTEXT_DIM)));
      Operand<TFloat32> noisePred = d.withName("noise_pred").identity(
          net.denoiseAnySize(latents, timesteps, denoiseContext));

      Ops dec = tf.withSubScope("decode");
      Operand<TFloat32> decodeLatents = dec.withName("latents").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, -1, -1, TinyNet.LATENT_CHANNELS)));
      Operand<TFloat32> rgb = net.decodeUnit(dec.math.div(decodeLatents, net.latentScale()));
      Operand<TFloat32> scaled = dec.clipByValue(dec.math.round(dec.math.mul(
          dec.math.add(rgb, dec.constant(1f)), dec.constant(127.5f))), dec.constant(0f),
          dec.constant(255f));
      Operand<TUint8> images = dec.withName("images").dtypes.cast(scaled, TUint8.class);

      Ops enc = tf.withSubScope("encode_image");
      Operand<TUint8> encodeImages = enc.withName("images").placeholder(TUint8.class,
          Placeholder.shape(Shape.of(-1, -1, -1, 3)));
      Operand<TFloat32> unitRgb = enc.math.sub(enc.math.div(
          enc.dtypes.cast(encodeImages, TFloat32.class), enc.constant(127.5f)), enc.constant(1f));
      Operand<TFloat32> encoded = enc.withName("latents").math.mul(
          net.encodePooled(net.pool(unitRgb)), net.latentScale());

      session.initialize(); // assigns the weights' values, which the exporter then saves
      Signature encodePrompt = Signature.builder(ModelManifest.SIG_ENCODE_PROMPT)
          .input("token_ids", tokenIds).output("context", context).build();
      Signature.Builder denoiseSig = Signature.builder(ModelManifest.SIG_DENOISE)
          .input("latents", latents).input("timesteps", timesteps)
          .input("context", denoiseContext).output("noise_pred", noisePred);
      if (adapterIndex != null) {
        denoiseSig.input("adapter_index", adapterIndex);
      }
      if (loraA != null) {
        denoiseSig.input("lora_a", loraA).input("lora_b", loraB);
      }
      Signature denoise = denoiseSig.build();
      Signature decode = Signature.builder(ModelManifest.SIG_DECODE)
          .input("latents", decodeLatents).output("images", images).build();
      Signature encodeImage = Signature.builder(ModelManifest.SIG_ENCODE_IMAGE)
          .input("images", encodeImages).output("latents", encoded).build();
      SavedModelBundle.exporter(dir.toString())
          .withTags(ModelManifest.SAVED_MODEL_TAG)
          .withSession(session)
          .withFunctions(SessionFunction.create(encodePrompt, session),
              SessionFunction.create(denoise, session),
              SessionFunction.create(decode, session),
              SessionFunction.create(encodeImage, session))
          .export();
    }
    writeManifest(dir, Params.of(weights).flag(TinyNet.ZERO_SNR_FLAG), adapterInputs != AdapterInputs.NONE);
  }

  static void writeManifest(Path dir, boolean zeroSnr, boolean adapters) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", MODEL_NAME);
    m.put("latent_channels", TinyNet.LATENT_CHANNELS);
    m.put("latent_downscale", TinyNet.LATENT_DOWNSCALE);
    m.put("resolution_multiple", 32);
    m.put("context_length", TinyNet.CONTEXT_LENGTH);
    m.put("context_dim", TinyNet.CONTEXT_DIM);
    Map<String, Object> tok = new LinkedHashMap<>();
    tok.put("type", "word-hash");
    tok.put("vocab_size", TinyNet.VOCAB_SIZE);
    tok.put("max_length", TinyNet.CONTEXT_LENGTH);
    m.put("tokenizer", tok);
    Map<String, Object> defaults = new LinkedHashMap<>();
    defaults.put("steps", 11);
    defaults.put("guidance_scale", 4.3);
    defaults.put("cfg_rescale", 0.7);
    m.put("defaults", defaults);
    m.put("num_train_timesteps", TinyNet.NUM_TRAIN_TIMESTEPS);
    m.put("beta_start", TinyNet.BETA_START);
    m.put("beta_end", TinyNet.BETA_END);
    m.put("beta_schedule", "scaled_linear");
    m.put("prediction_type", "epsilon");
    if (zeroSnr) {
      // Trained with no picture left at the last timestep: sample from there (trailing grid).
      m.put("rescale_betas_zero_snr", true);
      m.put("timestep_spacing", "trailing");
    }
    if (adapters) {
      java.util.List<Map<String, Object>> targets = new java.util.ArrayList<>();
      for (Adapter.Target t : Adapter.TARGETS) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", t.name());
        row.put("in", t.in());
        row.put("out", t.out());
        targets.add(row);
      }
      m.put("adapters", Map.of("targets", targets));
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(dir.resolve(ModelManifest.FILE_NAME).toFile(), m);
  }
}
