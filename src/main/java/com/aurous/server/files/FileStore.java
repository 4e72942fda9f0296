package com.aurous.server.files;

import com.aurous.server.catalog.FileCatalog;
import com.aurous.server.storage.OutageLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The files table, and the only class with SQL on it. A file is <em>live</em> until its
 * expires_at, and past it while it is <em>held</em>: named by one of the team's characters
 * (its references or the ones it is being made from) or by an open (pending or processing)
 * generation's snapshot. So a character's files last as long as the character, and a
 * generation accepted with a file keeps it until it ends, whatever happens to the character.
 * The purge deletes files that are neither live nor held; every read sees only live files.
 */
public final class FileStore implements FileCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(FileStore.class);
  private static final String HELD = "(EXISTS (SELECT 1 FROM characters c WHERE c.team_id = f.team_id"
      + " AND (c.reference_image_urls ? f.id OR c.source_references ? f.id))"
      + " OR EXISTS (SELECT 1 FROM generations g WHERE g.team_id = f.team_id AND g.status IN ('pending', 'processing')"
      + " AND g.reference_image_urls ? f.id))";
  private static final String LIVE = "(f.expires_at > now() OR " + HELD + ")";
  private static final String META = "f.id, f.mime_type, f.bytes, f.width, f.height, f.created_at, f.expires_at, "
      + HELD + " AS in_use";

  private final Pool pool;
  private final OutageLog outage = new OutageLog(LOG, "File purge");

  public FileStore(Pool pool) {
    this.pool = pool;
  }

  /** A stored file's metadata row, as {@link #toJson} renders it. */
  public Future<Row> insert(String id, String teamId, ImageInspector.Format format, byte[] content, int width, int height,
      String sourceUrl, long ttlSeconds) {
    return pool.preparedQuery("INSERT INTO files AS f (id, team_id, mime_type, bytes, width, height, content, source_url,"
            + " expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9)) RETURNING " + META)
        .execute(Tuple.from(new Object[] {id, teamId, format.mimeType(), content.length, width, height, Buffer.buffer(content),
            sourceUrl, (double) ttlSeconds}))
        .map(rows -> rows.iterator().next());
  }

  /** The team's live file's metadata, or null (missing, another team's, or expired). */
  public Future<Row> find(String teamId, String id) {
    return pool.preparedQuery("SELECT " + META + " FROM files f WHERE f.id = $1 AND f.team_id = $2 AND " + LIVE)
        .execute(Tuple.of(id, teamId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /** The team's live file's bytes, or null. */
  public Future<byte[]> content(String teamId, String id) {
    return pool.preparedQuery("SELECT f.content FROM files f WHERE f.id = $1 AND f.team_id = $2 AND " + LIVE)
        .execute(Tuple.of(id, teamId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getBuffer("content").getBytes());
  }

  /** Newest first, at most {@code limit} rows with ids below {@code startingAfter} (when given). */
  public Future<RowSet<Row>> list(String teamId, String startingAfter, int limit) {
    return pool.preparedQuery("SELECT " + META + " FROM files f WHERE f.team_id = $1 AND ($2::text IS NULL OR f.id < $2)"
            + " AND " + LIVE + " ORDER BY f.id DESC LIMIT $3")
        .execute(Tuple.of(teamId, startingAfter, limit));
  }

  public enum Deletion { DELETED, MISSING, IN_USE }

  /**
   * Deletes the team's live file unless a character or an open generation holds it. The row is
   * locked first and whether it is held asked in a second statement, with a snapshot taken after
   * the lock: a create that locked it ({@link #missingOrHold}) has committed its row by then, so
   * it is seen, and a file is never deleted from under a generation or character just accepted.
   */
  public Future<Deletion> delete(String teamId, String id) {
    return pool.withTransaction(tx -> tx.preparedQuery("SELECT f.id FROM files f"
                + " WHERE f.id = $1 AND f.team_id = $2 AND " + LIVE + " FOR UPDATE")
            .execute(Tuple.of(id, teamId))
            .compose(rows -> rows.size() == 0 ? Future.succeededFuture(Deletion.MISSING)
                : tx.preparedQuery("SELECT " + HELD + " AS in_use FROM files f WHERE f.id = $1").execute(Tuple.of(id))
                    .compose(held -> held.iterator().next().getBoolean("in_use") ? Future.succeededFuture(Deletion.IN_USE)
                        : tx.preparedQuery("DELETE FROM files WHERE id = $1").execute(Tuple.of(id)).map(Deletion.DELETED))));
  }

  @Override
  public Future<Set<String>> missing(String teamId, List<String> fileIds) {
    if (fileIds.isEmpty()) {
      return Future.succeededFuture(Set.of());
    }
    return pool.preparedQuery("SELECT f.id FROM files f WHERE f.team_id = $1 AND f.id = ANY($2) AND " + LIVE)
        .execute(Tuple.tuple().addString(teamId).addArrayOfString(fileIds.toArray(new String[0])))
        .map(rows -> {
          Set<String> missing = new HashSet<>(fileIds);
          rows.forEach(r -> missing.remove(r.getString("id")));
          return missing;
        });
  }

  @Override
  public Future<Set<String>> missingOrHold(SqlConnection tx, String teamId, List<String> fileIds) {
    if (fileIds.isEmpty()) {
      return Future.succeededFuture(Set.of());
    }
    // FOR KEY SHARE: creates referencing one file do not wait for each other, a delete waits for them.
    return tx.preparedQuery("SELECT f.id FROM files f WHERE f.team_id = $1 AND f.id = ANY($2) AND " + LIVE
            + " ORDER BY f.id FOR KEY SHARE")
        .execute(Tuple.tuple().addString(teamId).addArrayOfString(fileIds.toArray(new String[0])))
        .map(rows -> {
          Set<String> missing = new HashSet<>(fileIds);
          rows.forEach(r -> missing.remove(r.getString("id")));
          return missing;
        });
  }

  /** Deletes files past their expiry that nothing holds, a bounded batch at a time; how many. */
  public Future<Integer> purge(int batch) {
    return pool.preparedQuery("DELETE FROM files WHERE id IN (SELECT f.id FROM files f WHERE f.expires_at <= now()"
            + " AND NOT " + HELD + " LIMIT $1)")
        .execute(Tuple.of(batch))
        .map(RowSet::rowCount);
  }

  /** Every node purges on its own timer: the DELETE is idempotent, so overlapping runs are harmless. */
  public void startPurger(Vertx vertx, long intervalSeconds) {
    vertx.setPeriodic(intervalSeconds * 1000, t -> purgeAll(vertx).onComplete(outage::record));
  }

  private Future<Integer> purgeAll(Vertx vertx) {
    return purge(1000).compose(n -> {
      if (n > 0) {
        LOG.info("Purged {} expired file(s)", n);
      }
      return n == 1000 ? purgeAll(vertx).map(m -> n + m) : Future.succeededFuture(n);
    });
  }

  /** The public file object. */
  public static JsonObject toJson(Row r) {
    return new JsonObject()
        .put("id", r.getString("id"))
        .put("object", "file")
        .put("bytes", r.getInteger("bytes"))
        .put("mime_type", r.getString("mime_type"))
        .put("width", r.getInteger("width"))
        .put("height", r.getInteger("height"))
        .put("created_at", r.getOffsetDateTime("created_at").toInstant().toString())
        .put("expires_at", r.getOffsetDateTime("expires_at").toInstant().toString())
        .put("in_use", r.getBoolean("in_use"));
  }
}
