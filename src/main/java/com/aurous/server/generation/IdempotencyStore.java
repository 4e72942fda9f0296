package com.aurous.server.generation;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * Stripe-style idempotency keys, per team. A key is claimed (in_flight) in its own transaction
 * before any work, so concurrent duplicates see the claim and get 409 instead of creating twice;
 * the response is stored in the same transaction as the generation it describes.
 */
public final class IdempotencyStore {
  private final Pool pool;
  private final int windowHours;

  public IdempotencyStore(Pool pool, int windowHours) {
    this.pool = pool;
    this.windowHours = windowHours;
  }

  /** What a claim found: we own the key now, or someone had it (with their hash and state). */
  public record Claim(boolean owned, String requestHash, String state, Integer statusCode, String responseBody) {}

  public Future<Claim> claim(String teamId, String key, String requestHash) {
    // An entry older than the replay window no longer counts: drop it first so the key is fresh.
    return pool.preparedQuery("DELETE FROM idempotency_keys WHERE team_id = $1 AND key = $2"
            + " AND created_at < now() - make_interval(hours => $3)")
        .execute(Tuple.of(teamId, key, windowHours))
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

  /** Stores the response; runs inside the transaction that created what it describes. */
  public static Future<Void> complete(SqlClient tx, String teamId, String key, int status, String body) {
    return tx.preparedQuery("UPDATE idempotency_keys SET state = 'done', status_code = $3, response_body = $4 WHERE team_id = $1 AND key = $2")
        .execute(Tuple.of(teamId, key, status, body))
        .mapEmpty();
  }

  /** Releases a claim whose request did not succeed: failures are not replayed. */
  public Future<Void> release(String teamId, String key) {
    return pool.preparedQuery("DELETE FROM idempotency_keys WHERE team_id = $1 AND key = $2 AND state = 'in_flight'")
        .execute(Tuple.of(teamId, key))
        .mapEmpty();
  }

  public Future<Integer> purgeExpired() {
    return pool.preparedQuery("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)")
        .execute(Tuple.of(windowHours))
        .map(r -> r.rowCount());
  }
}
