package com.aurous.server.model.scenes;

import java.util.List;

/**
 * SplitMix64: a tiny generator whose output is fixed by its published algorithm, so a scene seed
 * means the same scene on every JVM. Consecutive seeds give unrelated streams (the seed itself is
 * mixed), unlike {@link java.util.Random}.
 */
final class SceneRandom {

  private long state;

  SceneRandom(long seed) {
    this.state = mix(seed ^ 0x6A09E667F3BCC909L);
  }

  long nextLong() {
    state += 0x9E3779B97F4A7C15L;
    return mix(state);
  }

  /** Uniform in [0, 1). */
  double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [0, bound). */
  int nextInt(int bound) {
    return (int) Math.floor(nextDouble() * bound);
  }

  boolean chance(double p) {
    return nextDouble() < p;
  }

  <T> T pick(List<T> items) {
    return items.get(nextInt(items.size()));
  }

  <T> T pick(T[] items) {
    return items[nextInt(items.length)];
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
