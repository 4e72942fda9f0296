package com.aurous.server.generation;

import com.aurous.server.catalog.Style;
import com.aurous.server.pricing.CostEstimate;

import java.util.List;

/**
 * A request with every default resolved: exactly what is stored and what the engine runs.
 * {@code prompt} is the prompt the model gets (enhanced when enhance_prompt rewrote it),
 * {@code originalPrompt} the client's own.
 */
public record GenerationSpec(
    String prompt,
    String negativePrompt,
    String loraId,
    String characterId,
    int width,
    int height,
    String sizePreset,
    int steps,
    double guidanceScale,
    double cfgRescale,
    Double denoiseStrength,
    long seed,
    int count,
    boolean enhancePrompt,
    String webhookUrl,
    List<String> referenceImageUrls,
    String inferenceType,
    CostEstimate cost,
    String originalPrompt,
    /** "requested", "auto" or null (no style): see CatalogEntry. */
    String loraSelection,
    /** The adapters snapshotted into generations.adapters for the engine. */
    List<Style.Adapter> adapters,
    /** "llm" or "template" when enhance_prompt rewrote the prompt; null otherwise. */
    String promptEnhancer,
    /** Why the LLM's rewrite was not used and the template's was (timeout, circuit_open, ...); null otherwise. */
    String promptEnhanceFallback) {

  /** This spec with the prompt enhance_prompt produced; the client's prompt stays in originalPrompt. */
  public GenerationSpec withEnhancedPrompt(String enhanced, String enhancer, String fallback) {
    return new GenerationSpec(enhanced, negativePrompt, loraId, characterId, width, height, sizePreset, steps, guidanceScale,
        cfgRescale, denoiseStrength, seed, count, enhancePrompt, webhookUrl, referenceImageUrls, inferenceType, cost,
        originalPrompt, loraSelection, adapters, enhancer, fallback);
  }
}
