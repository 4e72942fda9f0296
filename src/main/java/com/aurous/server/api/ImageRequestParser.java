package com.aurous.server.api;

import com.aurous.server.generation.SeedPlan;
import com.aurous.server.generation.ImageRequest;
import com.aurous.server.generation.ImageSizes;
import com.aurous.server.net.UrlChecker;
import com.aurous.server.util.Ids;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates the body of POST /v1/images and POST /v1/images/estimate. Both endpoints share the
 * estimate page's rules (the stricter ones); the create page's older size names are aliases.
 * Pure and synchronous: catalog lookups happen afterwards, in {@code CatalogResolver}.
 */
public final class ImageRequestParser {
  public static final int MAX_PROMPT = 4000;
  public static final int MAX_REFERENCES = 6;
  public static final int MAX_SLUG = 64;

  private static final Set<String> FIELDS = Set.of(
      "prompt", "negative_prompt", "lora_id", "character_id", "width", "height", "steps",
      "guidance_scale", "cfg_rescale", "denoise_strength", "seed", "size", "count",
      "enhance_prompt", "webhook_url", "reference_image_urls");
  private static final Pattern SLUG = Pattern.compile("^[a-z0-9]+(?:-[a-z0-9]+)*$");
  private static final Pattern UUID = Pattern.compile(
      "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

  private final UrlChecker referenceUrls;
  private final UrlChecker webhookUrls;

  public ImageRequestParser(UrlChecker referenceUrls, UrlChecker webhookUrls) {
    this.referenceUrls = referenceUrls;
    this.webhookUrls = webhookUrls;
  }

  public ImageRequest parse(JsonObject body) {
    for (String field : body.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw ApiException.invalid("unknown_field", "Unknown field '" + field + "'.", field);
      }
    }
    // Decided on presence alone, before either value is read or looked up: the pages name this
    // error for sending both, whatever the values are.
    if (present(body, "character_id") && body.getValue("reference_image_urls") instanceof JsonArray refs && !refs.isEmpty()) {
      throw ApiException.invalid("mutually_exclusive_input",
          "Send either character_id or reference_image_urls, not both.", "character_id");
    }
    String prompt = requiredString(body, "prompt");
    checkText("prompt", prompt);
    String negative = optionalString(body, "negative_prompt");
    if (negative != null) {
      checkText("negative_prompt", negative);
    }
    String loraId = optionalString(body, "lora_id");
    if (loraId != null && !isLoraReference(loraId)) {
      throw ApiException.invalid("invalid_value", "lora_id must be a lora_ identifier (lora_ and 1-" + Ids.MAX_BODY_LENGTH
          + " URL-safe characters), a URL-friendly slug or a UUID.", "lora_id");
    }
    String characterId = optionalString(body, "character_id");
    if (characterId != null && !(Ids.isId("char", characterId) || UUID.matcher(characterId).matches())) {
      throw ApiException.invalid("invalid_value", "character_id must be a char_ identifier (char_ and 1-" + Ids.MAX_BODY_LENGTH
          + " URL-safe characters) or a UUID.", "character_id");
    }
    List<String> references = references(body);

    String sizeName = optionalString(body, "size");
    boolean hasWidth = present(body, "width");
    boolean hasHeight = present(body, "height");
    ImageSizes.Size size;
    if (sizeName != null) {
      if (hasWidth || hasHeight) {
        throw ApiException.invalid("parameter_invalid_combination",
            "Use either size or custom width/height, not both.", hasWidth ? "width" : "height");
      }
      size = ImageSizes.preset(sizeName);
      if (size == null) {
        throw ApiException.invalid("invalid_value", "size must be one of " + String.join(", ", ImageSizes.presets().keySet()) + ".", "size");
      }
    } else if (hasWidth || hasHeight) {
      if (!hasWidth) {
        throw ApiException.invalid("missing_field", "height was sent without width; send both or use size.", "width");
      }
      if (!hasHeight) {
        throw ApiException.invalid("missing_field", "width was sent without height; send both or use size.", "height");
      }
      double w = number(body, "width", ImageSizes.MIN_CUSTOM, ImageSizes.MAX_CUSTOM);
      double h = number(body, "height", ImageSizes.MIN_CUSTOM, ImageSizes.MAX_CUSTOM);
      size = new ImageSizes.Size(ImageSizes.snap(w), ImageSizes.snap(h));
    } else {
      sizeName = null;
      size = ImageSizes.preset("square");
    }

    Integer steps = present(body, "steps") ? (int) integer(body, "steps", 1, 100) : null;
    Double guidance = present(body, "guidance_scale") ? number(body, "guidance_scale", 0.1, 30) : null;
    Double cfgRescale = present(body, "cfg_rescale") ? number(body, "cfg_rescale", 0, 1) : null;
    Double denoise = present(body, "denoise_strength") ? number(body, "denoise_strength", 0, 1) : null;
    Long seed = present(body, "seed") ? integer(body, "seed", 0, SeedPlan.MAX_SEED) : null;
    int count = present(body, "count") ? (int) integer(body, "count", 1, 4) : 1;
    boolean enhance = false;
    if (present(body, "enhance_prompt")) {
      if (!(body.getValue("enhance_prompt") instanceof Boolean b)) {
        throw wrongType("enhance_prompt", "a boolean");
      }
      enhance = b;
    }
    String webhook = optionalString(body, "webhook_url");
    if (webhook != null) {
      String problem = webhookUrls.problem(webhook);
      if (problem != null) {
        throw ApiException.invalid("invalid_url", "webhook_url " + problem + ".", "webhook_url");
      }
    }
    return new ImageRequest(prompt, negative, loraId, characterId, size, sizeName, steps, guidance,
        cfgRescale, denoise, seed, count, enhance, webhook, references);
  }

