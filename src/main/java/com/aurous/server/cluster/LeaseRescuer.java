package com.aurous.server.cluster;

import com.aurous.server.engine.EngineAddresses;
import com.aurous.server.storage.OutageLog;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Returns generations whose worker stopped renewing its lease (its node died, or lost the
 * database) to pending, and wakes the workers. Every node runs one: the UPDATE is idempotent, so
 * running it on several nodes at once is harmless, and no node is special.
 */
public final class LeaseRescuer {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseRescuer.class);
  private final Vertx vertx;
  private final Pool pool;
  private final OutageLog outage = new OutageLog(LOG, "Lease rescuer");

  public LeaseRescuer(Vertx vertx, Pool pool) {
    this.vertx = vertx;
    this.pool = pool;
  }

  public void start(long intervalSeconds) {
    // A failed tick (the database away) is logged once per outage; the timer keeps ticking.
    vertx.setPeriodic(intervalSeconds * 1000, t -> rescue().onComplete(outage::record));
  }

  public io.vertx.core.Future<Integer> rescue() {
    return pool.query("UPDATE generations SET status = 'pending', claimed_by = NULL, lease_expires_at = NULL"
            + " WHERE status IN ('pending', 'processing') AND claimed_by IS NOT NULL AND lease_expires_at < now()"
            + " RETURNING id")
        .execute()
        .map(rows -> {
          if (rows.size() > 0) {
            LOG.warn("Rescued {} generation(s) whose worker lease expired", rows.size());
            vertx.eventBus().publish(EngineAddresses.PENDING, null);
          }
          return rows.size();
        });
  }
}
