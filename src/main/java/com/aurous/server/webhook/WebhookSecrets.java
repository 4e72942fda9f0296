package com.aurous.server.webhook;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.security.SecureRandom;
import java.util.Base64;

/** Per-team signing secrets, {@code whsec_<base64 of 24 random bytes>}, created on first need. */
public final class WebhookSecrets {
  public static final String PREFIX = "whsec_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private WebhookSecrets() {}

  public static String generate() {
    byte[] key = new byte[24];
    RANDOM.nextBytes(key);
    return PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /** The team's secret, minting one if it has none (racing nodes agree: the first insert wins). */
  public static Future<String> ensure(SqlClient client, String teamId) {
    return client.preparedQuery("INSERT INTO webhook_secrets (team_id, secret) VALUES ($1, $2) ON CONFLICT (team_id) DO NOTHING")
        .execute(Tuple.of(teamId, generate()))
        .compose(r -> client.preparedQuery("SELECT secret FROM webhook_secrets WHERE team_id = $1").execute(Tuple.of(teamId)))
        .map(rows -> rows.iterator().next().getString("secret"));
  }

  /** Replaces the team's secret; attempts from now on are signed with the new one. */
  public static Future<String> rotate(SqlClient client, String teamId) {
    String fresh = generate();
    return client.preparedQuery("INSERT INTO webhook_secrets (team_id, secret) VALUES ($1, $2)"
            + " ON CONFLICT (team_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = now()")
        .execute(Tuple.of(teamId, fresh))
        .map(fresh);
  }
}
