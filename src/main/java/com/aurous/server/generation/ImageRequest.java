package com.aurous.server.generation;

import java.util.List;

/**
 * A validated image request, as the client sent it: optional numbers stay null here and are
 * resolved against the LoRA, the character and the platform defaults by {@link GenerationDefaults}.
 */
public record ImageRequest(
    String prompt,
    String negativePrompt,
    String loraId,
    String characterId,
    ImageSizes.Size size,
    String sizePreset,
    Integer steps,
    Double guidanceScale,
    Double cfgRescale,
    Double denoiseStrength,
    Long seed,
    int count,
    boolean enhancePrompt,
    String webhookUrl,
    List<String> referenceImageUrls) {

  public boolean hasReferences() {
    return !referenceImageUrls.isEmpty() || characterId != null;
  }
}
