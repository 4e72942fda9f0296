package com.aurous.server.generation;

/** Event-bus address of the generation lifecycle; on a clustered event bus it reaches every node. */
public final class GenerationAddresses {
  /** Published with a generation id once its succeeded or failed transition is committed (webhooks listen). */
  public static final String TERMINAL = "aurous.generation.terminal";

  private GenerationAddresses() {}
}
