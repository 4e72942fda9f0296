package com.aurous.server.engine;

import com.aurous.server.credits.CreditLedger;
import com.aurous.server.generation.GenerationView;
import com.aurous.server.webhook.WebhookOutbox;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The engine's side of the generations table. Work is claimed with a lease (claimed_by,
 * lease_expires_at), so PostgreSQL, not any node's memory, knows who runs what: a worker whose
 * node dies stops renewing, and its generations become claimable again.
 */
public final class WorkStore {
  private final Pool pool;
  private final int leaseSeconds;
  /** Renders the webhook payload inside the terminal transaction (see {@link WebhookOutbox}). */
  private final GenerationView webhookView;

  public WorkStore(Pool pool, int leaseSeconds, GenerationView webhookView) {
    this.pool = pool;
    this.leaseSeconds = leaseSeconds;
    this.webhookView = webhookView;
  }

  /**
   * Claims the oldest pending generations that fit in {@code freeSamples} (a generation needs
   * one sample per image). Candidates are read without locks, then taken by an UPDATE whose
   * WHERE re-checks them, so two workers racing for a row cannot both win it.
   */
  public Future<List<ClaimedGeneration>> claim(String workerId, int freeSamples) {
    return pool.preparedQuery("SELECT id, image_count FROM generations WHERE status = 'pending'"
            + " AND (lease_expires_at IS NULL OR lease_expires_at < now()) ORDER BY created_at, id LIMIT $1")
        .execute(Tuple.of(freeSamples))
        .compose(rows -> {
          List<String> ids = new ArrayList<>();
          int used = 0;
          for (Row r : rows) {
            int n = r.getInteger("image_count");
            if (used + n > freeSamples) {
              break;
            }
            used += n;
            ids.add(r.getString("id"));
          }
          if (ids.isEmpty()) {
            return Future.succeededFuture(List.of());
          }
          return pool.preparedQuery("UPDATE generations SET claimed_by = $2, lease_expires_at = now() + make_interval(secs => $3),"
                  + " attempts = attempts + 1 WHERE id = ANY($1) AND status = 'pending'"
                  + " AND (lease_expires_at IS NULL OR lease_expires_at < now())"
                  + " RETURNING " + ClaimedGeneration.COLUMNS)
              .execute(Tuple.of(ids.toArray(new String[0]), workerId, leaseSeconds))
              .map(updated -> {
                List<ClaimedGeneration> out = new ArrayList<>();
                updated.forEach(r -> out.add(ClaimedGeneration.from(r)));
                out.sort((a, b) -> Long.compare(a.createdAtMillis(), b.createdAtMillis()));
                return out;
              });
        });
  }

  /** The first denoising step ran: pending becomes processing. */
  public Future<Void> markProcessing(List<String> ids, String workerId) {
    return pool.preparedQuery("UPDATE generations SET status = 'processing', started_at = now()"
            + " WHERE id = ANY($1) AND status = 'pending' AND claimed_by = $2")
        .execute(Tuple.of(ids.toArray(new String[0]), workerId))
        .mapEmpty();
  }

  /** Extends this worker's leases; returns the ids it still holds (others were cancelled or taken). */
  public Future<Set<String>> renew(List<String> ids, String workerId) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(Set.of());
    }
    return pool.preparedQuery("UPDATE generations SET lease_expires_at = now() + make_interval(secs => $3)"
            + " WHERE id = ANY($1) AND claimed_by = $2 AND status IN ('pending', 'processing') RETURNING id")
        .execute(Tuple.of(ids.toArray(new String[0]), workerId, leaseSeconds))
        .map(rows -> {
          Set<String> held = new HashSet<>();
          rows.forEach(r -> held.add(r.getString("id")));
          return held;
        });
  }

  /**
   * Stores the outputs, marks the generation succeeded and commits its charge, all in one
   * transaction. Applies only while the generation is open and not held by another worker, so a
   * cancelled generation is never charged and one run twice is charged once. The webhook delivery,
   * if the generation has a webhook_url, is enqueued in the same transaction. False: not applied.
   */
  public Future<Boolean> succeed(String id, String workerId, List<byte[]> pngs, int ttlHours) {
    return pool.withTransaction(tx -> tx.preparedQuery("UPDATE generations SET status = 'succeeded', completed_at = now(),"
                + " duration_ms = (extract(epoch FROM now() - created_at) * 1000)::bigint,"
                + " started_at = coalesce(started_at, now()), claimed_by = NULL, lease_expires_at = NULL, completed_by = $2"
                + " WHERE id = $1 AND status IN ('pending', 'processing') AND (claimed_by = $2 OR claimed_by IS NULL)")
            .execute(Tuple.of(id, workerId))
            .compose(updated -> {
              if (updated.rowCount() == 0) {
                return Future.succeededFuture(false);
              }
              List<Tuple> batch = new ArrayList<>();
              for (int i = 0; i < pngs.size(); i++) {
                batch.add(Tuple.of(id, i, io.vertx.core.buffer.Buffer.buffer(pngs.get(i)), ttlHours));
              }
              return tx.preparedQuery("INSERT INTO generation_outputs (generation_id, idx, png, expires_at)"
                      + " VALUES ($1, $2, $3, now() + make_interval(hours => $4))")
                  .executeBatch(batch)
                  .compose(x -> CreditLedger.commit(tx, id))
                  .compose(x -> WebhookOutbox.enqueue(tx, id, webhookView))
                  .map(true);
            }));
  }

  /**
   * Marks open generations failed and releases their credits, each in its own transaction (which
   * also enqueues its image.failed webhook delivery).
   */
  public Future<Void> fail(List<String> ids, String workerId, String message) {
    List<Future<?>> all = new ArrayList<>();
    for (String id : ids) {
      all.add(pool.withTransaction(tx -> tx.preparedQuery("UPDATE generations SET status = 'failed', error_message = $3,"
                  + " completed_at = now(), duration_ms = (extract(epoch FROM now() - created_at) * 1000)::bigint,"
                  + " claimed_by = NULL, lease_expires_at = NULL, completed_by = $2"
                  + " WHERE id = $1 AND status IN ('pending', 'processing') AND (claimed_by = $2 OR claimed_by IS NULL)")
              .execute(Tuple.of(id, workerId, message))
              .compose(updated -> updated.rowCount() > 0
                  ? CreditLedger.release(tx, id).compose(x -> WebhookOutbox.enqueue(tx, id, webhookView))
                  : Future.succeededFuture())));
    }
    return Future.join(all).mapEmpty();
  }
}
