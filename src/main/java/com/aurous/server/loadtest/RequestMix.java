package com.aurous.server.loadtest;

import com.aurous.server.cli.CliArgs.CliException;

import java.util.EnumMap;
import java.util.Map;
import java.util.Random;

/** Weighted choice of request kinds, e.g. {@code estimate=70,create=20,get=10}. */
final class RequestMix {
  private final EnumMap<RequestKind, Integer> weights;
  private final int total;

  private RequestMix(EnumMap<RequestKind, Integer> weights) {
    this.weights = weights;
    this.total = weights.values().stream().mapToInt(Integer::intValue).sum();
  }

  static RequestMix parse(String spec) {
    EnumMap<RequestKind, Integer> w = new EnumMap<>(RequestKind.class);
    for (String part : spec.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      String[] kv = part.split("=", 2);
      RequestKind kind = RequestKind.parse(kv[0]);
      int weight;
      try {
        weight = kv.length == 1 ? 1 : Integer.parseInt(kv[1].trim());
      } catch (NumberFormatException e) {
        throw new CliException("mix weight of " + kind.label() + " must be a whole number, got '" + kv[1] + "'");
      }
      if (weight < 0) {
        throw new CliException("mix weight of " + kind.label() + " must not be negative");
      }
      w.merge(kind, weight, Integer::sum);
    }
    w.values().removeIf(v -> v == 0);
    if (w.isEmpty()) {
      throw new CliException("--mix needs at least one kind with a positive weight");
    }
    return new RequestMix(w);
  }

  RequestKind pick(Random random) {
    int r = random.nextInt(total);
    for (Map.Entry<RequestKind, Integer> e : weights.entrySet()) {
      r -= e.getValue();
      if (r < 0) {
        return e.getKey();
      }
    }
    throw new IllegalStateException("weights sum to " + total);
  }

  boolean includes(RequestKind kind) {
    return weights.containsKey(kind);
  }

  Map<String, Integer> asMap() {
    Map<String, Integer> m = new java.util.LinkedHashMap<>();
    weights.forEach((k, v) -> m.put(k.label(), v));
    return m;
  }
}
