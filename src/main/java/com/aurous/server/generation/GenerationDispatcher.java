package com.aurous.server.generation;

/**
 * Where a committed pending generation is handed on. The engine implements it by waking the
 * workers (which then claim rows from PostgreSQL); the row, not this call, is the durable record.
 */
public interface GenerationDispatcher {
  void generationsPending();

  /** A generation was cancelled; a worker running it drops it at its next step boundary. */
  void generationCancelled(String generationId);

  GenerationDispatcher NONE = new GenerationDispatcher() {
    @Override
    public void generationsPending() {}

    @Override
    public void generationCancelled(String generationId) {}
  };
}
