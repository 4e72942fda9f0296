package com.aurous.server.api;

import com.aurous.server.generation.GenerationStore;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;

/**
 * Triton-style queue policy at the front door: once max_queue_size generations are pending
 * across the cluster, create answers 429 with Retry-After and stores nothing. The count runs under
 * a lock held until the create's transaction ends, so a burst of concurrent creates admits
 * exactly as many as there is room for.
 */
public final class AdmissionControl {
  private final GenerationStore store;
  private final long maxQueueSize;
  private final int retryAfterSeconds;

  public AdmissionControl(GenerationStore store, long maxQueueSize, int retryAfterSeconds) {
    this.store = store;
    this.maxQueueSize = maxQueueSize;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Inside the create's transaction {@code tx}, before its insert. */
  public Future<Void> admit(SqlConnection tx) {
    return store.lockQueueAndCountPending(tx).compose(pending -> {
      if (pending >= maxQueueSize) {
        return Future.failedFuture(new QueueFull(retryAfterSeconds));
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
