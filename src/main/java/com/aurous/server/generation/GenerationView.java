package com.aurous.server.generation;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * Renders a generations row (joined with its LoRA's name and kind) as the create page's generation object:
 * every field it lists is present, null where it does not apply (video fields on images, for one).
 */
public final class GenerationView {
  /** The columns {@link #toJson} reads (g: generations, l: its LoRA); GenerationStore selects them. */
  public static final String COLUMNS = "g.id, g.status, g.prompt, g.negative_prompt, g.lora_id, l.name AS lora_name,"
      + " g.character_id, g.width, g.height, g.size_preset, g.steps, g.guidance_scale, g.cfg_rescale,"
      + " g.denoise_strength, g.seed, g.image_count, g.enhance_prompt, g.webhook_url, g.reference_image_urls,"
      + " g.inference_type, g.cost, g.aurous_version, g.creation_request_id, g.error_message, g.created_at,"
      + " g.completed_at, g.duration_ms, l.kind AS lora_kind, coalesce(g.original_prompt, g.prompt) AS original_prompt,"
      + " g.lora_selection, g.prompt_enhancer, g.prompt_enhance_fallback";

  private final OutputLinks links;

  public GenerationView(OutputLinks links) {
    this.links = links;
  }

  public JsonObject toJson(Row r) {
    String id = r.getString("id");
    String status = r.getString("status");
    String loraId = r.getString("lora_id");
    boolean bundle = "bundle".equals(r.getString("lora_kind"));
    Object refs = r.getValue("reference_image_urls");
    JsonArray outputs = null;
    if (GenerationStatus.SUCCEEDED.equals(status)) {
      var urls = links.urls(id, r.getInteger("image_count"), r.getOffsetDateTime("completed_at"));
      outputs = urls == null ? null : new JsonArray(urls);
    }
    return new JsonObject()
        .put("id", id)
        .put("object", "image")
        .put("status", status)
        .put("prompt", r.getString("prompt"))
        .put("created_at", timestamp(r.getOffsetDateTime("created_at")))
        .put("media_type", "image")
        .put("negative_prompt", r.getString("negative_prompt"))
        .put("output_urls", outputs)
        .put("output_video_url", null)
        .put("reference_image_urls", refs instanceof JsonArray a && !a.isEmpty() ? a : null)
        .put("error_message", r.getString("error_message"))
        .put("duration_ms", r.getLong("duration_ms"))
        .put("cost", r.getValue("cost"))
        .put("width", r.getInteger("width"))
        .put("height", r.getInteger("height"))
        .put("image_count", r.getInteger("image_count"))
        .put("size_preset", r.getString("size_preset"))
        .put("inference_type", r.getString("inference_type"))
        .put("seed", r.getLong("seed"))
        .put("steps", r.getInteger("steps"))
        .put("guidance_scale", r.getDouble("guidance_scale"))
        .put("cfg_rescale", r.getDouble("cfg_rescale"))
        .put("denoise_strength", r.getDouble("denoise_strength"))
        .put("enhance_prompt", r.getBoolean("enhance_prompt"))
        .put("webhook_url", r.getString("webhook_url"))
        .put("video_duration", null)
        .put("video_resolution", null)
        .put("video_ratio", null)
        .put("video_camera_fixed", null)
        .put("character_id", r.getString("character_id"))
        // A bundle shows its name and loras null: members are not unrolled (the create page, D24).
        .put("bundle_name", bundle ? r.getString("lora_name") : null)
        .put("loras", loraId == null || bundle ? null
            : new JsonArray().add(new JsonObject().put("id", loraId).put("name", r.getString("lora_name"))))
        .put("lora_selection", r.getString("lora_selection"))
        .put("original_prompt", r.getString("original_prompt"))
        .put("prompt_enhancer", r.getString("prompt_enhancer"))
        .put("prompt_enhance_fallback", r.getString("prompt_enhance_fallback"))
        .put("aurous_version", r.getString("aurous_version"))
        .put("creation_request_id", r.getString("creation_request_id"))
        .put("completed_at", timestamp(r.getOffsetDateTime("completed_at")));
  }

  public static String timestamp(OffsetDateTime t) {
    return t == null ? null
        : DateTimeFormatter.ISO_INSTANT.format(t.withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MILLIS));
  }
}
