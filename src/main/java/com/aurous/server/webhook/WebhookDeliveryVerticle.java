package com.aurous.server.webhook;

import com.aurous.server.generation.GenerationAddresses;
import com.aurous.server.net.AddressPolicy;
import com.aurous.server.net.PinnedResolver;
import com.aurous.server.net.UrlChecker;
import com.aurous.server.storage.OutageLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Schedules webhook attempts on this node: claims due deliveries from the durable outbox
 * ({@link WebhookDeliveryStore}) when woken by a terminal commit, a retry timer, a breaker that
 * lets attempts through again, or the poll, and runs each attempt: URL check, pinned resolution
 * ({@link PinnedResolver}), send ({@link WebhookSender}) through the host's breaker
 * ({@link HostBreakers}), record. Attempts run concurrently, up to {@code max_in_flight}.
 */
public final class WebhookDeliveryVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookDeliveryVerticle.class);

  private final Pool pool;
  private final WebhookSettings settings;
  private final String nodeName;
  private final MeterRegistry registry;
  private WebhookDeliveryStore store;
  private UrlChecker urls;
  private PinnedResolver resolver;
  private WebhookSender sender;
  private HostBreakers breakers;
  private int inFlight;
  private final OutageLog outage = new OutageLog(LOG, "Webhook claim");
  private boolean claiming;
  private boolean claimAgain;

  /** {@code registry} receives aurous_webhook_attempts_total{outcome} and each breaker's state. */
  public WebhookDeliveryVerticle(Pool pool, WebhookSettings settings, String nodeName, MeterRegistry registry) {
    this.registry = registry;
    this.pool = pool;
    this.settings = settings;
    this.nodeName = nodeName;
  }

  @Override
  public Future<?> start() {
    AddressPolicy policy = new AddressPolicy(settings.allowInsecureUrls());
    store = new WebhookDeliveryStore(pool, nodeName, settings);
    urls = new UrlChecker(policy, settings.allowInsecureUrls());
    resolver = new PinnedResolver(vertx, policy);
    sender = new WebhookSender(vertx, settings);
    breakers = new HostBreakers(vertx, context, settings, this::claim, registry);
    vertx.eventBus().consumer(GenerationAddresses.TERMINAL, m -> claim());
    vertx.setPeriodic(settings.pollIntervalMs(), t -> claim());
    claim();
    LOG.info("Webhook delivery ready on {} (max_in_flight={}, attempt_timeout={}ms, max_attempts={}, retry_delay={}ms)",
        nodeName, settings.maxInFlight(), settings.attemptTimeoutMs(), settings.maxAttempts(), settings.retryDelayMs());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    if (breakers != null) {
      breakers.close();
    }
    return sender == null ? Future.succeededFuture() : sender.close();
  }

  /** Takes as many due deliveries as this node has free slots, none to a host whose breaker refuses. */
  private void claim() {
    if (claiming) {
      claimAgain = true;
      return;
    }
    int free = settings.maxInFlight() - inFlight;
    if (free <= 0) {
      return;
    }
    claiming = true;
    Future<List<WebhookDeliveryStore.Claimed>> claimed;
    try {
      claimed = store.claim(free, breakers.refusing(), breakers.awaitingTrial());
    } catch (RuntimeException e) {
      claimed = Future.failedFuture(e);
    }
    claimed.onComplete(ar -> {
      claiming = false;
      boolean more = claimAgain;
      claimAgain = false;
      if (ar.failed()) {
        outage.failed(ar.cause());
        return;
      }
      outage.succeeded();
      for (WebhookDeliveryStore.Claimed d : ar.result()) {
        breakers.claimed(d.target(), d.id());
      }
      for (WebhookDeliveryStore.Claimed d : ar.result()) {
        inFlight++;
        deliver(d).onComplete(x -> {
          breakers.finished(d.target(), d.id());
          inFlight--;
          claim();
        });
      }
      if (more || !ar.result().isEmpty()) {
        claim();
      }
    });
  }

  /**
   * One attempt and its record, or its release when the breaker held it back. Never fails: a
   * failure to record is logged and the lease expires, so the attempt is made again.
   */
  private Future<Void> deliver(WebhookDeliveryStore.Claimed d) {
    OffsetDateTime startedAt = OffsetDateTime.now(ZoneOffset.UTC);
    long t0 = System.nanoTime();
    Future<AttemptOutcome> outcome;
    try {
      outcome = attempt(d);
    } catch (RuntimeException e) {
      outcome = Future.failedFuture(e);
    }
    return outcome.transform(ar -> {
          if (ar.failed() && ar.cause() instanceof HostBreakers.Deferred) {
            LOG.debug("Webhook {} to {} deferred: its breaker is open", d.id(), d.target());
            return store.release(d);
          }
          AttemptOutcome o = ar.succeeded() ? ar.result() : OutcomeClassifier.internal(ar.cause());
          return record(d, startedAt, (System.nanoTime() - t0) / 1_000_000, o);
        })
        .onFailure(e -> LOG.warn("Could not store the outcome of webhook attempt {} of {}: {}", d.attempts() + 1, d.id(), e.toString()))
        .otherwiseEmpty()
        .mapEmpty();
  }

  private Future<AttemptOutcome> attempt(WebhookDeliveryStore.Claimed d) {
    String problem = urls.problem(d.url());
    if (problem != null) {
      return Future.succeededFuture(OutcomeClassifier.refused("the URL " + problem));
    }
    WebhookTarget target = WebhookTarget.parse(d.url());
    return resolver.pin(target.host()).transform(pinned -> {
      if (pinned.failed()) {
        return Future.succeededFuture(OutcomeClassifier.unresolved(target.host(), pinned.cause()));
      }
      return WebhookSecrets.ensure(pool, d.teamId()).compose(secret -> breakers.send(d.target(), d.id(),
          () -> sender.send(target, pinned.result(), d.webhookId(), secret, d.payload())
              .transform(sent -> Future.succeededFuture(sent.succeeded()
                  ? OutcomeClassifier.answered(sent.result())
                  : OutcomeClassifier.unanswered(sent.cause())))));
    });
  }

  private Future<Void> record(WebhookDeliveryStore.Claimed d, OffsetDateTime startedAt, long durationMs, AttemptOutcome o) {
    int attempt = d.attempts() + 1;
    Counter.builder("aurous.webhook.attempts").description("Real webhook attempts (deferrals by an open breaker are none), by outcome")
        .tag("outcome", o.kind()).register(registry).increment();
    if (!o.success()) {
      LOG.info("Webhook {} attempt {} to {} failed: {}", d.id(), attempt, d.url(), o.error());
    }
    return store.recordAttempt(d, startedAt, durationMs, o).map(after -> {
      if (after == WebhookDeliveryStore.After.LEASE_LOST) {
        LOG.warn("Lost the lease on webhook delivery {} before recording attempt {}", d.id(), attempt);
      } else if (after == WebhookDeliveryStore.After.RETRY) {
        // This node takes the retry when it falls due (the poll is the fallback, on any node).
        vertx.setTimer(Math.max(1, settings.retryDelayMs()), t -> claim());
      }
      return null;
    });
  }
}
