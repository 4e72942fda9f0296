package com.aurous.server.api;

import com.aurous.server.generation.GenerationStore;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;

/**
 * Triton-style queue policy at the front door: once max_queue_size generations are pending
 * across the cluster, create answers 429 queue_full with Retry-After and stores nothing; once the
 * team has its concurrent-generation limit open (pending or processing), 429 rate_limited. Both
 * counts run under one lock held until the create's transaction ends, so a burst of concurrent
 * creates, on however many nodes, admits exactly as many as there is room for.
 */
public final class AdmissionControl {
  private final GenerationStore store;
  private final long maxQueueSize;
  private final int retryAfterSeconds;
  private final int concurrentRetryAfterSeconds;

  public AdmissionControl(GenerationStore store, long maxQueueSize, int retryAfterSeconds, int concurrentRetryAfterSeconds) {
    this.store = store;
    this.maxQueueSize = maxQueueSize;
    this.retryAfterSeconds = retryAfterSeconds;
    this.concurrentRetryAfterSeconds = concurrentRetryAfterSeconds;
  }

  /**
   * Inside the create's transaction {@code tx}, before its insert; {@code concurrentLimit} is the
   * open generations {@code teamId} may have (0: unlimited).
   */
  public Future<Void> admit(SqlConnection tx, String teamId, long concurrentLimit) {
    return store.lockQueueAndCount(tx, teamId).compose(counts -> {
      if (counts.pending() >= maxQueueSize) {
        return Future.failedFuture(new QueueFull(retryAfterSeconds));
      }
      if (concurrentLimit > 0 && counts.teamOpen() >= concurrentLimit) {
        return Future.failedFuture(new RateLimiting.RateLimited("Your team already has " + counts.teamOpen()
            + " generations pending or processing, its limit of " + concurrentLimit + "; retry after "
            + concurrentRetryAfterSeconds + " seconds.", concurrentRetryAfterSeconds));
      }
      return Future.succeededFuture();
    });
  }

  /** 429 in the error envelope; the router adds Retry-After from {@link #retryAfterSeconds()}. */
  public static final class QueueFull extends ApiException implements RetryLater {
    private final int retryAfterSeconds;

    QueueFull(int retryAfterSeconds) {
      super(429, "rate_limit", "queue_full", "The generation queue is full; retry after " + retryAfterSeconds + " seconds.", null);
      this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    public int retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }
}
