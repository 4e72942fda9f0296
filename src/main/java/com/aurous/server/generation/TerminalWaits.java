package com.aurous.server.generation;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests on this node waiting for a generation to become terminal (`Prefer: wait`). One
 * consumer per node listens to the (clustered) terminal addresses, registered at start, so a
 * waiter added before its generation commits cannot miss the event; a wake-up only says "read the
 * row now": PostgreSQL remains the record, and a waiter also ends at its deadline.
 */
public final class TerminalWaits {
  private final Map<String, Runnable> waiting = new ConcurrentHashMap<>();

  private TerminalWaits() {}

  /** Subscribes to every address on which a generation id is published once it is terminal. */
  public static Future<TerminalWaits> listen(Vertx vertx, String... addresses) {
    TerminalWaits waits = new TerminalWaits();
    List<Future<Void>> registered = new ArrayList<>();
    for (String address : addresses) {
      registered.add(vertx.eventBus().<String>consumer(address, m -> waits.wake(m.body())).completion());
    }
    return Future.all(registered).map(waits);
  }

  /** A waits registry that never wakes anyone: waiters end at their deadline only. */
  public static TerminalWaits none() {
    return new TerminalWaits();
  }

  private void wake(String generationId) {
    Runnable r = generationId == null ? null : waiting.remove(generationId);
    if (r != null) {
      r.run();
    }
  }

  /**
   * Starts waiting for {@code generationId} on the caller's context. The returned wait completes
   * there when the generation is reported terminal or {@code timeoutMs} passed, whichever is
   * first; {@link Wait#release()} ends it early (the client went away).
   */
  public Wait await(Vertx vertx, String generationId, long timeoutMs) {
    Context context = vertx.getOrCreateContext();
    Promise<Void> done = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, timeoutMs), t -> done.tryComplete());
    waiting.put(generationId, () -> context.runOnContext(v -> done.tryComplete()));
    done.future().onComplete(x -> {
      waiting.remove(generationId);
      vertx.cancelTimer(timer);
    });
    return new Wait(done);
  }

  /** Waiters currently registered on this node. */
  public int size() {
    return waiting.size();
  }

  public static final class Wait {
    private final Promise<Void> done;

    private Wait(Promise<Void> done) {
      this.done = done;
    }

    public Future<Void> future() {
      return done.future();
    }

    public void release() {
      done.tryComplete();
    }
  }
}
