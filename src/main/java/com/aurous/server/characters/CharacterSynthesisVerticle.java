package com.aurous.server.characters;

import com.aurous.server.engine.ReferenceSource;
import com.aurous.server.files.FileReferenceSource;
import com.aurous.server.storage.OutageLog;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The character job, on every node: claims a synthesizing character (a lease in PostgreSQL),
 * makes each of its references a file of the team (a file id is checked and decoded, an https
 * URL fetched through the SSRF-pinned client and stored), and marks it ready with those file
 * ids, or failed with the first reference's reason. It holds one character at a time and
 * renews the lease while it works. A node that dies mid-job is seen leaving the cluster by the
 * others, which hand its character back at once ({@link DepartedNodeCharacters}); outside a
 * cluster its lease runs out instead. Either way the next node to poll takes the character over
 * from the start. It only waits on futures.
 */
public final class CharacterSynthesisVerticle extends VerticleBase {
  /** Local nudge after a create, so the creating node starts at once instead of at its next poll. */
  public static final String PENDING = "aurous.characters.pending";
  private static final Logger LOG = LoggerFactory.getLogger(CharacterSynthesisVerticle.class);

  private final CharacterStore store;
  private final FileReferenceSource references;
  private final String workerId;
  private final CharacterSettings settings;
  private final OutageLog outage = new OutageLog(LOG, "Character job");
  private boolean busy;
  private boolean again;

  public CharacterSynthesisVerticle(CharacterStore store, FileReferenceSource references, String workerId,
      CharacterSettings settings) {
    this.store = store;
    this.references = references;
    this.workerId = workerId;
    this.settings = settings;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(settings.pollIntervalMs(), t -> poll());
    return vertx.eventBus().localConsumer(PENDING, m -> poll()).completion();
  }

  private void poll() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    again = false;
    store.claim(workerId, settings.leaseSeconds(), settings.maxAttempts())
        .compose(claim -> claim == null ? Future.succeededFuture(false) : synthesize(claim).map(true))
        .onComplete(ar -> {
          outage.record(ar);
          busy = false;
          if (ar.succeeded() && ar.result() || again) {
            // There may be more waiting.
            poll();
          }
        });
  }

  private Future<Void> synthesize(CharacterStore.Claim claim) {
    LOG.info("Synthesizing character {} (attempt {})", claim.id(), claim.attempts());
    long renewMs = Math.max(1000, settings.leaseSeconds() * 1000L / 3);
    long renewer = vertx.setPeriodic(renewMs, t -> store.renew(claim.id(), workerId, settings.leaseSeconds())
        .onFailure(e -> LOG.warn("Could not renew the lease of character {}: {}", claim.id(), e.toString())));
    Future<Void> delay = settings.testJobDelayMs() <= 0 ? Future.succeededFuture()
        : vertx.timer(settings.testJobDelayMs()).mapEmpty();
    List<String> files = new ArrayList<>();
    Future<Void> chain = delay;
    for (int i = 0; i < claim.sourceReferences().size(); i++) {
      String ref = claim.sourceReferences().get(i);
      chain = chain.compose(v -> references.materialise(claim.teamId(), ref)).map(m -> {
        files.add(m.fileId());
        return null;
      });
    }
    return chain
        .compose(v -> store.ready(claim.id(), workerId, files).map(held -> {
          LOG.info("Character {} {}", claim.id(), held ? "is ready" : "was deleted or taken over before it was ready");
          return (Void) null;
        }))
        .recover(e -> e instanceof ReferenceSource.ReferenceException
            ? store.failed(claim.id(), workerId, e.getMessage()).mapEmpty()
            // Anything else (the database away): the lease runs out and a later poll tries again.
            : Future.failedFuture(e))
        .onComplete(ar -> vertx.cancelTimer(renewer));
  }
}
