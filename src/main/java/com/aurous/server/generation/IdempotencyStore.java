package com.aurous.server.generation;

import com.aurous.server.storage.OutageLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stripe-style idempotency keys, per team. A key is claimed (in_flight) in its own transaction
 * before any work, so concurrent duplicates see the claim and get 409 instead of creating twice;
 * the response is stored in the same transaction as the generation it describes.
 */
public final class IdempotencyStore {
  private static final Logger LOG = LoggerFactory.getLogger(IdempotencyStore.class);

  private final Pool pool;
  private final int windowHours;
  private final int inFlightTimeoutSeconds;
  private final OutageLog purgeOutage = new OutageLog(LOG, "Idempotency key purge");

  /**
   * @param inFlightTimeoutSeconds after this long an in_flight claim counts as abandoned: its
   *     request's transaction never committed (the database went away mid-request, or the node
   *     died), so the key is free again instead of answering 409 for the rest of the window.
   */
  public IdempotencyStore(Pool pool, int windowHours, int inFlightTimeoutSeconds) {
    this.pool = pool;
    this.windowHours = windowHours;
    this.inFlightTimeoutSeconds = inFlightTimeoutSeconds;
  }

  /** What a claim found: we own the key now, or someone had it (with their hash and state). */
  public record Claim(boolean owned, String requestHash, String state, Integer statusCode, String responseBody) {}

  public Future<Claim> claim(String teamId, String key, String requestHash) {
    // An entry older than the replay window, or an abandoned claim, no longer counts: drop it
    // first so the key is fresh.
    return pool.preparedQuery("DELETE FROM idempotency_keys WHERE team_id = $1 AND key = $2"
            + " AND (created_at < now() - make_interval(hours => $3)"
            + " OR (state = 'in_flight' AND created_at < now() - make_interval(secs => $4)))")
        .execute(Tuple.of(teamId, key, windowHours, inFlightTimeoutSeconds))
        .compose(d -> pool.preparedQuery("INSERT INTO idempotency_keys (team_id, key, request_hash, state) VALUES ($1, $2, $3, 'in_flight')"
                + " ON CONFLICT (team_id, key) DO NOTHING")
            .execute(Tuple.of(teamId, key, requestHash)))
        .compose(ins -> {
          if (ins.rowCount() > 0) {
            return Future.succeededFuture(new Claim(true, requestHash, "in_flight", null, null));
          }
          return pool.preparedQuery("SELECT request_hash, state, status_code, response_body FROM idempotency_keys WHERE team_id = $1 AND key = $2")
              .execute(Tuple.of(teamId, key))
              .map(rows -> {
                if (rows.size() == 0) {
                  // Vanished between our insert and select (the owner failed and released it): report in flight.
                  return new Claim(false, null, "in_flight", null, null);
                }
                Row r = rows.iterator().next();
                return new Claim(false, r.getString("request_hash"), r.getString("state"),
                    r.getInteger("status_code"), r.getString("response_body"));
              });
        });
  }

  /**
   * Stores the response; runs inside the transaction that created what it describes. Fails (so
   * that transaction rolls back) when the claim is gone, taken over as abandoned by a retry:
   * then that retry, not this request, makes the one generation.
   */
  public static Future<Void> complete(SqlClient tx, String teamId, String key, int status, String body) {
    return tx.preparedQuery("UPDATE idempotency_keys SET state = 'done', status_code = $3, response_body = $4"
            + " WHERE team_id = $1 AND key = $2 AND state = 'in_flight'")
        .execute(Tuple.of(teamId, key, status, body))
        .compose(r -> r.rowCount() == 1 ? Future.<Void>succeededFuture()
            : Future.failedFuture(new IllegalStateException("idempotency claim on '" + key + "' was taken over")));
  }

  /** Releases a claim whose request did not succeed: failures are not replayed. */
  public Future<Void> release(String teamId, String key) {
    return pool.preparedQuery("DELETE FROM idempotency_keys WHERE team_id = $1 AND key = $2 AND state = 'in_flight'")
        .execute(Tuple.of(teamId, key))
        .mapEmpty();
  }

  /** Deletes keys past the replay window (each claim also drops its own expired key; this keeps the table small). */
  public Future<Integer> purgeExpired() {
    return pool.preparedQuery("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)")
        .execute(Tuple.of(windowHours))
        .map(r -> r.rowCount());
  }

  /** Every node purges (deleting twice is harmless), every {@code intervalSeconds}. */
  public void startPurger(Vertx vertx, long intervalSeconds) {
    vertx.setPeriodic(intervalSeconds * 1000, t -> purgeExpired()
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("Purged {} expired idempotency key(s)", n);
          }
        })
        .onComplete(purgeOutage::record));
  }
}
