package com.aurous.server.generation;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One per API node: the node's only consumers of {@link GenerationAddresses#PROGRESS} and
 * {@link GenerationAddresses#TERMINAL} for event streams, fanning each message out to the local
 * listeners of that generation. Subscribing is a map entry, not an event-bus registration, so a
 * stream that opens is listening at once (no cluster round trip in which a message could pass
 * unseen) and one that closes leaves nothing registered behind.
 */
public final class GenerationEventRelay extends VerticleBase {
  /** Called on the context that subscribed. */
  public interface Listener {
    void progressed(int step, int steps);

    /** The generation's terminal transition was committed (the row says which). */
    void terminal();
  }

  /** Ends one subscription; idempotent. */
  public interface Subscription {
    void close();
  }

  private static final class Entry {
    final Context context;
    final Listener listener;

    Entry(Context context, Listener listener) {
      this.context = context;
      this.listener = listener;
    }
  }

  private final Map<String, Set<Entry>> byGeneration = new ConcurrentHashMap<>();

  @Override
  public Future<?> start() {
    var progress = vertx.eventBus().consumer(GenerationAddresses.PROGRESS, m -> {
      GenerationProgress p = GenerationProgress.parse(m.body());
      if (p != null) {
        deliver(p.id(), l -> l.progressed(p.step(), p.steps()));
      }
    });
    var terminal = vertx.eventBus().consumer(GenerationAddresses.TERMINAL, m -> {
      if (m.body() instanceof String id) {
        deliver(id, Listener::terminal);
      }
    });
    // Ready once both are registered cluster-wide: streams opened afterwards miss nothing.
    return Future.all(progress.completion(), terminal.completion());
  }

  /** Must be called on a Vert.x context; the listener is called back on it. */
  public Subscription subscribe(String generationId, Listener listener) {
    Context context = Vertx.currentContext();
    if (context == null) {
      throw new IllegalStateException("subscribe from a Vert.x context");
    }
    Entry entry = new Entry(context, listener);
    byGeneration.compute(generationId, (k, set) -> {
      Set<Entry> s = set == null ? ConcurrentHashMap.newKeySet() : set;
      s.add(entry);
      return s;
    });
    return () -> byGeneration.computeIfPresent(generationId, (k, set) -> {
      set.remove(entry);
      return set.isEmpty() ? null : set;
    });
  }

  /** Generations with at least one local listener. */
  public int watchedGenerations() {
    return byGeneration.size();
  }

  private void deliver(String generationId, java.util.function.Consumer<Listener> call) {
    Set<Entry> entries = byGeneration.get(generationId);
    if (entries == null) {
      return;
    }
    for (Entry e : entries) {
      e.context.runOnContext(v -> call.accept(e.listener));
    }
  }
}
