package com.aurous.server.auth;

import com.aurous.server.credits.CreditLedger;
import com.aurous.server.util.Ids;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/** Teams, their keys and credit grants: what the CLI manages and authentication reads. */
public final class TeamStore {
  private final Pool pool;

  public TeamStore(Pool pool) {
    this.pool = pool;
  }

  public record CreatedKey(String keyId, String key, String teamId) {}

  public Future<Team> authenticate(String apiKey) {
    if (!ApiKeys.looksValid(apiKey)) {
      return Future.succeededFuture(null);
    }
    return keyForHash(ApiKeys.hash(apiKey)).map(k -> k == null ? null : k.team());
  }

  /** A live (not revoked) key with its team and rate-limit overrides, by the key's SHA-256; null when there is none. */
  public Future<AuthenticatedKey> keyForHash(String keyHash) {
    return pool.preparedQuery("SELECT k.id AS key_id, k.rate_limit_requests, k.rate_limit_concurrent,"
            + " t.id, t.name, t.pinned_version FROM api_keys k JOIN teams t ON t.id = k.team_id"
            + " WHERE k.key_hash = $1 AND k.revoked_at IS NULL")
        .execute(Tuple.of(keyHash))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row r = rows.iterator().next();
          return new AuthenticatedKey(r.getString("key_id"), toTeam(r),
              new KeyLimits(r.getLong("rate_limit_requests"), r.getLong("rate_limit_concurrent")));
        });
  }

  public Future<Team> createTeam(String name, long credits) {
    String id = Ids.newId("team");
    return pool.withTransaction(tx -> tx.preparedQuery("INSERT INTO teams (id, name) VALUES ($1, $2)")
            .execute(Tuple.of(id, name))
            .compose(r -> credits > 0 ? CreditLedger.grant(tx, id, credits) : Future.succeededFuture()))
        .map(v -> new Team(id, name, null));
  }

  public Future<Team> findByName(String name) {
    return pool.preparedQuery("SELECT id, name, pinned_version FROM teams WHERE name = $1")
        .execute(Tuple.of(name))
        .map(rows -> rows.size() == 0 ? null : toTeam(rows.iterator().next()));
  }

  public Future<Long> countTeams() {
    return pool.query("SELECT count(*) FROM teams").execute().map(rows -> rows.iterator().next().getLong(0));
  }

  public Future<Long> balance(String teamId) {
    return CreditLedger.balance(pool, teamId);
  }

  public Future<Long> ledgerSum(String teamId) {
    return CreditLedger.ledgerSum(pool, teamId);
  }

  public Future<Void> grant(String teamId, long credits) {
    return pool.withTransaction(tx -> CreditLedger.grant(tx, teamId, credits));
  }

  public Future<Void> pinVersion(String teamId, String version) {
    return pool.preparedQuery("UPDATE teams SET pinned_version = $2 WHERE id = $1").execute(Tuple.of(teamId, version)).mapEmpty();
  }

  public Future<CreatedKey> createKey(String teamId) {
    String key = ApiKeys.generate();
    return insertKey(teamId, key);
  }

  /** Imports an existing key (for example a legacy og_ key) by its hash. */
  public Future<CreatedKey> insertKey(String teamId, String key) {
    String id = Ids.newId("key");
    return pool.preparedQuery("INSERT INTO api_keys (id, team_id, key_hash, key_prefix) VALUES ($1, $2, $3, $4)")
        .execute(Tuple.of(id, teamId, ApiKeys.hash(key), ApiKeys.displayPrefix(key)))
        .map(r -> new CreatedKey(id, key, teamId));
  }

  /** Revokes by key id or by the key itself; true when a live key was revoked. */
  public Future<Boolean> revoke(String keyIdOrKey) {
    return pool.preparedQuery("UPDATE api_keys SET revoked_at = now() WHERE (id = $1 OR key_hash = $2) AND revoked_at IS NULL")
        .execute(Tuple.of(keyIdOrKey, ApiKeys.hash(keyIdOrKey)))
        .map(rows -> rows.rowCount() > 0);
  }

  /**
   * Sets a live key's rate-limit overrides (by key id or the key itself); a field left out is
   * unchanged, {@link KeyLimitChange#DEFAULT} clears it back to the configured default. The V7
   * trigger notifies every node's key cache at commit. True when a live key was changed.
   */
  public Future<Boolean> limitKey(String keyIdOrKey, KeyLimitChange requests, KeyLimitChange concurrent) {
    return pool.preparedQuery("UPDATE api_keys SET"
            + " rate_limit_requests = CASE WHEN $3 THEN $4::bigint ELSE rate_limit_requests END,"
            + " rate_limit_concurrent = CASE WHEN $5 THEN $6::bigint ELSE rate_limit_concurrent END"
            + " WHERE (id = $1 OR key_hash = $2) AND revoked_at IS NULL")
        .execute(Tuple.from(java.util.Arrays.asList(keyIdOrKey, ApiKeys.hash(keyIdOrKey),
            requests.changes(), requests.value(), concurrent.changes(), concurrent.value())))
        .map(rows -> rows.rowCount() > 0);
  }

  /** One field of {@link #limitKey}: left as it is, back to the default (null), or a value (0: unlimited). */
  public record KeyLimitChange(boolean changes, Long value) {
    public static final KeyLimitChange UNCHANGED = new KeyLimitChange(false, null);
    public static final KeyLimitChange DEFAULT = new KeyLimitChange(true, null);

    public static KeyLimitChange to(long value) {
      return new KeyLimitChange(true, value);
    }
  }

  public Future<io.vertx.sqlclient.RowSet<Row>> listKeys(String teamId) {
    return pool.preparedQuery("SELECT id, key_prefix, created_at, revoked_at, rate_limit_requests, rate_limit_concurrent"
            + " FROM api_keys WHERE team_id = $1 ORDER BY created_at")
        .execute(Tuple.of(teamId));
  }

  public Future<io.vertx.sqlclient.RowSet<Row>> listTeams() {
    return pool.query("SELECT id, name, balance, pinned_version FROM teams ORDER BY name").execute();
  }

  private static Team toTeam(Row r) {
    return new Team(r.getString("id"), r.getString("name"), r.getString("pinned_version"));
  }
}
