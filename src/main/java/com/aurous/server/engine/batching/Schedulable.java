package com.aurous.server.engine.batching;

/** A running sample as the step batcher sees it. */
public interface Schedulable {

    /**
     * Samples can share a model call only if their latents have the same shape, so this is the
     * latent shape, e.g. {@code "128x96"}.
     */
    String bucket();

    /** {@link System#nanoTime()} at which the sample became ready for its next step. */
    long readySince();
}
