package com.aurous.server.model.tiny;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;

import com.aurous.server.model.ModelManifest;

/**
 * Builds the built-in model <b>aurous-tiny</b> in Java and exports it as an ordinary SavedModel
 * directory plus {@code aurous-model.json}. The server then loads it through the same
 * {@code DiffusionModel.load} path as any other exported model, so the built-in model is no
 * special case at serving time.
 *
 * <p>Weights are TensorFlow variables (saved under {@code variables/}) initialised from a fixed
 * seed: pictures are abstract but deterministic. Training is a later step.
 */
public final class AurousTinyExporter {

  public static final String MODEL_NAME = "aurous-tiny";
  /** Seed of every weight; changing it changes every picture the model makes. */
  public static final long SEED = 0x4155_524F_5553L; // "AUROUS"

  private AurousTinyExporter() {}

  /** Exports aurous-tiny into {@code dir} (created if needed; an earlier export is overwritten). */
  public static void export(Path dir) throws IOException {
    Files.createDirectories(dir);
    try (Graph g = new Graph(); Session session = new Session(g)) {
      TinyGraph net = new TinyGraph(Ops.create(g), SEED).build();
      session.initialize(); // assigns the seeded initial values, which the exporter then saves
      Signature encodePrompt = Signature.builder(ModelManifest.SIG_ENCODE_PROMPT)
          .input("token_ids", net.tokenIds).output("context", net.context).build();
      Signature denoise = Signature.builder(ModelManifest.SIG_DENOISE)
          .input("latents", net.denoiseLatents).input("timesteps", net.timesteps)
          .input("context", net.denoiseContext).output("noise_pred", net.noisePred).build();
      Signature decode = Signature.builder(ModelManifest.SIG_DECODE)
          .input("latents", net.decodeLatents).output("images", net.images).build();
      Signature encodeImage = Signature.builder(ModelManifest.SIG_ENCODE_IMAGE)
          .input("images", net.encodeImages).output("latents", net.encodedLatents).build();
      SavedModelBundle.exporter(dir.toString())
          .withTags(ModelManifest.SAVED_MODEL_TAG)
          .withSession(session)
          .withFunctions(SessionFunction.create(encodePrompt, session),
              SessionFunction.create(denoise, session),
              SessionFunction.create(decode, session),
              SessionFunction.create(encodeImage, session))
          .export();
    }
    writeManifest(dir);
  }

  static void writeManifest(Path dir) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", MODEL_NAME);
    m.put("latent_channels", TinyGraph.LATENT_CHANNELS);
    m.put("latent_downscale", TinyGraph.LATENT_DOWNSCALE);
    m.put("resolution_multiple", 32);
    m.put("context_length", TinyGraph.CONTEXT_LENGTH);
    m.put("context_dim", TinyGraph.CONTEXT_DIM);
    Map<String, Object> tok = new LinkedHashMap<>();
    tok.put("type", "word-hash");
    tok.put("vocab_size", TinyGraph.VOCAB_SIZE);
    tok.put("max_length", TinyGraph.CONTEXT_LENGTH);
    m.put("tokenizer", tok);
    Map<String, Object> defaults = new LinkedHashMap<>();
    defaults.put("steps", 11);
    defaults.put("guidance_scale", 4.3);
    defaults.put("cfg_rescale", 0.7);
    m.put("defaults", defaults);
    m.put("num_train_timesteps", TinyGraph.NUM_TRAIN_TIMESTEPS);
    m.put("beta_start", TinyGraph.BETA_START);
    m.put("beta_end", TinyGraph.BETA_END);
    m.put("beta_schedule", "scaled_linear");
    m.put("prediction_type", "epsilon");
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(dir.resolve(ModelManifest.FILE_NAME).toFile(), m);
  }
}
