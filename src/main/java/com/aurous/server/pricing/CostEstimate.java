package com.aurous.server.pricing;

import io.vertx.core.json.JsonObject;

/** What a generation costs, in whole credits, with the parts that make it up. */
public record CostEstimate(long amount, long base, long enhance, long references, String currency) {

  /** {"amount":..,"breakdown":{"base":..[,"enhance":..][,"references":..]}}; absent parts are omitted. */
  public JsonObject toJson(boolean withCurrency) {
    JsonObject breakdown = new JsonObject().put("base", base);
    if (enhance > 0) {
      breakdown.put("enhance", enhance);
    }
    if (references > 0) {
      breakdown.put("references", references);
    }
    JsonObject o = new JsonObject().put("amount", amount);
    if (withCurrency) {
      o.put("currency", currency);
    }
    return o.put("breakdown", breakdown);
  }
}
