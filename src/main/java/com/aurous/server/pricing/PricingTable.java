package com.aurous.server.pricing;

import com.aurous.server.config.ServerConfig;
import io.vertx.core.json.JsonObject;

/**
 * The price list from {@code pricing} in conf/aurous.json: a per-image base by size tier,
 * multiplied by count; prompt enhancement multiplies that base (the extra shows as "enhance");
 * each reference image adds a flat rate. Fractions round up to whole credits.
 */
public final class PricingTable {
  private final JsonObject basePerImage;
  private final double enhanceMultiplier;
  private final long perReference;
  private final String currency;

  public PricingTable(ServerConfig config) {
    this.basePerImage = config.pricingTable();
    this.enhanceMultiplier = config.number("pricing.enhance_multiplier");
    this.perReference = config.longInteger("pricing.per_reference");
    this.currency = config.string("pricing.currency");
  }

  public CostEstimate estimate(int width, int height, int count, boolean enhance, int referenceCount) {
    double perImage = basePerImage.getDouble(tier(width, height));
    long base = (long) Math.ceil(perImage * count);
    long enhanceExtra = enhance ? (long) Math.ceil(base * (enhanceMultiplier - 1.0)) : 0;
    long refs = perReference * referenceCount;
    return new CostEstimate(base + enhanceExtra + refs, base, enhanceExtra, refs, currency);
  }

  /** Pricing tier by the long side: up to 1536 is 1k, up to 2048 is 2k, larger is 4k. */
  public static String tier(int width, int height) {
    int longSide = Math.max(width, height);
    if (longSide <= 1536) {
      return "1k";
    }
    return longSide <= 2048 ? "2k" : "4k";
  }

  public String currency() {
    return currency;
  }
}
