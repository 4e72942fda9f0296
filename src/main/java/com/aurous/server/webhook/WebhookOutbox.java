package com.aurous.server.webhook;

import com.aurous.server.generation.GenerationStatus;
import com.aurous.server.generation.GenerationView;
import com.aurous.server.generation.TerminalEffects;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * The write side of the outbox. Called inside the transaction that moves a generation to
 * succeeded or failed, so the delivery exists exactly when the terminal state is committed: a
 * node dying right after the commit loses no webhook, and a rolled back transition sends none.
 */
public final class WebhookOutbox implements TerminalEffects {
  public static final String COMPLETED = "image.completed";
  public static final String FAILED = "image.failed";

  /** Renders the payload: the GET object as the terminal transaction sees it. */
  private final GenerationView view;

  public WebhookOutbox(GenerationView view) {
    this.view = view;
  }

  /**
   * Enqueues the generation's terminal event when it has a webhook_url (cancelled generations
   * send nothing); the payload is frozen so every attempt sends the same bytes.
   */
  @Override
  public Future<Void> written(SqlConnection tx, Row generation) {
    String url = generation.getString("webhook_url");
    String status = generation.getString("status");
    String event = GenerationStatus.SUCCEEDED.equals(status) ? COMPLETED : GenerationStatus.FAILED.equals(status) ? FAILED : null;
    if (url == null || url.isBlank() || event == null) {
      return Future.succeededFuture();
    }
    String payload = new JsonObject().put("event", event).put("data", view.toJson(generation)).encode();
    // One delivery per (generation, event), inserted in the caller's transaction.
    return WebhookDeliveryStore.insert(tx, generation.getString("id"), generation.getString("team_id"), event, url, payload);
  }
}
