package com.aurous.server.catalog;

import java.util.List;

/**
 * What the LoRA and character catalogs contribute to one request: the canonical ids, the
 * style's defaults (null where the style sets none) and a character's reference images.
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
    Double characterDenoiseStrength) {

  public static final CatalogEntry NONE = new CatalogEntry(null, null, null, null, null, null, null, List.of(), null);
}
