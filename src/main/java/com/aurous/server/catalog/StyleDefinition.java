package com.aurous.server.catalog;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One catalog entry as an operator writes it in a JSON file (see README, "Styles (LoRAs) and
 * prompt enhancement"), checked against the same ranges the API applies to requests, so a style
 * can never default a generation to a value a client could not have sent.
 */
public record StyleDefinition(
    String id,
    String slug,
    String uuid,
    String name,
    String kind,
    String adapter,
    double adapterWeight,
    String description,
    String styleTemplate,
    List<String> keywords,
    Integer steps,
    Double guidanceScale,
    Double cfgRescale,
    Double denoiseStrength,
    String team,
    List<Member> members) {

  /** A bundle member: a LoRA's id, slug or UUID, and its weight in the bundle. */
  public record Member(String lora, double weight) {}

  public static final Pattern SLUG = Pattern.compile("^[a-z0-9]+(?:-[a-z0-9]+)*$");
  private static final Pattern ID = Pattern.compile("^lora_[0-9A-HJKMNP-TV-Z]{26}$");
  private static final Pattern ADAPTER = Pattern.compile("^[a-z0-9_]{1,64}$");
  private static final Set<String> FIELDS = Set.of("id", "slug", "uuid", "name", "kind", "adapter", "adapter_weight",
      "description", "style_template", "keywords", "steps", "guidance_scale", "cfg_rescale", "denoise_strength", "team",
      "members");

  /** Thrown with a sentence naming the entry and field at fault. */
  public static final class InvalidDefinition extends RuntimeException {
    public InvalidDefinition(String message) {
      super(message);
    }
  }

  /** A file holds one entry (an object) or several (an array); members come after what they name. */
  public static List<StyleDefinition> parseFile(Object json) {
    List<StyleDefinition> out = new ArrayList<>();
    if (json instanceof JsonObject o) {
      out.add(parse(o, "entry"));
    } else if (json instanceof JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        if (!(a.getValue(i) instanceof JsonObject o)) {
          throw new InvalidDefinition("entry " + i + " is not a JSON object");
        }
        out.add(parse(o, "entry " + i));
      }
    } else {
      throw new InvalidDefinition("the file must hold a JSON object or an array of objects");
    }
    return out;
  }

  static StyleDefinition parse(JsonObject o, String where) {
    for (String f : o.fieldNames()) {
      if (!FIELDS.contains(f)) {
        throw new InvalidDefinition(where + ": unknown field '" + f + "'");
      }
    }
    String slug = string(o, "slug", where, true, 64);
    where = where + " (" + slug + ")";
    if (!SLUG.matcher(slug).matches()) {
      throw new InvalidDefinition(where + ": slug must be lower-case words joined by '-' (a-z, 0-9)");
    }
    String id = string(o, "id", where, false, 40);
    if (id != null && !ID.matcher(id).matches()) {
      throw new InvalidDefinition(where + ": id must be lora_ followed by a 26-character ULID");
    }
    String uuid = string(o, "uuid", where, false, 36);
    if (uuid != null) {
      try {
        uuid = UUID.fromString(uuid).toString();
      } catch (IllegalArgumentException e) {
        throw new InvalidDefinition(where + ": uuid is not a UUID");
      }
    }
    String kind = o.containsKey("kind") ? string(o, "kind", where, true, 10) : Style.LORA;
    if (!kind.equals(Style.LORA) && !kind.equals(Style.BUNDLE)) {
      throw new InvalidDefinition(where + ": kind must be 'lora' or 'bundle'");
    }
    String adapter = string(o, "adapter", where, false, 64);
    if (adapter != null && !ADAPTER.matcher(adapter).matches()) {
      throw new InvalidDefinition(where + ": adapter must be the adapter's name in the model (a-z, 0-9, _)");
    }
    String template = string(o, "style_template", where, false, 1000);
    if (template != null && !template.contains("{prompt}")) {
      throw new InvalidDefinition(where + ": style_template must contain {prompt}");
    }
    List<String> keywords = new ArrayList<>();
    if (o.containsKey("keywords")) {
      if (!(o.getValue("keywords") instanceof JsonArray arr) || arr.size() > 50) {
        throw new InvalidDefinition(where + ": keywords must be an array of at most 50 strings");
      }
      for (Object k : arr) {
        if (!(k instanceof String s) || StylePicker.words(s).isEmpty() || s.length() > 100) {
          throw new InvalidDefinition(where + ": each keyword must be a string of 1-100 characters with a letter or digit");
        }
        keywords.add(s.toLowerCase(java.util.Locale.ROOT).trim());
      }
    }
    List<Member> members = new ArrayList<>();
    if (kind.equals(Style.BUNDLE)) {
      if (adapter != null) {
        throw new InvalidDefinition(where + ": a bundle has members, not an adapter of its own");
      }
      if (!(o.getValue("members") instanceof JsonArray arr) || arr.isEmpty() || arr.size() > 8) {
        throw new InvalidDefinition(where + ": a bundle needs 1-8 members [{\"lora\": \"slug\", \"weight\": 0.6}]");
      }
      for (Object m : arr) {
        if (!(m instanceof JsonObject mo) || !(mo.getValue("lora") instanceof String ref)
            || !(mo.getValue("weight", 1.0) instanceof Number w) || w.doubleValue() <= 0 || w.doubleValue() > 4
            || mo.size() > 2) {
          throw new InvalidDefinition(where + ": each member is {\"lora\": id or slug, \"weight\": (0, 4]}");
        }
        members.add(new Member(ref, w.doubleValue()));
      }
    } else if (o.containsKey("members")) {
      throw new InvalidDefinition(where + ": only a bundle has members");
    }
    return new StyleDefinition(id, slug, uuid, string(o, "name", where, true, 200), kind, adapter,
        number(o, "adapter_weight", where, 0, 4, 1.0), string(o, "description", where, false, 2000), template,
        List.copyOf(keywords), steps(o, where), optional(o, "guidance_scale", where, 0.1, 30),
        optional(o, "cfg_rescale", where, 0, 1), optional(o, "denoise_strength", where, 0, 1),
        string(o, "team", where, false, 200), List.copyOf(members));
  }

  private static String string(JsonObject o, String field, String where, boolean required, int max) {
    Object v = o.getValue(field);
    if (v == null) {
      if (required) {
        throw new InvalidDefinition(where + ": " + field + " is required");
      }
      return null;
    }
    if (!(v instanceof String s) || s.isBlank() || s.length() > max || s.indexOf('\0') >= 0) {
      throw new InvalidDefinition(where + ": " + field + " must be a non-blank string of at most " + max + " characters");
    }
    return s;
  }

  private static Integer steps(JsonObject o, String where) {
    Object v = o.getValue("steps");
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < 1 || n.intValue() > 100) {
      throw new InvalidDefinition(where + ": steps must be a whole number in [1, 100]");
    }
    return n.intValue();
  }

  private static Double optional(JsonObject o, String field, String where, double min, double max) {
    return o.getValue(field) == null ? null : number(o, field, where, min, max, 0);
  }

  private static double number(JsonObject o, String field, String where, double min, double max, double dflt) {
    Object v = o.getValue(field);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Number n) || !(n.doubleValue() >= min && n.doubleValue() <= max)) {
      throw new InvalidDefinition(where + ": " + field + " must be a number in [" + min + ", " + max + "]");
    }
    return n.doubleValue();
  }
}
