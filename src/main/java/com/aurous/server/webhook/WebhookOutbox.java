package com.aurous.server.webhook;

import com.aurous.server.generation.GenerationStatus;
import com.aurous.server.generation.GenerationView;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * The write side of the outbox. Called inside the transaction that moves a generation to
 * succeeded or failed, so the delivery exists exactly when the terminal state is committed: a
 * node dying right after the commit loses no webhook, and a rolled back transition sends none.
 */
public final class WebhookOutbox {
  public static final String COMPLETED = "image.completed";
  public static final String FAILED = "image.failed";

  private WebhookOutbox() {}

  /**
   * Enqueues the generation's terminal event when it has a webhook_url; the payload is the GET
   * object as this transaction sees it, frozen so every attempt sends the same bytes.
   */
  public static Future<Void> enqueue(SqlClient tx, String generationId, GenerationView view) {
    return tx.preparedQuery("SELECT " + GenerationView.COLUMNS + ", g.team_id AS team_id" + GenerationView.FROM + " WHERE g.id = $1")
        .execute(Tuple.of(generationId))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture();
          }
          Row row = rows.iterator().next();
          String url = row.getString("webhook_url");
          String status = row.getString("status");
          String event = GenerationStatus.SUCCEEDED.equals(status) ? COMPLETED : GenerationStatus.FAILED.equals(status) ? FAILED : null;
          if (url == null || url.isBlank() || event == null) {
            return Future.succeededFuture();
          }
          String payload = new JsonObject().put("event", event).put("data", view.toJson(row)).encode();
          return WebhookDeliveryStore.insert(tx, generationId, row.getString("team_id"), event, url, payload);
        });
  }
}
