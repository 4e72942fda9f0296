package com.aurous.server.output;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/** The generation_outputs table: a succeeded generation's PNGs, kept until they expire. */
public final class OutputStore {
  private final Pool pool;

  public OutputStore(Pool pool) {
    this.pool = pool;
  }

  /** Stores the PNGs inside the transaction that marks their generation succeeded. */
  public static Future<Void> insert(SqlConnection tx, String generationId, List<byte[]> pngs, int ttlHours) {
    List<Tuple> batch = new ArrayList<>();
    for (int i = 0; i < pngs.size(); i++) {
      batch.add(Tuple.of(generationId, i, Buffer.buffer(pngs.get(i)), ttlHours));
    }
    return tx.preparedQuery("INSERT INTO generation_outputs (generation_id, idx, png, expires_at)"
            + " VALUES ($1, $2, $3, now() + make_interval(hours => $4))")
        .executeBatch(batch)
        .mapEmpty();
  }

  /** The unexpired PNG, or null (never stored, or past its TTL). */
  public Future<Buffer> png(String generationId, int index) {
    return pool.preparedQuery("SELECT png FROM generation_outputs WHERE generation_id = $1 AND idx = $2 AND expires_at > now()")
        .execute(Tuple.of(generationId, index))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getBuffer(0));
  }

  /** Deletes expired PNGs; the number deleted (harmless when several nodes run it at once). */
  public Future<Integer> deleteExpired() {
    return pool.query("DELETE FROM generation_outputs WHERE expires_at <= now()").execute().map(r -> r.rowCount());
  }
}
