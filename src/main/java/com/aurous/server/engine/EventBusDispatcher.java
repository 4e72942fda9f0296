package com.aurous.server.engine;

import com.aurous.server.generation.GenerationAddresses;
import com.aurous.server.generation.GenerationDispatcher;
import io.vertx.core.eventbus.EventBus;

/**
 * Hands pending work to the engine by waking workers over the (clustered) event bus. The message
 * carries no work: a woken worker claims rows from PostgreSQL up to its free capacity, so a busy
 * worker is never handed more than it can batch, and a lost message costs only a poll interval.
 */
public final class EventBusDispatcher implements GenerationDispatcher {
  private final EventBus bus;

  public EventBusDispatcher(EventBus bus) {
    this.bus = bus;
  }

  @Override
  public void generationsPending() {
    bus.publish(EngineAddresses.PENDING, null);
  }

  @Override
  public void generationCancelled(String generationId) {
    bus.publish(EngineAddresses.CANCEL, generationId);
    // The cancel is committed: event streams of the generation end on this like on any terminal state.
    bus.publish(GenerationAddresses.TERMINAL, generationId);
  }
}
