package com.aurous.server.bench;

import com.aurous.server.ratelimit.RateDecision;
import com.aurous.server.ratelimit.RateLimitSettings;
import com.aurous.server.ratelimit.RequestRateLimiter;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;

/**
 * What one request costs the request quota on a lone node (local shared data): acquire() in a
 * loop, one thread and then two threads on one bucket (the node's two event loops serving one
 * team), against a quota never reached so every call takes the lease path. Printed as ns per
 * call, median of rounds; compare with the estimate route's per-request time in benchmarks/README.
 */
public final class RateLimiterBenchmark {
  private static final int CALLS = 2_000_000;
  private static final int ROUNDS = 5;

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      RequestRateLimiter limiter = RequestRateLimiter.create(vertx, new RateLimitSettings(1_000_000_000L, 3600, 0, 5, 10, 1000))
          .await();
      for (int threads : new int[] {1, 2}) {
        List<Double> perCall = new ArrayList<>();
        for (int round = 0; round <= ROUNDS; round++) {
          String bucket = "team:bench-" + threads + "-" + round;
          long start = System.nanoTime();
          List<Thread> ts = new ArrayList<>();
          for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
              long admitted = 0;
              for (int i = 0; i < CALLS; i++) {
                RateDecision d = limiter.acquire(bucket, "team", 1_000_000_000L).await();
                admitted += d.admitted() ? 1 : 0;
              }
              if (admitted != CALLS) {
                throw new IllegalStateException("refused " + (CALLS - admitted));
              }
            });
            ts.add(th);
            th.start();
          }
          for (Thread th : ts) {
            th.join();
          }
          double ns = (System.nanoTime() - start) / (double) CALLS; // each thread made CALLS calls
          if (round > 0) {
            perCall.add(ns); // round 0 is the warm-up
          }
        }
        perCall.sort(null);
        System.out.printf("acquire(), %d thread(s) on one bucket: %.0f ns per call per thread (median of %d rounds; rounds %s)%n",
            threads, perCall.get(perCall.size() / 2), ROUNDS, perCall.stream().map(x -> String.format("%.0f", x)).toList());
      }
    } finally {
      vertx.close().await();
    }
  }
}
