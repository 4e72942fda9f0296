package com.aurous.server.generation;

import com.aurous.server.catalog.CatalogEntry;
import com.aurous.server.pricing.CostEstimate;
import com.aurous.server.pricing.PricingTable;

import java.util.List;

/**
 * Resolves optional parameters in the order the estimate page gives: an explicit value, else the
 * selected style's (LoRA's) default, else the platform default. denoise_strength exists only when
 * references or a character are attached; otherwise it is ignored and stays null.
 */
public final class GenerationDefaults {
  public static final int STEPS = 11;
  public static final double GUIDANCE_SCALE = 4.3;
  public static final double CFG_RESCALE = 0.7;
  public static final double DENOISE_STRENGTH = 0.6;

  private final PricingTable pricing;

  public GenerationDefaults(PricingTable pricing) {
    this.pricing = pricing;
  }

  public CostEstimate cost(ImageRequest req, CatalogEntry catalog) {
    return pricing.estimate(req.size().width(), req.size().height(), req.count(), req.enhancePrompt(), references(req, catalog).size());
  }

  public GenerationSpec resolve(ImageRequest req, CatalogEntry catalog) {
    List<String> refs = references(req, catalog);
    boolean i2i = !refs.isEmpty() || catalog.characterId() != null;
    Double denoise = null;
    if (i2i) {
      denoise = first(req.denoiseStrength(), catalog.loraDenoiseStrength(), catalog.characterDenoiseStrength(), DENOISE_STRENGTH);
    }
    long seed = req.seed() != null ? req.seed() : SeedPlan.randomSeed();
    return new GenerationSpec(
        req.prompt(),
        req.negativePrompt(),
        catalog.loraId(),
        catalog.characterId(),
        req.size().width(),
        req.size().height(),
        req.sizePreset(),
        first(req.steps(), catalog.loraSteps(), STEPS),
        first(req.guidanceScale(), catalog.loraGuidanceScale(), GUIDANCE_SCALE),
        first(req.cfgRescale(), catalog.loraCfgRescale(), CFG_RESCALE),
        denoise,
        seed,
        req.count(),
        req.enhancePrompt(),
        req.webhookUrl(),
        refs,
        i2i ? "i2i" : "t2i",
        cost(req, catalog),
        req.prompt(),
        catalog.loraSelection(),
        catalog.adapters(),
        null,
        null);
  }

  /** A character's references are snapshotted at submission, as the create page says. */
  private static List<String> references(ImageRequest req, CatalogEntry catalog) {
    return catalog.characterId() != null ? catalog.characterReferences() : req.referenceImageUrls();
  }

  @SafeVarargs
  private static <T> T first(T... values) {
    for (T v : values) {
      if (v != null) {
        return v;
      }
    }
    return null;
  }
}
