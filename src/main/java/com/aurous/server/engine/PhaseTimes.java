package com.aurous.server.engine;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where one generation's time goes inside a worker, phase by phase, so single-image latency can
 * be taken apart (benchmarks/ reads it): each phase's histogram holds the time from the previous
 * phase's mark to its own. Marks come from the worker context and the step-loop thread.
 */
public final class PhaseTimes {
  /** In the order a generation passes them. */
  public enum Phase {
    /** The worker began the claim that returned it (an event-bus wake-up or a poll). */
    WOKEN,
    CLAIMED,
    FIRST_STEP,
    LAST_STEP,
    DECODED,
    ENCODED,
    STORED,
    PUBLISHED
  }

  /** Generations being timed at once; beyond this, new ones go untimed (the map must not grow). */
  private static final int MAX_OPEN = 4096;

  private final Map<String, long[]> open = new ConcurrentHashMap<>();
  private final Map<Phase, Histogram> micros = new EnumMap<>(Phase.class);

  public PhaseTimes() {
    for (Phase p : Phase.values()) {
      micros.put(p, new ConcurrentHistogram(3_600_000_000L, 3));
    }
  }

  void mark(String generationId, Phase phase) {
    mark(generationId, phase, System.nanoTime());
  }

  void mark(String generationId, Phase phase, long now) {
    long[] marks = phase == Phase.WOKEN && open.size() < MAX_OPEN
        ? open.computeIfAbsent(generationId, k -> new long[Phase.values().length])
        : open.get(generationId);
    if (marks == null) {
      return;
    }
    marks[phase.ordinal()] = now;
    if (phase == Phase.PUBLISHED) {
      open.remove(generationId);
      long previous = marks[0];
      for (Phase p : Phase.values()) {
        long at = marks[p.ordinal()];
        if (p != Phase.WOKEN && at != 0 && previous != 0) {
          micros.get(p).recordValue(Math.max(0, (at - previous) / 1000));
        }
        if (at != 0) {
          previous = at;
        }
      }
    }
  }

  /** A generation that ends otherwise (failed, cancelled, not applied) is simply not timed. */
  void forget(String generationId) {
    open.remove(generationId);
  }

  /** Time from the previous phase's mark to this one's, in microseconds (WOKEN's stays empty). */
  public Histogram micros(Phase phase) {
    return micros.get(phase);
  }

  public void reset() {
    micros.values().forEach(Histogram::reset);
  }
}
