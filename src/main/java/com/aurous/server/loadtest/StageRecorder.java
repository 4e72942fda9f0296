package com.aurous.server.loadtest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one stage (or its warm-up) saw. Latency runs from each request's intended send time (the
 * schedule's, so a stalled server cannot hide its queue: coordinated omission corrected as wrk2
 * does); service time from when it actually went out. Microseconds in HdrHistograms.
 * Callbacks come from event loops and the scheduler thread, hence the one lock.
 */
final class StageRecorder {
  private static final long MAX_MICROS = 3_600_000_000L;
  /** A request sent this much after its intended time counts as late (the generator fell behind). */
  static final long LATE_NANOS = 10_000_000L;

  final String label;
  final double level;
  private final long startNanos;
  private long endNanos;
  private boolean sealed;
  private long scheduled, sent, dropped, late, completed, ok, errors, images, credits, preferApplied, unfinished;
  private final Map<RequestKind, Kind> kinds = new EnumMap<>(RequestKind.class);
  private final Histogram all = histogram();
  private final Histogram sendLag = histogram();
  private final Map<String, Long> errorsByKey = new TreeMap<>();
  private final List<Second> seconds = new ArrayList<>();

  private static final class Kind {
    final Histogram latency = histogram();
    final Histogram service = histogram();
    long ok;
    long errors;
  }

  private static final class Second {
    final Histogram latency = histogram();
    long sent;
    long completed;
    long errors;
  }

  StageRecorder(String label, double level, long startNanos) {
    this.label = label;
    this.level = level;
    this.startNanos = startNanos;
  }

  private static Histogram histogram() {
    return new Histogram(MAX_MICROS, 3);
  }

  synchronized void scheduled() {
    scheduled++;
  }

  /** The open loop found max-in-flight requests outstanding at this one's intended time. */
  synchronized void dropped() {
    if (!sealed) {
      dropped++;
    }
  }

  synchronized void sent(long intendedNanos, long actualNanos) {
    sent++;
    long lag = Math.max(0, actualNanos - intendedNanos);
    sendLag.recordValue(Math.min(lag / 1000, MAX_MICROS));
    if (lag > LATE_NANOS) {
      late++;
    }
    second(actualNanos).sent++;
  }

  synchronized void done(RequestKind kind, long intendedNanos, long actualNanos, long endNanos, Outcome o) {
    if (sealed) {
      return;
    }
    completed++;
    long latency = Math.min((endNanos - intendedNanos) / 1000, MAX_MICROS);
    long service = Math.min((endNanos - actualNanos) / 1000, MAX_MICROS);
    Kind k = kinds.computeIfAbsent(kind, x -> new Kind());
    k.latency.recordValue(latency);
    k.service.recordValue(service);
    all.recordValue(latency);
    Second s = second(endNanos);
    s.completed++;
    s.latency.recordValue(latency);
    if (o.succeeded()) {
      ok++;
      k.ok++;
    } else {
      errors++;
      k.errors++;
      s.errors++;
      errorsByKey.merge(o.errorKey(), 1L, Long::sum);
    }
    images += o.images();
    credits += o.credits();
    if (o.preferenceApplied()) {
      preferApplied++;
    }
  }

  private Second second(long nanos) {
    int i = (int) Math.max(0, (nanos - startNanos) / 1_000_000_000L);
    while (seconds.size() <= i) {
      seconds.add(new Second());
    }
    return seconds.get(i);
  }

  /** The schedule ended at this time; throughput divides by the time up to here. */
  synchronized void scheduleEnded(long nanos) {
    endNanos = nanos;
  }

  /** After the drain: whatever has not answered is counted unfinished, and nothing more counts. */
  synchronized void seal() {
    sealed = true;
    unfinished = sent - completed;
    if (endNanos == 0) {
      endNanos = System.nanoTime();
    }
  }

  synchronized long inFlight() {
    return sent - completed;
  }

  synchronized String progress(long now) {
    Histogram recent = histogram();
    int i = (int) ((now - startNanos) / 1_000_000_000L);
    for (int j = Math.max(0, i - 1); j <= i && j < seconds.size(); j++) {
      recent.add(seconds.get(j).latency);
    }
    String latency = recent.getTotalCount() == 0 ? "no answers in the last 2 s"
        : String.format("p50 %.0f ms p99 %.0f ms (last 2 s)", recent.getValueAtPercentile(50) / 1000.0,
            recent.getValueAtPercentile(99) / 1000.0);
    return String.format("%s t=%4.0fs sent %d ok %d err %d drop %d in-flight %d  %s",
        label, (now - startNanos) / 1e9, sent, ok, errors, dropped, sent - completed, latency);
  }

  synchronized JsonObject toJson(boolean openLoop) {
    double secondsRun = Math.max(1e-9, (endNanos - startNanos) / 1e9);
    JsonObject byKind = new JsonObject();
    kinds.forEach((kind, k) -> byKind.put(kind.label(), new JsonObject()
        .put("count", k.latency.getTotalCount()).put("ok", k.ok).put("errors", k.errors)
        .put("throughput_rps", k.latency.getTotalCount() / secondsRun)
        .put("latency_ms", percentiles(k.latency)).put("service_ms", percentiles(k.service))));
    JsonArray series = new JsonArray();
    for (int i = 0; i < seconds.size(); i++) {
      Second s = seconds.get(i);
      series.add(new JsonObject().put("t", i).put("sent", s.sent).put("completed", s.completed)
          .put("errors", s.errors).put("latency_ms", percentiles(s.latency)));
    }
    JsonObject errorsJson = new JsonObject();
    errorsByKey.forEach(errorsJson::put);
    return new JsonObject()
        .put("label", label)
        .put(openLoop ? "offered_rate" : "concurrency", level)
        .put("duration_s", secondsRun)
        .put("scheduled", openLoop ? scheduled : sent)
        .put("sent", sent).put("dropped", dropped).put("late", late)
        .put("completed", completed).put("ok", ok).put("errors", errors).put("unfinished", unfinished)
        .put("throughput_rps", completed / secondsRun)
        .put("ok_rps", ok / secondsRun)
        .put("images", images).put("images_per_s", images / secondsRun)
        .put("credits", credits).put("prefer_wait_applied", preferApplied)
        .put("latency_ms", percentiles(all))
        .put("send_lag_ms", percentiles(sendLag))
        .put("kinds", byKind)
        .put("errors_by", errorsJson)
        .put("timeseries", series);
  }

  static JsonObject percentiles(Histogram h) {
    JsonObject j = new JsonObject().put("count", h.getTotalCount());
    if (h.getTotalCount() == 0) {
      return j.put("p50", null).put("p90", null).put("p99", null).put("p99_9", null).put("max", null).put("mean", null);
    }
    return j.put("p50", ms(h.getValueAtPercentile(50))).put("p90", ms(h.getValueAtPercentile(90)))
        .put("p99", ms(h.getValueAtPercentile(99))).put("p99_9", ms(h.getValueAtPercentile(99.9)))
        .put("max", ms(h.getMaxValue())).put("mean", Math.round(h.getMean()) / 1000.0);
  }

  private static double ms(long micros) {
    return micros / 1000.0;
  }
}
