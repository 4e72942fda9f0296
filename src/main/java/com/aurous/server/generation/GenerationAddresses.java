package com.aurous.server.generation;

/** Event-bus addresses of the generation lifecycle; on a clustered event bus they reach every node. */
public final class GenerationAddresses {
  /**
   * Published with a generation id once its succeeded, failed or cancelled transition is committed
   * (webhooks and event streams listen; the row says which).
   */
  public static final String TERMINAL = "aurous.generation.terminal";
  /**
   * Published by a worker once per generation per finished denoising step, as a
   * {@link GenerationProgress} in its compact form. Best effort: nothing is stored, a lost one
   * is superseded by the next.
   */
  public static final String PROGRESS = "aurous.generation.progress";

  /**
   * Published with a generation id once a change to an open generation that clients can see
   * (pending to processing, or a departed worker's claim back to pending) is committed; the
   * terminal transition is {@link #TERMINAL}. Nodes drop their cached view of it
   * ({@link GenerationViewCache}).
   */
  public static final String CHANGED = "aurous.generation.changed";

  private GenerationAddresses() {}
}
