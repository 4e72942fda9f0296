package com.aurous.server.webhook;

import com.aurous.server.generation.GenerationView;
import com.aurous.server.util.Ids;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The owner of {@code webhook_deliveries} and {@code webhook_attempts}: every statement on them
 * and every move of a delivery's status. A delivery is claimed for one attempt with a lease
 * (claimed_by, lease_expires_at) by an UPDATE that re-checks it is still due and free, so exactly
 * one node wins it; if that node dies, the lease expires and another node takes it.
 */
public final class WebhookDeliveryStore {
  public static final String PENDING = "pending";
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";

  private static final String DUE = " d.status = '" + PENDING + "' AND d.next_attempt_at <= now()"
      + " AND (d.lease_expires_at IS NULL OR d.lease_expires_at < now())";
  /**
   * The breaker key of a delivery: its URL's authority, lower-cased, with the scheme's default
   * port made explicit ({@code host:port}, {@code [v6]:port}). Computed here only, so claiming and
   * the breakers agree on it.
   */
  private static final String TARGET = "CASE WHEN t.authority ~ ':[0-9]+$' THEN t.authority"
      + " ELSE t.authority || CASE WHEN d.url ILIKE 'https:%' THEN ':443' ELSE ':80' END END";
  private static final String AUTHORITY = "LATERAL (SELECT lower(substring(d.url from '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)'))"
      + " AS authority) t";

  private final Pool pool;
  private final String nodeName;
  private final WebhookSettings settings;

  public WebhookDeliveryStore(Pool pool, String nodeName, WebhookSettings settings) {
    this.pool = pool;
    this.nodeName = nodeName;
    this.settings = settings;
  }

  /** A delivery this node holds the lease on, for one attempt. */
  record Claimed(String id, String teamId, String url, String target, String webhookId, String payload, int attempts) {}

  /** Where a recorded attempt left its delivery. */
  enum After { SUCCEEDED, FAILED, RETRY, LEASE_LOST }

  /**
   * Enqueues a terminal event inside the caller's transaction (the outbox write); a second
   * enqueue of the same generation and event is a no-op.
   */
  static Future<Void> insert(SqlClient tx, String generationId, String teamId, String event, String url, String payload) {
    return tx.preparedQuery("INSERT INTO webhook_deliveries (id, generation_id, team_id, event, url, webhook_id, payload)"
            + " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (generation_id, event) DO NOTHING")
        .execute(Tuple.of(Ids.newId("whd"), generationId, teamId, event, url, Ids.newId("msg"), payload))
        .mapEmpty();
  }

  /**
   * Leases up to {@code limit} due deliveries, oldest due first, skipping targets in
   * {@code refusing} and taking at most one delivery of each target in {@code oneEach}.
   */
  Future<List<Claimed>> claim(int limit, List<String> refusing, List<String> oneEach) {
    String candidates = "SELECT id, target FROM ("
        + "SELECT d.id, d.next_attempt_at, " + TARGET + " AS target,"
        + " row_number() OVER (PARTITION BY " + TARGET + " ORDER BY d.next_attempt_at, d.id) AS nth"
        + " FROM webhook_deliveries d, " + AUTHORITY + " WHERE" + DUE + ") c"
        + " WHERE target <> ALL($2) AND (nth = 1 OR target <> ALL($3))"
        + " ORDER BY next_attempt_at, id LIMIT $1";
    return pool.preparedQuery(candidates)
        .execute(Tuple.of(limit, refusing.toArray(new String[0]), oneEach.toArray(new String[0])))
        .compose(rows -> {
          Map<String, String> targets = new HashMap<>();
          rows.forEach(r -> targets.put(r.getString("id"), r.getString("target")));
          if (targets.isEmpty()) {
            return Future.succeededFuture(List.<Claimed>of());
          }
          return pool.preparedQuery("UPDATE webhook_deliveries d SET claimed_by = $2,"
                  + " lease_expires_at = now() + make_interval(secs => $3) WHERE d.id = ANY($1) AND" + DUE
                  + " RETURNING d.id, d.team_id, d.url, d.webhook_id, d.payload, d.attempts")
              .execute(Tuple.of(targets.keySet().toArray(new String[0]), nodeName, settings.leaseSeconds()))
              .map(updated -> {
                List<Claimed> out = new ArrayList<>();
                for (Row r : updated) {
                  out.add(new Claimed(r.getString("id"), r.getString("team_id"), r.getString("url"), targets.get(r.getString("id")),
                      r.getString("webhook_id"), r.getString("payload"), r.getInteger("attempts")));
                }
                return out;
              });
        });
  }

