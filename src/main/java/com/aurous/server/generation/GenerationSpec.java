package com.aurous.server.generation;

import com.aurous.server.pricing.CostEstimate;

import java.util.List;

/** A request with every default resolved: exactly what is stored and what the engine runs. */
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
    CostEstimate cost) {}
