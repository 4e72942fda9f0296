package com.aurous.server.catalog;

import java.util.List;

/**
 * What the LoRA and character catalogs contribute to one request: the canonical ids, the
 * style's defaults (null where the style sets none), its template and adapters, how it was
 * chosen, and a character's reference images.
 */
public record CatalogEntry(
    String loraId,
    String loraName,
    Integer loraSteps,
    Double loraGuidanceScale,
    Double loraCfgRescale,
    Double loraDenoiseStrength,
    String characterId,
    List<String> characterReferences,
    Double characterDenoiseStrength,
    /** "lora" or "bundle"; null without a style. */
    String loraKind,
    /** The style's prompt template ("{prompt}, ..."), what enhance_prompt rewrites with; may be null. */
    String styleTemplate,
    /** The adapters the engine applies (a bundle's members at their weights); empty without a style. */
    List<Style.Adapter> adapters,
    /** "requested" (lora_id named it), "auto" (picked from the prompt's keywords) or null (no style). */
    String loraSelection) {

  public static final String REQUESTED = "requested";
  public static final String AUTO = "auto";

  public static final CatalogEntry NONE = new CatalogEntry(null, null, null, null, null, null, null, List.of(), null,
      null, null, List.of(), null);
}