  /**
   * Records attempt {@code attempts + 1} and moves the delivery on: succeeded, failed after the
   * last attempt, or pending again after retry_delay_ms; releases the lease. Only while this node
   * still holds it.
   */
  Future<After> recordAttempt(Claimed d, OffsetDateTime startedAt, long durationMs, AttemptOutcome o) {
    int attempt = d.attempts() + 1;
    After after = o.success() ? After.SUCCEEDED : attempt >= settings.maxAttempts() ? After.FAILED : After.RETRY;
    String status = after == After.SUCCEEDED ? SUCCEEDED : after == After.FAILED ? FAILED : PENDING;
    return pool.withTransaction(tx -> tx.preparedQuery("UPDATE webhook_deliveries SET attempts = $3, last_status_code = $4,"
                + " last_error = $5, status = $6, claimed_by = NULL, lease_expires_at = NULL,"
                + " completed_at = CASE WHEN $6 = '" + PENDING + "' THEN NULL ELSE now() END,"
                + " next_attempt_at = CASE WHEN $6 = '" + PENDING + "' THEN now() + make_interval(secs => $7) ELSE next_attempt_at END"
                + " WHERE id = $1 AND claimed_by = $2 AND status = '" + PENDING + "'")
            .execute(Tuple.of(d.id(), nodeName, attempt, o.statusCode(), o.error(), status, settings.retryDelayMs() / 1000.0))
            .compose(updated -> {
              if (updated.rowCount() == 0) {
                return Future.succeededFuture(After.LEASE_LOST);
              }
              return tx.preparedQuery("INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms,"
                      + " status_code, error, claimed_by) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING")
                  .execute(Tuple.of(d.id(), attempt, startedAt, durationMs, o.statusCode(), o.error(), nodeName))
                  .map(after);
            }));
  }

  /**
   * Gives a claimed delivery back unattempted (its breaker held it back): no attempt is counted
   * or recorded and it stays due, for whichever node's breaker lets it through first.
   */
  Future<Void> release(Claimed d) {
    return pool.preparedQuery("UPDATE webhook_deliveries SET claimed_by = NULL, lease_expires_at = NULL"
            + " WHERE id = $1 AND claimed_by = $2 AND status = '" + PENDING + "'")
        .execute(Tuple.of(d.id(), nodeName))
        .mapEmpty();
  }

  /** A generation's deliveries as the API shows them, each with its recorded attempts in order. */
  static Future<JsonArray> list(SqlClient client, String generationId, String teamId) {
    return client.preparedQuery("SELECT id, event, url, webhook_id, status, created_at, completed_at"
            + " FROM webhook_deliveries WHERE generation_id = $1 AND team_id = $2 ORDER BY created_at, id")
        .execute(Tuple.of(generationId, teamId))
        .compose(deliveries -> {
          Map<String, JsonObject> byId = new LinkedHashMap<>();
          for (Row r : deliveries) {
            byId.put(r.getString("id"), new JsonObject()
                .put("id", r.getString("id"))
                .put("object", "webhook_delivery")
                .put("event", r.getString("event"))
                .put("url", r.getString("url"))
                .put("webhook_id", r.getString("webhook_id"))
                .put("status", r.getString("status"))
                .put("attempts", new JsonArray())
                .put("created_at", GenerationView.timestamp(r.getOffsetDateTime("created_at")))
                .put("completed_at", GenerationView.timestamp(r.getOffsetDateTime("completed_at"))));
          }
          return client.preparedQuery("SELECT delivery_id, attempt, status_code, error, duration_ms, started_at"
                  + " FROM webhook_attempts WHERE delivery_id = ANY($1) ORDER BY delivery_id, attempt")
              .execute(Tuple.of(byId.keySet().toArray(new String[0])))
              .map(attempts -> {
                for (Row a : attempts) {
                  byId.get(a.getString("delivery_id")).getJsonArray("attempts").add(new JsonObject()
                      .put("attempt", a.getInteger("attempt"))
                      .put("status_code", a.getInteger("status_code"))
                      .put("error", a.getString("error"))
                      .put("duration_ms", a.getLong("duration_ms"))
                      .put("started_at", GenerationView.timestamp(a.getOffsetDateTime("started_at"))));
                }
                return new JsonArray(new ArrayList<>(byId.values()));
              });
        });
  }
}
