package com.aurous.server.generation;

import com.aurous.server.credits.CreditLedger;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The generations table, and the only class with SQL on it: creation, reads, the worker's claim,
 * start and lease renewal, the rescue of abandoned claims and the one terminal transition that
 * succeed, fail and cancel share. PostgreSQL is the record every node reads and writes.
 *
 * <p>Work is claimed with a lease (claimed_by, lease_expires_at, and the claiming node's cluster
 * id in claimed_node), so PostgreSQL, not any node's memory, knows who runs what: a worker whose
 * node dies stops renewing, and its generations become claimable again.
 */
public final class GenerationStore {
  /** The columns {@link #claim} returns: what a worker needs to run a generation. */
  public static final String CLAIMED_COLUMNS = "id, team_id, prompt, negative_prompt, width, height, steps, guidance_scale,"
      + " cfg_rescale, seed, image_count, created_at, denoise_strength, reference_image_urls, adapters";

  private static final String OPEN = GenerationStatus.sqlList(GenerationStatus.PENDING, GenerationStatus.PROCESSING);
  private static final String PENDING = GenerationStatus.sqlLiteral(GenerationStatus.PENDING);
  private static final String FROM = " FROM generations g LEFT JOIN loras l ON l.id = g.lora_id";
  private static final String VIEW = "SELECT " + GenerationView.COLUMNS + ", g.team_id AS team_id" + FROM;
  /**
   * Transaction-level advisory lock that serialises the pending count with the insert, so
   * concurrent creates cannot all see room in the queue (the value is arbitrary, "aurous-q").
   */
  private static final long QUEUE_LOCK = 0x6175726f75732d71L;

  private final Pool pool;
  private final TerminalEffects effects;

  public GenerationStore(Pool pool, TerminalEffects effects) {
    this.pool = pool;
    this.effects = effects;
  }

  public Pool pool() {
    return pool;
  }

  // ---- creation and reads ------------------------------------------------------------------

  /** Outcome of an attempt to create: the stored row, or why nothing was stored. */
  public record Created(Row row, boolean insufficientCredits) {}

  /** What admission decides on: pending generations cluster-wide, and the team's open (pending or processing) ones. */
  public record QueueCounts(long pending, long teamOpen) {}

