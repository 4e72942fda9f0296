package com.aurous.server.engine;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.util.ArrayList;
import java.util.List;

/**
 * A generation this worker holds a lease on: everything the step loop needs to run it.
 *
 * @param referenceImageUrls the references snapshotted at create ({@code file_...} ids or https
 *     URLs; empty for text-to-image), resolved through a {@link ReferenceSource} before it runs
 * @param denoiseStrength null for text-to-image; else 0 keeps the reference, 1 ignores it
 * @param adapters the LoRA adapters it runs with (empty: the base model alone)
 */
public record ClaimedGeneration(
    String id,
    String teamId,
    String prompt,
    String negativePrompt,
    int width,
    int height,
    int steps,
    double guidanceScale,
    double cfgRescale,
    long seed,
    int imageCount,
    long createdAtMillis,
    Double denoiseStrength,
    List<String> referenceImageUrls,
    List<AdapterUse> adapters) {

  /** One LoRA adapter applied to a generation, by the adapter's name in the model, and its weight. */
  public record AdapterUse(String name, double weight) {}

  public ClaimedGeneration {
    referenceImageUrls = referenceImageUrls == null ? List.of() : List.copyOf(referenceImageUrls);
    adapters = adapters == null ? List.of() : List.copyOf(adapters);
  }

  /** Image-to-image: it starts from its references rather than from noise alone. */
  public boolean hasReferences() {
    return !referenceImageUrls.isEmpty();
  }

  /** From a row of {@code GenerationStore.CLAIMED_COLUMNS}. */
  public static ClaimedGeneration from(Row r) {
    List<String> refs = new ArrayList<>();
    if (r.getValue("reference_image_urls") instanceof JsonArray arr) {
      arr.forEach(o -> refs.add(String.valueOf(o)));
    }
    List<AdapterUse> adapters = new ArrayList<>();
    if (r.getValue("adapters") instanceof JsonArray arr) {
      for (Object o : arr) {
        if (o instanceof JsonObject a) {
          adapters.add(new AdapterUse(a.getString("name"), a.getDouble("weight", 1.0)));
        }
      }
    }
    return new ClaimedGeneration(
        r.getString("id"),
        r.getString("team_id"),
        r.getString("prompt"),
        r.getString("negative_prompt"),
        r.getInteger("width"),
        r.getInteger("height"),
        r.getInteger("steps"),
        r.getDouble("guidance_scale"),
        r.getDouble("cfg_rescale"),
        r.getLong("seed"),
        r.getInteger("image_count"),
        r.getOffsetDateTime("created_at").toInstant().toEpochMilli(),
        r.getDouble("denoise_strength"),
        refs,
        adapters);
  }
}
