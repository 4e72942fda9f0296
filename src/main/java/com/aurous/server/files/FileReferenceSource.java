package com.aurous.server.files;

import com.aurous.server.engine.ReferenceSource;
import com.aurous.server.net.PinnedFetcher;
import com.aurous.server.util.Ids;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;

import java.util.ArrayList;
import java.util.List;

/**
 * References as the engine and the character job need them: a {@code file_...} id is the
 * team's live file, decoded; an https URL is fetched through the SSRF-pinned client (checked
 * address per hop, size and time limits), its content sniffed and decoded like an upload, and
 * kept as a file of the team for files.ttl_s. Every refusal is a {@link ReferenceException}
 * whose message names the reference and says what was wrong, and nothing else.
 */
public final class FileReferenceSource implements ReferenceSource {
  private final FileStore store;
  private final ImageInspector inspector;
  private final PinnedFetcher fetcher;
  private final WorkerExecutor decoders;
  private final long ttlSeconds;

  public FileReferenceSource(FileStore store, ImageInspector inspector, PinnedFetcher fetcher, WorkerExecutor decoders,
      long ttlSeconds) {
    this.store = store;
    this.inspector = inspector;
    this.fetcher = fetcher;
    this.decoders = decoders;
    this.ttlSeconds = ttlSeconds;
  }

  /** A reference made usable: the file that holds it and its pixels. */
  public record Materialised(String fileId, ReferencePicture picture) {}

  @Override
  public Future<List<ReferencePicture>> load(String teamId, List<String> references) {
    List<ReferencePicture> out = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    // One at a time: at most one fetched body and one decoded picture in flight per generation.
    for (String ref : references) {
      chain = chain.compose(v -> materialise(teamId, ref)).map(m -> {
        out.add(m.picture());
        return null;
      });
    }
    return chain.map(v -> List.copyOf(out));
  }

  /** The file behind one reference: the same id for a file, a new 24 h file for a URL. */
  public Future<Materialised> materialise(String teamId, String reference) {
    if (reference.startsWith("file_")) {
      return store.content(teamId, reference).compose(bytes -> {
        if (bytes == null) {
          return Future.failedFuture(new ReferenceException("Reference " + reference
              + " is not one of your files (it may have expired or been deleted)."));
        }
        return decode(reference, bytes).map(img -> new Materialised(reference, picture(img)));
      });
    }
    return fetcher.fetch(reference)
        .recover(e -> Future.failedFuture(new ReferenceException("Reference " + reference + " could not be fetched: "
            + (e instanceof PinnedFetcher.FetchException ? e.getMessage() : "the request failed") + ".")))
        .compose(body -> {
          byte[] bytes = body.getBytes();
          return decode(reference, bytes).compose(img -> store.insert(Ids.newId("file"), teamId, img.format(), bytes,
                  img.width(), img.height(), reference, ttlSeconds)
              .map(row -> new Materialised(row.getString("id"), picture(img))));
        });
  }

  private Future<ImageInspector.Decoded> decode(String reference, byte[] bytes) {
    return decoders.executeBlocking(() -> inspector.decode(bytes), false)
        .recover(e -> Future.failedFuture(e instanceof ImageInspector.ImageRejected r
            ? new ReferenceException("Reference " + reference + " is not a usable image: " + r.getMessage())
            : e));
  }

  private static ReferencePicture picture(ImageInspector.Decoded img) {
    return new ReferencePicture(img.width(), img.height(), img.rgb());
  }
}
