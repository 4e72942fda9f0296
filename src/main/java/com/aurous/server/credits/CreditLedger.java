package com.aurous.server.credits;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * Every credit movement is a ledger row, written in the same transaction as the change to the
 * team's cached balance, so balance = sum(ledger) always holds. A generation's reservation is a
 * negative row; success adds a zero 'commit' row that makes it final; failure or cancellation
 * adds a 'release' row giving it back. The unique (generation_id, kind) index makes each happen
 * at most once however many workers or requests race.
 */
public final class CreditLedger {
  private CreditLedger() {}

  /** False when the balance is short (nothing is written then). */
  public static Future<Boolean> reserve(SqlClient tx, String teamId, String generationId, long amount) {
    return tx.preparedQuery("UPDATE teams SET balance = balance - $2 WHERE id = $1 AND balance >= $2")
        .execute(Tuple.of(teamId, amount))
        .compose(rows -> {
          if (rows.rowCount() == 0) {
            return Future.succeededFuture(false);
          }
          return tx.preparedQuery("INSERT INTO credit_ledger (team_id, generation_id, kind, amount) VALUES ($1, $2, 'reserve', $3)")
              .execute(Tuple.of(teamId, generationId, -amount))
              .map(true);
        });
  }

  /** Makes a reservation final; true when this call was the one that did. */
  public static Future<Boolean> commit(SqlClient tx, String generationId) {
    return tx.preparedQuery("INSERT INTO credit_ledger (team_id, generation_id, kind, amount)"
            + " SELECT team_id, generation_id, 'commit', 0 FROM credit_ledger WHERE generation_id = $1 AND kind = 'reserve'"
            + " ON CONFLICT (generation_id, kind) WHERE generation_id IS NOT NULL DO NOTHING")
        .execute(Tuple.of(generationId))
        .map(rows -> rows.rowCount() > 0);
  }

  /** Gives a reservation back; true when this call was the one that did. */
  public static Future<Boolean> release(SqlClient tx, String generationId) {
    return tx.preparedQuery("WITH ins AS ("
            + " INSERT INTO credit_ledger (team_id, generation_id, kind, amount)"
            + " SELECT team_id, generation_id, 'release', -amount FROM credit_ledger WHERE generation_id = $1 AND kind = 'reserve'"
            + " ON CONFLICT (generation_id, kind) WHERE generation_id IS NOT NULL DO NOTHING"
            + " RETURNING team_id, amount)"
            + " UPDATE teams t SET balance = t.balance + ins.amount FROM ins WHERE t.id = ins.team_id")
        .execute(Tuple.of(generationId))
        .map(rows -> rows.rowCount() > 0);
  }

  public static Future<Void> grant(SqlClient tx, String teamId, long amount) {
    return tx.preparedQuery("UPDATE teams SET balance = balance + $2 WHERE id = $1")
        .execute(Tuple.of(teamId, amount))
        .compose(r -> tx.preparedQuery("INSERT INTO credit_ledger (team_id, kind, amount) VALUES ($1, 'grant', $2)")
            .execute(Tuple.of(teamId, amount)))
        .mapEmpty();
  }
}
