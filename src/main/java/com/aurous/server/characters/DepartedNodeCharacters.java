package com.aurous.server.characters;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the characters a departed cluster node was synthesizing back to the pool and wakes this
 * node's job, as cluster/LeaseRescuer does for generations: the claim returns when the member
 * leaves, not when its lease (characters.lease_s) runs out. Every surviving node runs it on the
 * same departure; the UPDATE is idempotent and the claim that follows takes each character once.
 * The lease stays the fallback for a node that dies outside a cluster or loses the database.
 */
public final class DepartedNodeCharacters {
  private static final Logger LOG = LoggerFactory.getLogger(DepartedNodeCharacters.class);
  private final Vertx vertx;
  private final CharacterStore store;

  public DepartedNodeCharacters(Vertx vertx, CharacterStore store) {
    this.vertx = vertx;
    this.store = store;
  }

  /** The cluster member {@code clusterNodeId} has left. */
  public Future<Integer> departed(String clusterNodeId) {
    return store.rescueNode(clusterNodeId)
        .map(ids -> {
          if (!ids.isEmpty()) {
            LOG.warn("Cluster node {} left; character(s) {} returned to the pool", clusterNodeId, ids);
            // The job's wake address is local: each survivor wakes its own job, and one claims.
            vertx.eventBus().publish(CharacterSynthesisVerticle.PENDING, null);
          }
          return ids.size();
        })
        .onFailure(e -> LOG.warn("Could not return the characters of departed node {} (their leases will): {}",
            clusterNodeId, e.toString()));
  }
}
