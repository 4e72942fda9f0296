package com.aurous.server.characters;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * The characters table's writes and the API's reads of it (the create and estimate paths read a
 * ready character through catalog/CatalogResolver). A character is synthesized by a job on any
 * node, which claims it with a lease like a worker claims a generation: a node that leaves the
 * cluster has its claim returned at once by the survivors ({@link #rescueNode}); a node that dies
 * outside a cluster stops renewing, the lease runs out and another node's job claims it again;
 * after characters.max_attempts claims it is failed instead, so a character that kills its node
 * cannot take the cluster down with it.
 */
public final class CharacterStore {
  private static final String COLUMNS = "id, name, status, source_references, reference_image_urls,"
      + " consistency_denoise_strength, failure_reason, created_at, ready_at";

  private final Pool pool;

  public CharacterStore(Pool pool) {
    this.pool = pool;
  }

  public Pool pool() {
    return pool;
  }

  /** Inserts a synthesizing character through {@code client} (the create's transaction). */
  public Future<Row> insert(SqlClient client, String id, String teamId, String name, List<String> references, double denoise) {
    return client.preparedQuery("INSERT INTO characters (id, team_id, name, status, source_references, consistency_denoise_strength)"
            + " VALUES ($1, $2, $3, 'synthesizing', $4, $5) RETURNING " + COLUMNS)
        .execute(Tuple.of(id, teamId, name, new JsonArray(references), denoise))
        .map(rows -> rows.iterator().next());
  }

  /** The team's character, or null (another team's reads as missing). */
  public Future<Row> find(String teamId, String id) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM characters WHERE id = $1 AND team_id = $2")
        .execute(Tuple.of(id, teamId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  public Future<RowSet<Row>> list(String teamId, String startingAfter, int limit) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM characters WHERE team_id = $1 AND ($2::text IS NULL OR id < $2)"
            + " ORDER BY id DESC LIMIT $3")
        .execute(Tuple.of(teamId, startingAfter, limit));
  }

  /**
   * True when it existed. Its files stop being held by it; a generation already accepted keeps
   * its own snapshot of them (see FileStore).
   */
  public Future<Boolean> delete(String teamId, String id) {
    return pool.preparedQuery("DELETE FROM characters WHERE id = $1 AND team_id = $2")
        .execute(Tuple.of(id, teamId))
        .map(rows -> rows.rowCount() > 0);
  }

  // ---- the synthesis job ---------------------------------------------------------------------

  /** Between a job's name and its node's cluster member id in {@code claimed_by}. */
  private static final String ON_MEMBER = "@";

  /**
   * The job's {@code claimed_by}: its node's name, and on a clustered node also the node's
   * cluster member id, so the survivors can find its claims when it leaves ({@link #rescueNode}).
   * Generations keep the member id in a column of their own (claimed_node); here it rides in the
   * worker id, which needs no schema change.
   */
  public static String workerId(String nodeName, String clusterNodeId) {
    return nodeName + "/characters" + (clusterNodeId == null ? "" : ON_MEMBER + clusterNodeId);
  }

  /** A claimed character: what the job needs. */
  public record Claim(String id, String teamId, List<String> sourceReferences, int attempts) {}

  /**
   * Fails characters interrupted {@code maxAttempts} times (their lease ran out, or their node
   * left and {@link #rescueNode} returned them with the lease cleared), then claims the oldest
   * unclaimed (or abandoned) synthesizing one for {@code workerId}; null when there is none.
   */
  public Future<Claim> claim(String workerId, int leaseSeconds, int maxAttempts) {
    return pool.preparedQuery("UPDATE characters SET status = 'failed', claimed_by = NULL, lease_expires_at = NULL,"
            + " failure_reason = 'Synthesis was interrupted ' || attempts || ' times; create the character again.'"
            + " WHERE status = 'synthesizing' AND attempts >= $1 AND (lease_expires_at IS NULL OR lease_expires_at < now())")
        .execute(Tuple.of(maxAttempts))
        .compose(v -> pool.preparedQuery("UPDATE characters SET claimed_by = $1,"
                + " lease_expires_at = now() + make_interval(secs => $2), attempts = attempts + 1"
                + " WHERE id = (SELECT id FROM characters WHERE status = 'synthesizing' AND attempts < $3"
                + " AND (lease_expires_at IS NULL OR lease_expires_at < now()) ORDER BY created_at, id LIMIT 1"
                + " FOR UPDATE SKIP LOCKED) RETURNING id, team_id, source_references, attempts")
            .execute(Tuple.of(workerId, leaseSeconds, maxAttempts)))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row r = rows.iterator().next();
          List<String> refs = r.getJsonArray("source_references").stream().map(String::valueOf).toList();
          return new Claim(r.getString("id"), r.getString("team_id"), refs, r.getInteger("attempts"));
        });
  }

  /**
   * Returns the synthesizing characters claimed by the job of cluster member
   * {@code clusterNodeId}, which has left, to unclaimed; their ids. {@code attempts} is left as
   * it is: the claim already counted the attempt the departure interrupted, as an expired lease
   * would, so a character whose synthesis kills its node still fails after max_attempts claims
   * (the next {@link #claim} fails it rather than claiming it again). Idempotent, so every
   * surviving node may run it at once.
   */
  public Future<List<String>> rescueNode(String clusterNodeId) {
    return pool.preparedQuery("UPDATE characters SET claimed_by = NULL, lease_expires_at = NULL"
            + " WHERE status = 'synthesizing' AND right(claimed_by, length($1)) = $1 RETURNING id")
        .execute(Tuple.of(ON_MEMBER + clusterNodeId))
        .map(rows -> {
          List<String> ids = new ArrayList<>();
          rows.forEach(r -> ids.add(r.getString("id")));
          return ids;
        });
  }

  /** False when the claim is gone (the character was deleted, or the lease lapsed and was taken). */
  public Future<Boolean> renew(String id, String workerId, int leaseSeconds) {
    return pool.preparedQuery("UPDATE characters SET lease_expires_at = now() + make_interval(secs => $3)"
            + " WHERE id = $1 AND claimed_by = $2 AND status = 'synthesizing'")
        .execute(Tuple.of(id, workerId, leaseSeconds))
        .map(rows -> rows.rowCount() > 0);
  }

  public Future<Boolean> ready(String id, String workerId, List<String> fileIds) {
    return pool.preparedQuery("UPDATE characters SET status = 'ready', reference_image_urls = $3, ready_at = now(),"
            + " claimed_by = NULL, lease_expires_at = NULL WHERE id = $1 AND claimed_by = $2 AND status = 'synthesizing'")
        .execute(Tuple.of(id, workerId, new JsonArray(fileIds)))
        .map(rows -> rows.rowCount() > 0);
  }

  public Future<Boolean> failed(String id, String workerId, String reason) {
    return pool.preparedQuery("UPDATE characters SET status = 'failed', failure_reason = $3,"
            + " claimed_by = NULL, lease_expires_at = NULL WHERE id = $1 AND claimed_by = $2 AND status = 'synthesizing'")
        .execute(Tuple.of(id, workerId, reason))
        .map(rows -> rows.rowCount() > 0);
  }

  /** The public character object. */
  public static JsonObject toJson(Row r) {
    Object files = r.getValue("reference_image_urls");
    boolean ready = "ready".equals(r.getString("status"));
    return new JsonObject()
        .put("id", r.getString("id"))
        .put("object", "character")
        .put("name", r.getString("name"))
        .put("status", r.getString("status"))
        .put("reference_image_urls", r.getValue("source_references"))
        .put("reference_file_ids", ready && files instanceof JsonArray a ? a : null)
        .put("consistency_denoise_strength", r.getDouble("consistency_denoise_strength"))
        .put("failure_reason", r.getString("failure_reason"))
        .put("created_at", r.getOffsetDateTime("created_at").toInstant().toString())
        .put("ready_at", r.getOffsetDateTime("ready_at") == null ? null : r.getOffsetDateTime("ready_at").toInstant().toString());
  }
}
