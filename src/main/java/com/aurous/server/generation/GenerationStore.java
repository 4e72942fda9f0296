package com.aurous.server.generation;

import com.aurous.server.credits.CreditLedger;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/** The generations table: PostgreSQL is the record every node reads and writes. */
public final class GenerationStore {
  private final Pool pool;

  public GenerationStore(Pool pool) {
    this.pool = pool;
  }

  public Pool pool() {
    return pool;
  }

  /** Outcome of an attempt to create: the stored row, or why nothing was stored. */
  public record Created(Row row, boolean insufficientCredits) {}

  /** Inserts a pending generation and reserves its cost in one transaction (inside {@code tx}). */
  public static Future<Created> insert(SqlClient tx, String id, String teamId, GenerationSpec s, String version, String requestId) {
    return CreditLedger.reserve(tx, teamId, id, s.cost().amount()).compose(reserved -> {
      if (!reserved) {
        return Future.succeededFuture(new Created(null, true));
      }
      List<Object> values = new ArrayList<>(List.of(id, teamId, s.prompt()));
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
      return tx.preparedQuery("INSERT INTO generations (id, team_id, status, prompt, negative_prompt, lora_id, character_id,"
              + " width, height, size_preset, steps, guidance_scale, cfg_rescale, denoise_strength, seed, image_count,"
              + " enhance_prompt, webhook_url, reference_image_urls, inference_type, cost, cost_amount, aurous_version,"
              + " creation_request_id) VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
              + " $16, $17, $18, $19, $20, $21, $22, $23)")
          .execute(Tuple.from(values))
          .compose(r -> find(tx, teamId, id))
          .map(row -> new Created(row, false));
    });
  }

  public static Future<Row> find(SqlClient client, String teamId, String id) {
    return client.preparedQuery("SELECT " + GenerationView.COLUMNS + GenerationView.FROM + " WHERE g.id = $1 AND g.team_id = $2")
        .execute(Tuple.of(id, teamId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  public Future<Row> find(String teamId, String id) {
    return find(pool, teamId, id);
  }

  /** Newest first; {@code startingAfter} is the last id of the previous page. */
  public Future<RowSet<Row>> list(String teamId, String startingAfter, int limitPlusOne) {
    if (startingAfter == null) {
      return pool.preparedQuery("SELECT " + GenerationView.COLUMNS + GenerationView.FROM
              + " WHERE g.team_id = $1 ORDER BY g.id DESC LIMIT $2")
          .execute(Tuple.of(teamId, limitPlusOne));
    }
    return pool.preparedQuery("SELECT " + GenerationView.COLUMNS + GenerationView.FROM
            + " WHERE g.team_id = $1 AND g.id < $2 ORDER BY g.id DESC LIMIT $3")
        .execute(Tuple.of(teamId, startingAfter, limitPlusOne));
  }

  public Future<Long> countPending() {
    return pool.query("SELECT count(*) FROM generations WHERE status = 'pending'").execute()
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** Outcome of a cancel: the row after it, and whether it was already terminal. */
  public record Cancelled(Row row, boolean wasTerminal) {}

  /**
   * Cancels a non-terminal generation and releases its credits in one transaction. The worker
   * notices at its next step boundary; its own terminal update only applies to open rows, so a
   * cancelled generation is never charged.
   */
  public Future<Cancelled> cancel(String teamId, String id) {
    return pool.withTransaction(tx -> tx.preparedQuery("UPDATE generations SET status = 'cancelled', completed_at = now(),"
                + " duration_ms = (extract(epoch FROM now() - created_at) * 1000)::bigint, claimed_by = NULL, lease_expires_at = NULL"
                + " WHERE id = $1 AND team_id = $2 AND status IN ('pending', 'processing')")
            .execute(Tuple.of(id, teamId))
            .compose(updated -> {
              Future<Boolean> released = updated.rowCount() > 0 ? CreditLedger.release(tx, id) : Future.succeededFuture(false);
              return released.compose(x -> find(tx, teamId, id))
                  .map(row -> new Cancelled(row, updated.rowCount() == 0));
            }));
  }
}
