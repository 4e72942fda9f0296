package com.aurous.server.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The small JSON manifest {@code aurous-model.json} that sits inside a model's SavedModel
 * directory and tells the server what the graph expects. See {@code MODEL_FORMAT.md}.
 *
 * <p>Parsing validates every field; an invalid manifest raises {@link ModelLoadException} whose
 * message names the file and the offending field.
 */
public record ModelManifest(
    String name,
    int latentChannels,
    int latentDownscale,
    int resolutionMultiple,
    int contextLength,
    int contextDim,
    Tokenizer tokenizer,
    Defaults defaults,
    int numTrainTimesteps,
    double betaStart,
    double betaEnd,
    String betaSchedule,
    String predictionType,
    boolean rescaleZeroTerminalSnr,
    String timestepSpacing) {

  public static final String FILE_NAME = "aurous-model.json";
  public static final String SAVED_MODEL_TAG = "serve";
  public static final String SIG_ENCODE_PROMPT = "encode_prompt";
  public static final String SIG_DENOISE = "denoise";
  public static final String SIG_DECODE = "decode";
  public static final String SIG_ENCODE_IMAGE = "encode_image";

  public static final Set<String> BETA_SCHEDULES = Set.of("linear", "scaled_linear");
  public static final Set<String> TIMESTEP_SPACINGS = Set.of("leading", "trailing");
  public static final Set<String> PREDICTION_TYPES = Set.of("epsilon", "v_prediction");
  public static final Set<String> TOKENIZER_TYPES = Set.of("word-hash");

  /** Prompt tokenizer settings; {@code max_length} must equal {@code context_length}. */
  public record Tokenizer(String type, int vocabSize, int maxLength) {}

  /** Generation defaults a request falls back to. */
  public record Defaults(int steps, double guidanceScale, double cfgRescale) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads and validates {@code dir/aurous-model.json}. */
  public static ModelManifest read(Path dir) {
    Path file = dir.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      throw new ModelLoadException("model at " + dir + ": manifest " + FILE_NAME + " is missing");
    }
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new ModelLoadException("model at " + dir + ": manifest " + FILE_NAME
          + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ModelLoadException("model at " + dir + ": manifest " + FILE_NAME
          + " cannot be read: " + e.getMessage(), e);
    }
    return parse(root, "model at " + dir + ": manifest " + FILE_NAME);
  }

  /** Parses and validates a manifest tree; {@code where} prefixes every error message. */
  public static ModelManifest parse(JsonNode root, String where) {
    if (root == null || !root.isObject()) {
      throw new ModelLoadException(where + ": top level must be a JSON object");
    }
    Fields f = new Fields(root, where, "");
    String name = f.string("name");
    if (name.isBlank()) {
      throw f.bad("name", "must not be blank");
    }
    int channels = f.positiveInt("latent_channels");
    int downscale = f.positiveInt("latent_downscale");
    int multiple = f.positiveInt("resolution_multiple");
    if (multiple % downscale != 0) {
      throw f.bad("resolution_multiple", "must be a multiple of latent_downscale (" + downscale + ")");
    }
    int contextLength = f.positiveInt("context_length");
    int contextDim = f.positiveInt("context_dim");

    Fields t = f.object("tokenizer");
    String type = t.string("type");
    if (!TOKENIZER_TYPES.contains(type)) {
      throw t.bad("type", "unknown tokenizer '" + type + "' (supported: " + TOKENIZER_TYPES + ")");
    }
    int vocab = t.positiveInt("vocab_size");
    if (vocab <= PromptTokenizer.FIRST_WORD_ID) {
      throw t.bad("vocab_size", "must be greater than " + PromptTokenizer.FIRST_WORD_ID);
    }
    int maxLength = t.node.has("max_length") ? t.positiveInt("max_length") : contextLength;
    if (maxLength != contextLength) {
      throw t.bad("max_length", "must equal context_length (" + contextLength + ")");
    }
    if (maxLength < 2) {
      throw t.bad("max_length", "must be at least 2 (BOS and EOS)");
    }

    Fields d = f.object("defaults");
    int steps = d.positiveInt("steps");
    double guidance = d.number("guidance_scale");
    if (guidance < 0) {
      throw d.bad("guidance_scale", "must be >= 0");
    }
    double rescale = d.number("cfg_rescale");
    if (rescale < 0 || rescale > 1) {
      throw d.bad("cfg_rescale", "must be within [0, 1]");
    }

    int trainSteps = f.positiveInt("num_train_timesteps");
    if (steps > trainSteps) {
      throw d.bad("steps", "must not exceed num_train_timesteps (" + trainSteps + ")");
    }
    double betaStart = f.number("beta_start");
    double betaEnd = f.number("beta_end");
    if (!(betaStart > 0 && betaStart < 1)) {
      throw f.bad("beta_start", "must be within (0, 1)");
    }
    if (!(betaEnd >= betaStart && betaEnd < 1)) {
      throw f.bad("beta_end", "must be within [beta_start, 1)");
    }
    String schedule = f.string("beta_schedule");
    if (!BETA_SCHEDULES.contains(schedule)) {
      throw f.bad("beta_schedule", "unknown schedule '" + schedule + "' (supported: "
          + BETA_SCHEDULES + ")");
    }
    String prediction = f.string("prediction_type");
    if (!PREDICTION_TYPES.contains(prediction)) {
      throw f.bad("prediction_type", "unknown prediction type '" + prediction + "' (supported: "
          + PREDICTION_TYPES + ")");
    }
    // Optional, as in diffusers' scheduler configs; absent means Stable Diffusion's choices.
    boolean zeroSnr = f.node.has("rescale_betas_zero_snr") && f.bool("rescale_betas_zero_snr");
    String spacing = f.node.has("timestep_spacing") ? f.string("timestep_spacing") : "leading";
    if (!TIMESTEP_SPACINGS.contains(spacing)) {
      throw f.bad("timestep_spacing", "unknown spacing '" + spacing + "' (supported: " + TIMESTEP_SPACINGS + ")");
    }
    return new ModelManifest(name, channels, downscale, multiple, contextLength, contextDim,
        new Tokenizer(type, vocab, maxLength), new Defaults(steps, guidance, rescale),
        trainSteps, betaStart, betaEnd, schedule, prediction, zeroSnr, spacing);
  }

  /** Typed field access with error messages that name the (dotted) field. */
  private record Fields(JsonNode node, String where, String prefix) {

    ModelLoadException bad(String field, String problem) {
      return new ModelLoadException(where + ": field '" + prefix + field + "' " + problem);
    }

    private JsonNode required(String field) {
      JsonNode v = node.get(field);
      if (v == null || v.isNull()) {
        throw bad(field, "is missing");
      }
      return v;
    }

    boolean bool(String field) {
      JsonNode v = required(field);
      if (!v.isBoolean()) {
        throw bad(field, "must be true or false, got " + v);
      }
      return v.asBoolean();
    }

    String string(String field) {
      JsonNode v = required(field);
      if (!v.isTextual()) {
        throw bad(field, "must be a string, got " + v);
      }
      return v.asText();
    }

    int positiveInt(String field) {
      JsonNode v = required(field);
      if (!v.isIntegralNumber() || !v.canConvertToInt()) {
        throw bad(field, "must be an integer, got " + v);
      }
      if (v.asInt() <= 0) {
        throw bad(field, "must be positive, got " + v.asInt());
      }
      return v.asInt();
    }

    double number(String field) {
      JsonNode v = required(field);
      if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
        throw bad(field, "must be a finite number, got " + v);
      }
      return v.asDouble();
    }

    Fields object(String field) {
      JsonNode v = required(field);
      if (!v.isObject()) {
        throw bad(field, "must be an object, got " + v);
      }
      return new Fields(v, where, prefix + field + ".");
    }
  }
}
