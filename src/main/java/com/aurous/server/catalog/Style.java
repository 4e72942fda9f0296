package com.aurous.server.catalog;

import java.util.List;

/**
 * One catalog entry of the loras table: a single LoRA or a bundle. {@code adapters} is what the
 * engine runs it with (a LoRA's own adapter, a bundle's members' adapters at their weights; empty
 * for a style without weights). Style defaults are null where the style sets none.
 */
public record Style(
    String id,
    String slug,
    String legacyUuid,
    String name,
    String kind,
    String description,
    String teamId,
    Integer steps,
    Double guidanceScale,
    Double cfgRescale,
    Double denoiseStrength,
    String styleTemplate,
    List<String> keywords,
    List<Adapter> adapters) {

  public static final String LORA = "lora";
  public static final String BUNDLE = "bundle";

  /** An adapter by its name in the model, and the weight it is applied at. */
  public record Adapter(String name, double weight) {}

  public boolean isBundle() {
    return BUNDLE.equals(kind);
  }
}
