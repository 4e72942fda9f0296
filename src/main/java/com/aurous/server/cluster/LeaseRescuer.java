package com.aurous.server.cluster;

import com.aurous.server.engine.EngineAddresses;
import com.aurous.server.generation.GenerationAddresses;
import com.aurous.server.generation.GenerationStore;
import com.aurous.server.storage.OutageLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Returns abandoned claims to pending and wakes the workers. A node that leaves the cluster has
 * its workers' claims returned at once by the surviving nodes ({@link #departed}); a claim whose
 * lease expired (its node died outside a cluster, or lost the database) is returned by the
 * periodic sweep, the fallback. Every node runs one: both UPDATEs are idempotent, so running them
 * on several nodes at once is harmless, and no node is special.
 */
public final class LeaseRescuer {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseRescuer.class);
  private final Vertx vertx;
  private final GenerationStore generations;
  private final OutageLog outage = new OutageLog(LOG, "Lease rescuer");

  public LeaseRescuer(Vertx vertx, GenerationStore generations) {
    this.vertx = vertx;
    this.generations = generations;
  }

  public void start(long intervalSeconds) {
    // A failed tick (the database away) is logged once per outage; the timer keeps ticking.
    vertx.setPeriodic(intervalSeconds * 1000, t -> rescue().onComplete(outage::record));
  }

  /** Generations whose worker lease expired. */
  public Future<Integer> rescue() {
    return wake(generations.rescueExpired(), "whose worker lease expired");
  }

  /** Generations claimed by workers of the cluster member {@code clusterNodeId}, which has left. */
  public Future<Integer> departed(String clusterNodeId) {
    return wake(generations.rescueNode(clusterNodeId), "claimed on departed cluster node " + clusterNodeId)
        .onSuccess(n -> LOG.info("Cluster node {} left; {} of its claims returned to pending", clusterNodeId, n))
        .onFailure(e -> LOG.warn("Could not return the claims of departed node {} (their leases will): {}", clusterNodeId,
            e.toString()));
  }

  private Future<Integer> wake(Future<List<String>> rescued, String why) {
    return rescued.map(ids -> {
      if (!ids.isEmpty()) {
        LOG.warn("Rescued {} generation(s) {}", ids.size(), why);
        ids.forEach(id -> vertx.eventBus().publish(GenerationAddresses.CHANGED, id));
        vertx.eventBus().publish(EngineAddresses.PENDING, null);
      }
      return ids.size();
    });
  }
}
