package com.aurous.server.engine;

import com.aurous.server.generation.GenerationStore;
import com.aurous.server.output.OutputStore;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A worker's unit of work, through the tables' owners: claims, starts and renewals on
 * {@link GenerationStore}, and success as one transaction that makes the generation terminal
 * (its charge and webhook row included) and stores its PNGs ({@link OutputStore}).
 */
public final class WorkStore {
  private final GenerationStore generations;
  private final int leaseSeconds;
  /** This node's cluster member id, recorded with each claim; null outside a cluster. */
  private final String clusterNodeId;

  public WorkStore(GenerationStore generations, int leaseSeconds, String clusterNodeId) {
    this.generations = generations;
    this.leaseSeconds = leaseSeconds;
    this.clusterNodeId = clusterNodeId;
  }

  /** The oldest pending generations that fit in {@code freeSamples}, oldest first. */
  public Future<List<ClaimedGeneration>> claim(String workerId, int freeSamples) {
    return generations.claim(workerId, clusterNodeId, freeSamples, leaseSeconds).map(rows -> {
      List<ClaimedGeneration> out = new ArrayList<>();
      rows.forEach(r -> out.add(ClaimedGeneration.from(r)));
      out.sort((a, b) -> Long.compare(a.createdAtMillis(), b.createdAtMillis()));
      return out;
    });
  }

  /** The first denoising step ran: pending becomes processing. */
  public Future<Void> markProcessing(List<String> ids, String workerId) {
    return generations.markProcessing(ids, workerId);
  }

  /** Extends this worker's leases; returns the ids it still holds (others were cancelled or taken). */
  public Future<Set<String>> renew(List<String> ids, String workerId) {
    return generations.renew(ids, workerId, leaseSeconds);
  }

  /**
   * Marks the generation succeeded (charge committed, webhook enqueued) and stores its outputs,
   * all in one transaction. The PNGs may still be encoding: the status, ledger and webhook
   * statements run meanwhile and only the outputs' insert and the commit wait for them, so the
   * encode and the database overlap. An encode that fails rolls the whole transaction back.
   * False: not applied (cancelled, or another worker's result stands).
   */
  public Future<Boolean> succeed(String id, String workerId, Future<List<byte[]>> pngs, int ttlHours) {
    return generations.pool().withTransaction(tx -> generations.succeed(tx, id, workerId)
        .compose(applied -> applied
            ? pngs.compose(p -> OutputStore.insert(tx, id, p, ttlHours)).map(true)
            : Future.succeededFuture(false)));
  }

  /** Marks open generations failed and releases their credits (each its own transaction). */
  public Future<Void> fail(List<String> ids, String workerId, String message) {
    return generations.fail(ids, workerId, message);
  }
}
