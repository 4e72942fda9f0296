package com.aurous.server.engine;

/** Event bus addresses of the engine; on a clustered event bus they reach every node. */
public final class EngineAddresses {
  /** Published after a generation is committed as pending: workers with free slots claim. */
  public static final String PENDING = "aurous.engine.pending";
  /** Published with a generation id when it is cancelled: its worker drops it at the next step. */
  public static final String CANCEL = "aurous.engine.cancel";

  private EngineAddresses() {}
}
