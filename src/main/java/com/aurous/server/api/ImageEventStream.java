package com.aurous.server.api;

import com.aurous.server.generation.GenerationEventRelay;
import com.aurous.server.generation.GenerationStatus;
import com.aurous.server.generation.GenerationStore;
import com.aurous.server.generation.GenerationView;
import com.aurous.server.generation.StrengthSchedule;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;

/**
 * One client's event stream of one generation, on the event loop of its request.
 *
 * <p>Event ids follow from the generation's state alone, so a reconnect with Last-Event-ID
 * resumes deterministically on any node: {@code 0} status pending, {@code 1} status processing,
 * {@code k+1} progress after step k, {@code n+2} the terminal status (n = its steps),
 * {@code n+3} done. Nothing with an id at or below the highest one the client has is sent again;
 * progress that arrives late or twice (a generation rerun after a rescue) is dropped the same way.
 *
 * <p>It subscribes before it reads the row, so a change committed between the two is not lost;
 * what arrives before the row is read is applied after its state was sent. The row is read again
 * on each terminal wake-up and each heartbeat, so a lost message delays the end by one heartbeat
 * at most, never forever.
 */
final class ImageEventStream implements GenerationEventRelay.Listener {
  private static final long PENDING_ID = 0;
  private static final long PROCESSING_ID = 1;

  private final RoutingContext ctx;
  private final HttpServerResponse res;
  private final Vertx vertx;
  private final String teamId;
  private final String id;
  private final GenerationStore store;
  private final GenerationView view;
  private final GenerationEventRelay relay;
  private final long heartbeatMs;
  private final long maxDurationMs;
  private final Runnable releaseSlot;

  private long lastId;
  private int steps;
  private boolean open;
  private boolean closed;
  private boolean processingKnown;
  private boolean readingRow;
  private int stepBeforeOpen;
  private boolean terminalBeforeOpen;
  private GenerationEventRelay.Subscription subscription;
  private long heartbeatTimer = -1;
  private long deadlineTimer = -1;

  ImageEventStream(RoutingContext ctx, String teamId, String id, long lastId, GenerationStore store, GenerationView view,
      GenerationEventRelay relay, long heartbeatMs, long maxDurationMs, Runnable releaseSlot) {
    this.ctx = ctx;
    this.res = ctx.response();
    this.vertx = ctx.vertx();
    this.teamId = teamId;
    this.id = id;
    this.lastId = lastId;
    this.store = store;
    this.view = view;
    this.relay = relay;
    this.heartbeatMs = heartbeatMs;
    this.maxDurationMs = maxDurationMs;
    this.releaseSlot = releaseSlot;
  }

  void start() {
    res.closeHandler(v -> close());
    subscription = relay.subscribe(id, this);
    store.find(teamId, id).onComplete(ar -> {
      if (closed) {
        return;
      }
      if (ar.failed()) {
        close();
        ctx.fail(ar.cause());
        return;
      }
      Row row = ar.result();
      if (row == null) {
        close();
        ctx.fail(ImagesApi.notFound(id));
        return;
      }
      try {
        begin(row);
      } catch (RuntimeException e) {
        // Whatever broke, the slot and the subscription are not left behind.
        close();
        if (res.headWritten()) {
          res.reset();
        } else {
          ctx.fail(e);
        }
      }
    });
  }

