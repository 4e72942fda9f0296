package com.aurous.server.ratelimit;

import io.vertx.core.Future;
import io.vertx.core.shareddata.AsyncMap;

/**
 * The cluster-wide tally of a window's quota handed out to nodes, one entry per bucket (a team,
 * or a key with its own limit) in a Vert.x async map: Hazelcast's distributed map on a clustered
 * node, local shared data on a lone one. Every change is a compare-and-set of "window:handed",
 * so however many nodes ask at once the total handed out for a window never exceeds its quota.
 *
 * <p>One entry per bucket, not per window: Hazelcast's map cannot refresh a TTL on a
 * compare-and-set through the Vert.x API, and entries that outlived their window would pile up.
 * A later window simply overwrites the entry.
 */
final class QuotaLedger {
  /** A contended compare-and-set is retried this often before the request is let through (and logged). */
  private static final int MAX_ATTEMPTS = 64;

  private final AsyncMap<String, String> map;
  private final int leasePercent;
  private final long leaseMax;

  QuotaLedger(AsyncMap<String, String> map, int leasePercent, long leaseMax) {
    this.map = map;
    this.leasePercent = leasePercent;
    this.leaseMax = leaseMax;
  }

  /** What one request for a lease got: tokens for this node, and the window's total handed out after it. */
  record Grant(long tokens, long handedAfter) {}

  /** Takes a lease of window {@code window}'s quota {@code quota} for {@code bucket}; 0 tokens once it is all handed out. */
  Future<Grant> take(String bucket, long window, long quota) {
    return attempt(bucket, window, quota, 1);
  }

  private Future<Grant> attempt(String bucket, long window, long quota, int attempt) {
    return map.get(bucket).compose(current -> {
      long handed = 0;
      if (current != null) {
        int colon = current.indexOf(':');
        long storedWindow = Long.parseLong(current.substring(0, colon));
        if (storedWindow > window) {
          // A node whose clock is ahead opened the next window: this one is over for us too.
          return Future.succeededFuture(new Grant(0, quota));
        }
        if (storedWindow == window) {
          handed = Long.parseLong(current.substring(colon + 1));
        }
      }
      long tokens = leaseSize(quota, handed);
      if (tokens == 0) {
        return Future.succeededFuture(new Grant(0, handed));
      }
      long after = handed + tokens;
      String next = window + ":" + after;
      Future<Boolean> swapped = current == null
          ? map.putIfAbsent(bucket, next).map(previous -> previous == null)
          : map.replaceIfPresent(bucket, current, next);
      return swapped.compose(won -> {
        if (won) {
          return Future.succeededFuture(new Grant(tokens, after));
        }
        if (attempt >= MAX_ATTEMPTS) {
          return Future.failedFuture(new IllegalStateException("quota lease for " + bucket + " lost " + attempt + " races"));
        }
        return attempt(bucket, window, quota, attempt + 1);
      });
    });
  }

  /**
   * A lease is lease_percent of what is left of the window (at least one token, at most
   * lease_max): early leases are large, so the map is rarely asked, and they shrink as the window
   * runs out, so a node that took one and went quiet strands at most that share of what was left.
   */
  long leaseSize(long quota, long handed) {
    long left = quota - handed;
    if (left <= 0) {
      return 0;
    }
    long share = (left * leasePercent + 99) / 100;
    return Math.max(1, Math.min(Math.min(leaseMax, left), share));
  }
}