  /**
   * Takes the queue lock for the rest of {@code tx} and counts pending generations and the team's
   * open ones: a create that then inserts in the same transaction decides "room in the queue",
   * "under the team's concurrency limit" and "stored" atomically.
   */
  public Future<QueueCounts> lockQueueAndCount(SqlConnection tx, String teamId) {
    return tx.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(QUEUE_LOCK))
        .compose(x -> tx.preparedQuery("SELECT count(*) FILTER (WHERE status = " + PENDING + "),"
            + " count(*) FILTER (WHERE team_id = $1) FROM generations WHERE status IN " + OPEN).execute(Tuple.of(teamId)))
        .map(rows -> {
          Row r = rows.iterator().next();
          return new QueueCounts(r.getLong(0), r.getLong(1));
        });
  }

  /** Pending generations cluster-wide, without the queue lock: for the metrics sampler, not for admission. */
  public Future<Long> countPending() {
    return pool.query("SELECT count(*) FROM generations WHERE status = " + PENDING).execute()
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** Inserts a pending generation and reserves its cost, inside {@code tx}. */
  public Future<Created> insert(SqlConnection tx, String id, String teamId, GenerationSpec s, String version, String requestId) {
    return CreditLedger.reserve(tx, teamId, id, s.cost().amount()).compose(reserved -> {
      if (!reserved) {
        return Future.succeededFuture(new Created(null, true));
      }
      List<Object> values = new ArrayList<>(List.of(id, teamId, GenerationStatus.PENDING, s.prompt()));
      values.add(s.negativePrompt());
      values.add(s.loraId());
      values.add(s.characterId());
      values.add(s.width());
      values.add(s.height());
      values.add(s.sizePreset());
      values.add(s.steps());
      values.add(s.guidanceScale());
      values.add(s.cfgRescale());
      values.add(s.denoiseStrength());
      values.add(s.seed());
      values.add(s.count());
      values.add(s.enhancePrompt());
      values.add(s.webhookUrl());
      values.add(s.referenceImageUrls().isEmpty() ? null : new JsonArray(s.referenceImageUrls()));
      values.add(s.inferenceType());
      values.add(s.cost().toJson(true));
      values.add(s.cost().amount());
      values.add(version);
      values.add(requestId);
      values.add(s.originalPrompt());
      values.add(s.loraSelection());
      JsonArray adapters = new JsonArray();
      s.adapters().forEach(a -> adapters.add(new JsonObject().put("name", a.name()).put("weight", a.weight())));
      values.add(adapters.isEmpty() ? null : adapters);
      values.add(s.promptEnhancer());
      values.add(s.promptEnhanceFallback());
      return tx.preparedQuery("INSERT INTO generations (id, team_id, status, prompt, negative_prompt, lora_id, character_id,"
              + " width, height, size_preset, steps, guidance_scale, cfg_rescale, denoise_strength, seed, image_count,"
              + " enhance_prompt, webhook_url, reference_image_urls, inference_type, cost, cost_amount, aurous_version,"
              + " creation_request_id, original_prompt, lora_selection, adapters, prompt_enhancer, prompt_enhance_fallback)"
              + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
              + " $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29)")
          .execute(Tuple.from(values))
          .compose(r -> find(tx, teamId, id))
          .map(row -> new Created(row, false));
    });
  }

  /** The team's generation as {@link GenerationView} renders it, or null. */
  public static Future<Row> find(SqlClient client, String teamId, String id) {
    return client.preparedQuery(VIEW + " WHERE g.id = $1 AND g.team_id = $2")
        .execute(Tuple.of(id, teamId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  public Future<Row> find(String teamId, String id) {
    return find(pool, teamId, id);
  }

  /** Whether the generation exists and belongs to the team (another team's is as absent as a missing one). */
  public Future<Boolean> exists(String teamId, String id) {
    return pool.preparedQuery("SELECT 1 FROM generations WHERE id = $1 AND team_id = $2").execute(Tuple.of(id, teamId))
        .map(rows -> rows.size() > 0);
  }

  /** Newest first; {@code startingAfter} is the last id of the previous page. */
  public Future<RowSet<Row>> list(String teamId, String startingAfter, int limitPlusOne) {
    if (startingAfter == null) {
      return pool.preparedQuery(VIEW + " WHERE g.team_id = $1 ORDER BY g.id DESC LIMIT $2")
          .execute(Tuple.of(teamId, limitPlusOne));
    }
    return pool.preparedQuery(VIEW + " WHERE g.team_id = $1 AND g.id < $2 ORDER BY g.id DESC LIMIT $3")
        .execute(Tuple.of(teamId, startingAfter, limitPlusOne));
  }

  // ---- the worker's claim ------------------------------------------------------------------

  /**
   * Claims the oldest pending generations that fit in {@code freeSamples} (a generation needs
   * one sample per image), returning {@link #CLAIMED_COLUMNS}. Candidates are read without
   * locks, then taken by an UPDATE whose WHERE re-checks them, so two workers racing for a row
   * cannot both win it. {@code clusterNodeId} (null outside a cluster) lets the surviving nodes
   * return the claims at once when this node leaves the cluster ({@link #rescueNode}).
   */
  public Future<List<Row>> claim(String workerId, String clusterNodeId, int freeSamples, int leaseSeconds) {
    String claimable = "status = " + PENDING + " AND (lease_expires_at IS NULL OR lease_expires_at < now())";
    return pool.preparedQuery("SELECT id, image_count FROM generations WHERE " + claimable + " ORDER BY created_at, id LIMIT $1")
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
          return pool.preparedQuery("UPDATE generations SET claimed_by = $2, claimed_node = $4,"
                  + " lease_expires_at = now() + make_interval(secs => $3), attempts = attempts + 1"
                  + " WHERE id = ANY($1) AND " + claimable + " RETURNING " + CLAIMED_COLUMNS)
              .execute(Tuple.of(ids.toArray(new String[0]), workerId, leaseSeconds, clusterNodeId))
              .map(updated -> {
                List<Row> out = new ArrayList<>();
                updated.forEach(out::add);
                return out;
              });
        });
  }

  /** The first denoising step ran: pending becomes processing. */
  public Future<Void> markProcessing(List<String> ids, String workerId) {
    return pool.preparedQuery("UPDATE generations SET status = $3, started_at = now()"
            + " WHERE id = ANY($1) AND status = " + PENDING + " AND claimed_by = $2")
        .execute(Tuple.of(ids.toArray(new String[0]), workerId, GenerationStatus.PROCESSING))
        .mapEmpty();
  }

  /** Extends this worker's leases; returns the ids it still holds (others were cancelled or taken). */
  public Future<Set<String>> renew(List<String> ids, String workerId, int leaseSeconds) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(Set.of());
    }
    return pool.preparedQuery("UPDATE generations SET lease_expires_at = now() + make_interval(secs => $3)"
            + " WHERE id = ANY($1) AND claimed_by = $2 AND status IN " + OPEN + " RETURNING id")
        .execute(Tuple.of(ids.toArray(new String[0]), workerId, leaseSeconds))
        .map(rows -> {
          Set<String> held = new HashSet<>();
          rows.forEach(r -> held.add(r.getString("id")));
          return held;
        });
  }

  // ---- rescue of abandoned claims ----------------------------------------------------------

  /**
   * Returns generations whose worker stopped renewing its lease to pending; the ids rescued.
   * Idempotent, so every node may run it at once.
   */
  public Future<List<String>> rescueExpired() {
    return rescue("claimed_by IS NOT NULL AND lease_expires_at < now()", Tuple.tuple());
  }

  /** Returns every open claim taken by workers of the cluster node {@code clusterNodeId} (it left) to pending. */
  public Future<List<String>> rescueNode(String clusterNodeId) {
    return rescue("claimed_node = $1", Tuple.of(clusterNodeId));
  }

  private Future<List<String>> rescue(String which, Tuple args) {
    return pool.preparedQuery("UPDATE generations SET status = " + PENDING + ", claimed_by = NULL, claimed_node = NULL,"
            + " lease_expires_at = NULL WHERE status IN " + OPEN + " AND " + which + " RETURNING id")
        .execute(args)
        .map(rows -> {
          List<String> ids = new ArrayList<>();
          rows.forEach(r -> ids.add(r.getString("id")));
          return ids;
        });
  }

  // ---- terminal transitions ----------------------------------------------------------------

  /**
   * Marks the generation succeeded and commits its charge inside {@code tx} (the caller stores
   * the outputs in the same transaction). Applies only while the generation is open and not held
   * by another worker, so a cancelled generation is never charged and one run twice is charged
   * once. False: not applied.
   */
  public Future<Boolean> succeed(SqlConnection tx, String id, String workerId) {
    return finish(tx, id, GenerationStatus.SUCCEEDED, workerId, null, null).map(row -> row != null);
  }

  /**
   * Marks open generations failed and releases their credits, each in its own transaction (which
   * also writes its image.failed webhook delivery).
   */
  public Future<Void> fail(List<String> ids, String workerId, String message) {
    List<Future<?>> all = new ArrayList<>();
    for (String id : ids) {
      all.add(pool.withTransaction(tx -> finish(tx, id, GenerationStatus.FAILED, workerId, null, message)));
    }
    return Future.join(all).mapEmpty();
  }

  /** Outcome of a cancel: the row after it (null: no such generation), and whether it was already terminal. */
  public record Cancelled(Row row, boolean wasTerminal) {}

  /**
   * Cancels a non-terminal generation and releases its credits in one transaction. The worker
   * notices at its next step boundary; its own terminal update only applies to open rows, so a
   * cancelled generation is never charged.
   */
  public Future<Cancelled> cancel(String teamId, String id) {
    return pool.withTransaction(tx -> finish(tx, id, GenerationStatus.CANCELLED, null, teamId, null)
        .compose(row -> row != null
            ? Future.succeededFuture(new Cancelled(row, false))
            : find(tx, teamId, id).map(existing -> new Cancelled(existing, true))));
  }

  /**
   * The one terminal transition. Moves an open generation to {@code status} (for a worker's
   * result only while no other worker holds it; for a cancel only within {@code teamId}), then
   * in the same transaction moves its credits (success commits the reservation, anything else
   * releases it) and hands the row to the {@link TerminalEffects}. Returns the row after the
   * transition, or null when it did not apply.
   */
  private Future<Row> finish(SqlConnection tx, String id, String status, String workerId, String teamId, String errorMessage) {
    boolean succeeded = GenerationStatus.SUCCEEDED.equals(status);
    return tx.preparedQuery("UPDATE generations SET status = $2, completed_at = now(),"
            + " duration_ms = (extract(epoch FROM now() - created_at) * 1000)::bigint,"
            + " started_at = CASE WHEN $6 THEN coalesce(started_at, now()) ELSE started_at END,"
            + " error_message = coalesce($5, error_message), completed_by = $3,"
            + " claimed_by = NULL, claimed_node = NULL, lease_expires_at = NULL"
            + " WHERE id = $1 AND status IN " + OPEN
            + " AND ($3::text IS NULL OR claimed_by = $3 OR claimed_by IS NULL)"
            + " AND ($4::text IS NULL OR team_id = $4)")
        .execute(Tuple.of(id, status, workerId, teamId, errorMessage, succeeded))
        .compose(updated -> {
          if (updated.rowCount() == 0) {
            return Future.succeededFuture(null);
          }
          Future<Boolean> credits = succeeded ? CreditLedger.commit(tx, id) : CreditLedger.release(tx, id);
          return credits
              .compose(x -> tx.preparedQuery(VIEW + " WHERE g.id = $1").execute(Tuple.of(id)))
              .compose(rows -> {
                Row row = rows.iterator().next();
                return effects.written(tx, row).map(row);
              });
        });
  }
}