  private void begin(Row row) {
    steps = stepsRun(row);
    String status = row.getString("status");
    if (lastId > doneId()) {
      close();
      ctx.fail(ApiException.invalid("invalid_last_event_id", ImageEventsApi.LAST_EVENT_ID + " " + lastId
          + " was not sent by this generation's stream (its last event id is " + doneId() + ").", ImageEventsApi.LAST_EVENT_ID));
      return;
    }
    if (GenerationStatus.isTerminal(status) && lastId >= doneId()) {
      // The client has seen the end: 204 is how an EventSource is told to stop reconnecting.
      close();
      res.setStatusCode(204).end();
      return;
    }
    open = true;
    res.setStatusCode(200)
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no");
    res.writeHead();
    if (GenerationStatus.isTerminal(status)) {
      finish(row);
      return;
    }
    if (GenerationStatus.PROCESSING.equals(status)) {
      processingKnown = true;
      emit(PROCESSING_ID, "status", view.toJson(row));
    } else {
      emit(PENDING_ID, "status", view.toJson(row));
    }
    heartbeatTimer = vertx.setPeriodic(heartbeatMs, t -> heartbeat());
    deadlineTimer = vertx.setTimer(maxDurationMs, t -> {
      // Bounded life: the client reconnects with Last-Event-ID and resumes where it was.
      if (!closed) {
        res.end();
        close();
      }
    });
    if (stepBeforeOpen > 0) {
      progressed(stepBeforeOpen, steps);
    }
    if (terminalBeforeOpen) {
      readRowForEnd();
    }
  }

  /**
   * The steps its samples actually run, which progress counts: all of them for text-to-image,
   * the kept part of the schedule for image-to-image (see {@link StrengthSchedule}).
   */
  static int stepsRun(Row row) {
    int requested = row.getInteger("steps");
    Double strength = row.getDouble("denoise_strength");
    // As the engine decides (ClaimedGeneration.hasReferences): references present, strength set.
    boolean imageToImage = row.getValue("reference_image_urls") instanceof io.vertx.core.json.JsonArray refs
        && !refs.isEmpty() && strength != null;
    return imageToImage ? requested - StrengthSchedule.firstStep(requested, strength) : requested;
  }

  @Override
  public void progressed(int step, int totalSteps) {
    if (closed) {
      return;
    }
    if (!open) {
      stepBeforeOpen = Math.max(stepBeforeOpen, step);
      return;
    }
    if (step < 1 || step > steps || totalSteps != steps) {
      return;
    }
    if (!processingKnown) {
      // The first step is the first sign of processing; the worker's status write may still be in flight.
      processingKnown = true;
      emit(PROCESSING_ID, "status", new JsonObject().put("id", id).put("object", "image").put("status", GenerationStatus.PROCESSING));
    }
    if (res.writeQueueFull()) {
      // A client that does not read loses intermediate progress (the next one supersedes it), never a status.
      return;
    }
    emit(step + 1L, "progress", new JsonObject().put("step", step).put("steps", steps));
  }

  @Override
  public void terminal() {
    if (closed) {
      return;
    }
    if (!open) {
      terminalBeforeOpen = true;
      return;
    }
    readRowForEnd();
  }

  private void heartbeat() {
    if (closed || res.closed()) {
      return;
    }
    res.write(": keep-alive\n\n");
    readRowForEnd();
  }

  /** The row decides whether the generation is terminal; a failed read (database away) waits for the next heartbeat. */
  private void readRowForEnd() {
    if (readingRow) {
      return;
    }
    readingRow = true;
    store.find(teamId, id).onComplete(ar -> {
      readingRow = false;
      if (closed || ar.failed() || ar.result() == null) {
        return;
      }
      if (GenerationStatus.isTerminal(ar.result().getString("status"))) {
        finish(ar.result());
      }
    });
  }

  private void finish(Row row) {
    emit(steps + 2L, "status", view.toJson(row));
    emit(doneId(), "done", new JsonObject().put("id", id).put("status", row.getString("status")));
    res.end();
    close();
  }

  private long doneId() {
    return steps + 3L;
  }

  private void emit(long eventId, String event, JsonObject data) {
    if (eventId <= lastId || closed || res.closed()) {
      return;
    }
    lastId = eventId;
    res.write("id: " + eventId + "\nevent: " + event + "\ndata: " + data.encode() + "\n\n");
  }

  /** Idempotent: unsubscribes, stops the timers and frees the node's stream slot. */
  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (subscription != null) {
      subscription.close();
    }
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
    }
    if (deadlineTimer >= 0) {
      vertx.cancelTimer(deadlineTimer);
    }
    releaseSlot.run();
  }
}
