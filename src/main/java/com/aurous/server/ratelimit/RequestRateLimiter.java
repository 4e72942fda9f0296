package com.aurous.server.ratelimit;

import com.aurous.server.storage.OutageLog;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Requests per fixed window, per bucket, held across the cluster by quota leases: each node takes
 * chunks of a bucket's window quota from the cluster-wide {@link QuotaLedger} and admits from them
 * locally, so a request costs no network round trip unless its node's lease ran dry, and the
 * total admitted in a window across all nodes never exceeds the quota.
 *
 * <p>Windows are fixed and aligned to the epoch (window index = wall-clock millis / window), so
 * every node agrees on them as far as their clocks agree.
 *
 * <p>Should the ledger fail (Hazelcast unreachable), the waiting requests are admitted and the
 * failure logged once per outage: an unreachable counter must not turn into an API outage.
 */
public final class RequestRateLimiter {
  private static final Logger LOG = LoggerFactory.getLogger(RequestRateLimiter.class);
  /** The async map holding the window tallies: Hazelcast-backed on a clustered node. */
  public static final String MAP_NAME = "aurous.rate_limits";

  private final QuotaLedger ledger;
  private final int windowSeconds;
  private final long windowMillis;
  private final LongSupplier clock;
  private final ConcurrentHashMap<String, NodeLease> leases = new ConcurrentHashMap<>();
  private final OutageLog outage = new OutageLog(LOG, "rate-limit quota ledger");

  RequestRateLimiter(AsyncMap<String, String> map, RateLimitSettings settings, LongSupplier clock) {
    this.ledger = new QuotaLedger(map, settings.leasePercent(), settings.leaseMax());
    this.windowSeconds = settings.windowSeconds();
    this.windowMillis = settings.windowSeconds() * 1000L;
    this.clock = clock;
  }

  /** Opens the ledger map (clustered when Vert.x is) and drops this node's leases of past windows once per window. */
  public static Future<RequestRateLimiter> create(Vertx vertx, RateLimitSettings settings) {
    return vertx.sharedData().<String, String>getAsyncMap(MAP_NAME).map(map -> {
      RequestRateLimiter limiter = new RequestRateLimiter(map, settings, System::currentTimeMillis);
      vertx.setPeriodic(limiter.windowMillis, id -> limiter.forgetPastWindows());
      return limiter;
    });
  }

  public int windowSeconds() {
    return windowSeconds;
  }

  /**
   * Counts one request of {@code bucket} against {@code quota} per window. Completes at once
   * while this node holds tokens; otherwise once a lease (or its refusal) arrives.
   */
  public Future<RateDecision> acquire(String bucket, String policy, long quota) {
    long now = clock.getAsLong();
    long window = Math.floorDiv(now, windowMillis);
    int reset = resetSeconds(now, window);
    NodeLease lease = leases.computeIfAbsent(bucket, b -> new NodeLease());
    RateDecision decision;
    boolean fetch;
    Promise<RateDecision> waiting = null;
    synchronized (lease) {
      lease.roll(window, quota);
      if (lease.tokens > 0) {
        lease.tokens--;
        decision = new RateDecision(true, policy, quota, windowSeconds, lease.remaining(), reset);
        fetch = lease.wantsPrefetch();
      } else if (lease.exhausted) {
        decision = new RateDecision(false, policy, quota, windowSeconds, 0, reset);
        fetch = false;
      } else {
        decision = null;
        waiting = Promise.promise();
        lease.waiters.add(new NodeLease.Waiter(Vertx.currentContext(), waiting));
        fetch = !lease.fetching;
      }
      if (fetch) {
        lease.fetching = true;
      }
    }
    if (fetch) {
      fetch(bucket, policy, lease);
    }
    return decision != null ? Future.succeededFuture(decision) : waiting.future();
  }

  private void fetch(String bucket, String policy, NodeLease lease) {
    long window;
    long quota;
    synchronized (lease) {
      window = lease.window;
      quota = lease.quota;
    }
    ledger.take(bucket, window, quota).onComplete(ar -> {
      if (ar.succeeded()) {
        outage.succeeded();
      } else {
        outage.failed(ar.cause());
      }
      List<Runnable> completions = new ArrayList<>();
      boolean again;
      synchronized (lease) {
        lease.fetching = false;
        long now = clock.getAsLong();
        int reset = resetSeconds(now, lease.window);
        if (lease.window == window && ar.succeeded()) {
          QuotaLedger.Grant grant = ar.result();
          lease.tokens += grant.tokens();
          lease.handedKnown = Math.max(lease.handedKnown, grant.handedAfter());
          lease.lastLease = grant.tokens();
          lease.exhausted = grant.tokens() == 0;
        }
        while (!lease.waiters.isEmpty()) {
          NodeLease.Waiter w = lease.waiters.peek();
          RateDecision d;
          if (lease.tokens > 0) {
            lease.tokens--;
            d = new RateDecision(true, policy, lease.quota, windowSeconds, lease.remaining(), reset);
          } else if (lease.exhausted) {
            d = new RateDecision(false, policy, lease.quota, windowSeconds, 0, reset);
          } else if (ar.failed() && lease.window == window) {
            d = new RateDecision(true, policy, lease.quota, windowSeconds, lease.remaining(), reset);
          } else {
            break; // a lease of the window that began meanwhile is needed
          }
          lease.waiters.poll();
          completions.add(() -> w.complete(d));
        }
        again = !lease.waiters.isEmpty();
        if (again) {
          lease.fetching = true;
        }
      }
      completions.forEach(Runnable::run);
      if (again) {
        fetch(bucket, policy, lease);
      }
    });
  }

  private int resetSeconds(long now, long window) {
    long end = (window + 1) * windowMillis;
    return (int) Math.max(1, (end - now + 999) / 1000);
  }

  private void forgetPastWindows() {
    long window = Math.floorDiv(clock.getAsLong(), windowMillis);
    leases.forEach((bucket, lease) -> {
      synchronized (lease) {
        if (lease.idleBefore(window)) {
          leases.remove(bucket, lease);
        }
      }
    });
  }
}
