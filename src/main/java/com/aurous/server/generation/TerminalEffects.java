package com.aurous.server.generation;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;

/**
 * What must exist exactly when a generation's terminal state does (the webhook outbox row),
 * written by its own table's owner inside the transaction that made the generation terminal.
 */
public interface TerminalEffects {
  /**
   * {@code generation} is the row as this transaction sees it after the transition:
   * {@link GenerationView#COLUMNS} plus {@code team_id}.
   */
  Future<Void> written(SqlConnection tx, Row generation);

  TerminalEffects NONE = (tx, generation) -> Future.succeededFuture();
}
