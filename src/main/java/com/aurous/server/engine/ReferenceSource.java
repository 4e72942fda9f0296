package com.aurous.server.engine;

import io.vertx.core.Future;

import java.util.List;

/**
 * Where a worker gets a generation's reference pictures before it runs it: {@code file_...} ids of
 * the team's live files, or https URLs fetched through the SSRF-pinned client and kept as the
 * team's files. The engine knows nothing of files or HTTP; the node wires the real source in.
 */
public interface ReferenceSource {

  /** A decoded reference: 8-bit RGB, row-major, {@code width * height * 3} bytes. */
  record ReferencePicture(int width, int height, byte[] rgb) {}

  /**
   * Why a reference could not be had. The message is what the generation's
   * {@code error_message} says (no internal detail), and the generation fails with its credits released.
   */
  final class ReferenceException extends RuntimeException {
    public ReferenceException(String message) {
      super(message, null, false, false);
    }
  }

  /** The pictures, in the order given; fails with {@link ReferenceException} for the user's errors. */
  Future<List<ReferencePicture>> load(String teamId, List<String> references);

  /** A node with no reference support: every generation with references fails clearly. */
  ReferenceSource NONE = (teamId, refs) -> Future.failedFuture(
      new ReferenceException("reference images are not supported on this node"));
}
