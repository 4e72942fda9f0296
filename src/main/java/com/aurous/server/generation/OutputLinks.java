package com.aurous.server.generation;

import java.util.List;

/** Mints the public output URLs of a succeeded generation (signed, expiring links). */
public interface OutputLinks {
  List<String> urls(String generationId, int imageCount);

  OutputLinks NONE = (id, n) -> null;
}
