package com.aurous.server.auth;

import com.aurous.server.storage.DatabaseFaults;
import com.aurous.server.storage.OutageLog;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * API-key authentication with a stale-if-error memory, per node: every successful look-up
 * records key hash → team, and while PostgreSQL is unreachable a key this node has seen accepted
 * is still recognised, so requests that need no write (estimate) keep answering. The database
 * stays the authority whenever it answers: a key it no longer knows (revoked) is forgotten at
 * once. Keyed by the SHA-256 of the key, like api_keys, and bounded (least recently used out).
 */
public final class KeyCache {
  private static final Logger LOG = LoggerFactory.getLogger(KeyCache.class);

  private final TeamStore teams;
  private final Map<String, Team> lastKnown;
  private final OutageLog outage = new OutageLog(LOG, "API key look-up");

  public KeyCache(TeamStore teams, int maxKeys) {
    this.teams = teams;
    this.lastKnown = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Team> eldest) {
        return size() > maxKeys;
      }
    };
  }

  /** The key's team, null for a key that is not (or no longer) valid; fails only when the database is down and the key unknown here. */
  public Future<Team> authenticate(String apiKey) {
    if (!ApiKeys.looksValid(apiKey)) {
      return Future.succeededFuture(null);
    }
    String hash = ApiKeys.hash(apiKey);
    return teams.teamForKeyHash(hash).transform(ar -> {
      if (ar.succeeded()) {
        outage.succeeded();
        remember(hash, ar.result());
        return Future.succeededFuture(ar.result());
      }
      outage.failed(ar.cause());
      Team known = DatabaseFaults.isUnavailable(ar.cause()) ? recall(hash) : null;
      return known != null ? Future.succeededFuture(known) : Future.failedFuture(ar.cause());
    });
  }

  private synchronized void remember(String hash, Team team) {
    if (team == null) {
      lastKnown.remove(hash);
    } else {
      lastKnown.put(hash, team);
    }
  }

  private synchronized Team recall(String hash) {
    return lastKnown.get(hash);
  }
}
