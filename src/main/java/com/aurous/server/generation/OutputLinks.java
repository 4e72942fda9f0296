package com.aurous.server.generation;

import java.util.List;

/** Mints the public output URLs of a succeeded generation (signed, expiring links). */
public interface OutputLinks {
  /** Links stay the same on every read: they expire with the outputs, {@code ttl} after completion. */
  List<String> urls(String generationId, int imageCount, java.time.OffsetDateTime completedAt);

  OutputLinks NONE = (id, n, at) -> null;
}
