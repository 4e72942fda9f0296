package com.aurous.server.storage;

import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * The one place that decides whether a failure means "PostgreSQL is unreachable right now"
 * (retry later, nothing was decided) rather than "this statement is wrong" (a bug or a
 * constraint). Callers map the first to 503 and to a paused worker, never to a failed generation.
 */
public final class DatabaseFaults {
  /**
   * admin_shutdown, crash_shutdown, cannot_connect_now (the server is stopping or still
   * starting), and too_many_connections (it is full: the same "try again shortly").
   */
  private static final Set<String> GOING_AWAY = Set.of("57P01", "57P02", "57P03", "53300");
  /** How the pool and the client report a connection that never came or went away, without a type of their own. */
  private static final Set<String> LOST_MESSAGES = Set.of("Connection is closed", "Timeout waiting for connection");

  private DatabaseFaults() {}

  public static boolean isUnavailable(Throwable failure) {
    int depth = 0;
    for (Throwable t = failure; t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof DatabaseException db) {
        // A server that answered with an error is reachable, unless the error says it is going away.
        String state = db.getSqlState();
        return state != null && (state.startsWith("08") || GOING_AWAY.contains(state));
      }
      if (t instanceof IOException // connect refused, reset by peer, closed channel, unknown host
          || t instanceof ClosedConnectionException
          || t instanceof ConnectionPoolTooBusyException
          || t instanceof TimeoutException) {
        return true;
      }
      if (t instanceof VertxException && t.getMessage() != null && LOST_MESSAGES.contains(t.getMessage())) {
        return true;
      }
    }
    return false;
  }
}
