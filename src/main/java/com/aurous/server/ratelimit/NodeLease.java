package com.aurous.server.ratelimit;

import io.vertx.core.Context;
import io.vertx.core.Promise;

import java.util.ArrayDeque;

/**
 * One bucket's quota as this node holds it for the current window: the tokens of the leases it
 * took from the {@link QuotaLedger} and not yet spent, and the requests waiting while a lease is
 * on its way. Guarded by its own monitor: the node's HTTP verticles run on several event loops.
 */
final class NodeLease {
  /** A request waiting for a lease, completed on the context it came from. */
  record Waiter(Context context, Promise<RateDecision> promise) {
    void complete(RateDecision decision) {
      if (context == null || Context.isOnEventLoopThread() && context == io.vertx.core.Vertx.currentContext()) {
        promise.complete(decision);
      } else {
        context.runOnContext(v -> promise.complete(decision));
      }
    }
  }

  long window = Long.MIN_VALUE;
  long quota;
  /** Unspent tokens of this window's leases. */
  long tokens;
  /** The window's total handed out cluster-wide as of this node's last lease. */
  long handedKnown;
  long lastLease;
  /** The ledger said the window is all handed out: refuse until the next window. */
  boolean exhausted;
  boolean fetching;
  final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

  /** Moves to {@code now}'s window (a new one starts empty and not exhausted) and the bucket's current quota. */
  void roll(long now, long currentQuota) {
    if (now != window) {
      window = now;
      tokens = 0;
      handedKnown = 0;
      lastLease = 0;
      exhausted = false;
    }
    quota = currentQuota;
  }

  /**
   * What is left of the quota as this node knows it: not yet handed out (as of its last lease)
   * plus its own unspent tokens. Exact on a lone node; across nodes it may overstate by what the
   * others took since.
   */
  long remaining() {
    return Math.max(0, quota - handedKnown) + tokens;
  }

  /** Ask for the next lease before this one runs dry, so a busy bucket rarely waits on the ledger. */
  boolean wantsPrefetch() {
    return !fetching && !exhausted && lastLease >= 4 && tokens <= lastLease / 4;
  }

  boolean idleBefore(long currentWindow) {
    return window < currentWindow && waiters.isEmpty() && !fetching;
  }
}
