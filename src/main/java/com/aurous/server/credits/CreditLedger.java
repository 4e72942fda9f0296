package com.aurous.server.credits;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * Every credit movement is a ledger row, written in the same transaction as the change to the
 * team's cached balance, so balance = sum(ledger) always holds. A generation's reservation is a
 * negative row; success adds a zero 'commit' row that makes it final; failure or cancellation
 * adds a 'release' row giving it back. The unique (generation_id, kind) index makes each happen
 * at most once however many workers or requests race. The owner of the credit_ledger table and of
 * the balance column of teams: every method that moves credits takes the caller's transaction.
 */
public final class CreditLedger {
  private CreditLedger() {}

  /** False when the balance is short (nothing is written then). */
  public static Future<Boolean> reserve(SqlConnection tx, String teamId, String generationId, long amount) {
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
  public static Future<Boolean> commit(SqlConnection tx, String generationId) {
    return tx.preparedQuery("INSERT INTO credit_ledger (team_id, generation_id, kind, amount)"
            + " SELECT team_id, generation_id, 'commit', 0 FROM credit_ledger WHERE generation_id = $1 AND kind = 'reserve'"
            + " ON CONFLICT (generation_id, kind) WHERE generation_id IS NOT NULL DO NOTHING")
        .execute(Tuple.of(generationId))
        .map(rows -> rows.rowCount() > 0);
  }

  /** Gives a reservation back; true when this call was the one that did. */
  public static Future<Boolean> release(SqlConnection tx, String generationId) {
    return tx.preparedQuery("WITH ins AS ("
            + " INSERT INTO credit_ledger (team_id, generation_id, kind, amount)"
            + " SELECT team_id, generation_id, 'release', -amount FROM credit_ledger WHERE generation_id = $1 AND kind = 'reserve'"
            + " ON CONFLICT (generation_id, kind) WHERE generation_id IS NOT NULL DO NOTHING"
            + " RETURNING team_id, amount)"
            + " UPDATE teams t SET balance = t.balance + ins.amount FROM ins WHERE t.id = ins.team_id")
        .execute(Tuple.of(generationId))
        .map(rows -> rows.rowCount() > 0);
  }

  public static Future<Void> grant(SqlConnection tx, String teamId, long amount) {
    return tx.preparedQuery("UPDATE teams SET balance = balance + $2 WHERE id = $1")
        .execute(Tuple.of(teamId, amount))
        .compose(r -> tx.preparedQuery("INSERT INTO credit_ledger (team_id, kind, amount) VALUES ($1, 'grant', $2)")
            .execute(Tuple.of(teamId, amount)))
        .mapEmpty();
  }

  public static Future<Long> balance(SqlClient client, String teamId) {
    return client.preparedQuery("SELECT balance FROM teams WHERE id = $1").execute(Tuple.of(teamId))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** The sum of the team's ledger, which the balance must always equal. */
  public static Future<Long> ledgerSum(SqlClient client, String teamId) {
    return client.preparedQuery("SELECT coalesce(sum(amount), 0) FROM credit_ledger WHERE team_id = $1").execute(Tuple.of(teamId))
        .map(rows -> rows.iterator().next().getLong(0));
  }
}
