package com.aurous.server.engine;

import io.vertx.sqlclient.Row;

/** A generation this worker holds a lease on: everything the step loop needs to run it. */
public record ClaimedGeneration(
    String id,
    String prompt,
    String negativePrompt,
    int width,
    int height,
    int steps,
    double guidanceScale,
    double cfgRescale,
    long seed,
    int imageCount,
    long createdAtMillis) {

  /** From a row of {@code GenerationStore.CLAIMED_COLUMNS}. */
  public static ClaimedGeneration from(Row r) {
    return new ClaimedGeneration(
        r.getString("id"),
        r.getString("prompt"),
        r.getString("negative_prompt"),
        r.getInteger("width"),
        r.getInteger("height"),
        r.getInteger("steps"),
        r.getDouble("guidance_scale"),
        r.getDouble("cfg_rescale"),
        r.getLong("seed"),
        r.getInteger("image_count"),
        r.getOffsetDateTime("created_at").toInstant().toEpochMilli());
  }
}
