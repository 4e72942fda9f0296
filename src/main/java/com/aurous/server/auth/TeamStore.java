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
    return teamForKeyHash(ApiKeys.hash(apiKey));
  }

  /** The team of a live (not revoked) key, by the key's SHA-256; null when there is none. */
  public Future<Team> teamForKeyHash(String keyHash) {
    return pool.preparedQuery("SELECT t.id, t.name, t.pinned_version FROM api_keys k JOIN teams t ON t.id = k.team_id"
            + " WHERE k.key_hash = $1 AND k.revoked_at IS NULL")
        .execute(Tuple.of(keyHash))
        .map(rows -> rows.size() == 0 ? null : toTeam(rows.iterator().next()));
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

  public Future<io.vertx.sqlclient.RowSet<Row>> listKeys(String teamId) {
    return pool.preparedQuery("SELECT id, key_prefix, created_at, revoked_at FROM api_keys WHERE team_id = $1 ORDER BY created_at")
        .execute(Tuple.of(teamId));
  }

  public Future<io.vertx.sqlclient.RowSet<Row>> listTeams() {
    return pool.query("SELECT id, name, balance, pinned_version FROM teams ORDER BY name").execute();
  }

  private static Team toTeam(Row r) {
    return new Team(r.getString("id"), r.getString("name"), r.getString("pinned_version"));
  }
}