  /**
   * The body's reference_image_urls, each a file_ id or an acceptable URL (empty when absent);
   * POST /v1/characters checks its references with the same rules.
   */
  public List<String> references(JsonObject body) {
    if (!present(body, "reference_image_urls")) {
      return List.of();
    }
    if (!(body.getValue("reference_image_urls") instanceof JsonArray arr)) {
      throw wrongType("reference_image_urls", "an array of strings");
    }
    if (arr.size() > MAX_REFERENCES) {
      throw ApiException.invalid("too_many_items",
          "reference_image_urls holds at most " + MAX_REFERENCES + " entries, got " + arr.size() + ".", "reference_image_urls");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < arr.size(); i++) {
      String param = "reference_image_urls[" + i + "]";
      if (!(arr.getValue(i) instanceof String s)) {
        throw wrongType(param, "a string");
      }
      if (s.startsWith("file_")) {
        if (!Ids.isId("file", s)) {
          throw ApiException.invalid("invalid_value", param + " must be a file_ id (file_ and 1-" + Ids.MAX_BODY_LENGTH
              + " URL-safe characters) or an https URL.", param);
        }
      } else {
        String problem = referenceUrls.problem(s);
        if (problem != null) {
          throw ApiException.invalid("invalid_url", param + " " + problem + ".", param);
        }
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  /** What lora_id may be: a lora_ id, a slug or a UUID (whether it names anything is the catalog's question). */
  static boolean isLoraReference(String s) {
    return Ids.isId("lora", s) || isSlug(s) || UUID.matcher(s).matches();
  }

  static boolean isSlug(String s) {
    return s.length() <= MAX_SLUG && SLUG.matcher(s).matches();
  }

  // ---- field readers ----------------------------------------------------------------

  /** A field sent as JSON null counts as omitted, so clients may send explicit nulls for "default". */
  private static boolean present(JsonObject body, String field) {
    return body.getValue(field) != null;
  }

  private static String requiredString(JsonObject body, String field) {
    if (!present(body, field)) {
      throw ApiException.invalid("missing_field", field + " is required.", field);
    }
    return optionalString(body, field);
  }

  private static String optionalString(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw wrongType(field, "a string");
    }
    return s;
  }

  private static void checkText(String field, String value) {
    int length = value.codePointCount(0, value.length());
    if (length == 0) {
      throw ApiException.invalid("string_too_short", field + " must be 1-" + MAX_PROMPT + " characters.", field);
    }
    if (length > MAX_PROMPT) {
      throw ApiException.invalid("string_too_long",
          field + " must be at most " + MAX_PROMPT + " characters, got " + length + ".", field);
    }
    if (value.isBlank()) {
      throw ApiException.invalid("blank_string", field + " must not be only whitespace.", field);
    }
    if (value.indexOf('\0') >= 0) {
      // PostgreSQL text cannot hold NUL; without this check a create failed with a 500.
      throw ApiException.invalid("invalid_value", field + " must not contain NUL (\\u0000) characters.", field);
    }
  }

  private static double number(JsonObject body, String field, double min, double max) {
    Object v = body.getValue(field);
    if (!(v instanceof Number n)) {
      throw wrongType(field, "a number");
    }
    double d = n.doubleValue();
    if (!Double.isFinite(d) || d < min || d > max) {
      throw outOfRange(field, fmt(min), fmt(max), v);
    }
    return d;
  }

  private static long integer(JsonObject body, String field, long min, long max) {
    Object v = body.getValue(field);
    if (!(v instanceof Number n)) {
      throw wrongType(field, "an integer");
    }
    BigDecimal d;
    if (n instanceof BigDecimal bd) {
      d = bd;
    } else if (n instanceof BigInteger bi) {
      d = new BigDecimal(bi);
    } else if (n instanceof Double || n instanceof Float) {
      if (!Double.isFinite(n.doubleValue())) {
        throw outOfRange(field, fmt(min), fmt(max), v);
      }
      d = BigDecimal.valueOf(n.doubleValue());
    } else {
      d = BigDecimal.valueOf(n.longValue());
    }
    if (d.stripTrailingZeros().scale() > 0) {
      throw wrongType(field, "an integer");
    }
    if (d.compareTo(BigDecimal.valueOf(min)) < 0 || d.compareTo(BigDecimal.valueOf(max)) > 0) {
      throw outOfRange(field, fmt(min), fmt(max), v);
    }
    return d.longValueExact();
  }

  private static ApiException wrongType(String field, String expected) {
    return ApiException.invalid("invalid_type", field + " must be " + expected + ".", field);
  }

  private static ApiException outOfRange(String field, String min, String max, Object got) {
    return ApiException.invalid("out_of_range", field + " must be between " + min + " and " + max + ", got " + got + ".", field);
  }

  private static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }
}
