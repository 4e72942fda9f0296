package com.aurous.server.webhook;

import com.aurous.server.generation.GenerationAddresses;
import com.aurous.server.net.AddressPolicy;
import com.aurous.server.net.UrlChecker;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.OpenCircuitException;
import com.aurous.server.storage.OutageLog;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.URI;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends due webhook deliveries from the durable outbox. Runs on every node; any node may send any
 * delivery. A delivery is claimed for one attempt with a lease (claimed_by, lease_expires_at) by
 * an UPDATE that re-checks it is still due and free, so exactly one node wins it; if that node
 * dies, the lease expires and another node takes it.
 *
 * <p>Each attempt resolves the host off the event loop, refuses private/loopback/link-local/
 * metadata addresses, and connects to the checked address (the Host header and SNI keep the
 * name), so DNS cannot rebind between check and connect. Attempts run concurrently (up to
 * {@code max_in_flight}), each bounded by its timeout, behind a circuit breaker per host:port.
 */
public final class WebhookDeliveryVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookDeliveryVerticle.class);
  public static final String CIRCUIT_OPEN = "circuit_open";

  private final Pool pool;
  private final WebhookSettings settings;
  private final String nodeName;
  private final Map<String, CircuitBreaker> breakers = new HashMap<>();
  private AddressPolicy policy;
  private UrlChecker urls;
  private HttpClientAgent http;
  private int inFlight;
  private final OutageLog outage = new OutageLog(LOG, "Webhook claim");
  private boolean claiming;
  private boolean claimAgain;

  public WebhookDeliveryVerticle(Pool pool, WebhookSettings settings, String nodeName) {
    this.pool = pool;
    this.settings = settings;
    this.nodeName = nodeName;
  }

  private record Claimed(String id, String teamId, String url, String webhookId, String payload, int attempts) {
    static Claimed from(Row r) {
      return new Claimed(r.getString("id"), r.getString("team_id"), r.getString("url"), r.getString("webhook_id"),
          r.getString("payload"), r.getInteger("attempts"));
    }
  }

  /** What one attempt came to: a status code when the receiver answered, an error otherwise. */
  private record Outcome(Integer statusCode, String error) {
    boolean success() {
      return error == null && statusCode != null && statusCode >= 200 && statusCode < 300;
    }
  }

  /** A receiver answer that counts against its host in the breaker (it is down or overloaded). */
  private static final class HostFailure extends RuntimeException {
    final int statusCode;

    HostFailure(int statusCode) {
      super("HTTP " + statusCode, null, false, false);
      this.statusCode = statusCode;
    }
  }

  private static final class AttemptTimeout extends RuntimeException {
    AttemptTimeout(long ms) {
      super("timeout after " + ms + " ms", null, false, false);
    }
  }

  @Override
  public Future<?> start() {
    policy = new AddressPolicy(settings.allowInsecureUrls());
    urls = new UrlChecker(policy, settings.allowInsecureUrls());
    http = vertx.createHttpClient(new HttpClientOptions()
            .setForceSni(true)
            .setVerifyHost(true)
            .setConnectTimeout(settings.attemptTimeoutMs())
            .setMaxRedirects(0),
        new PoolOptions().setHttp1MaxSize(Math.max(5, settings.maxInFlight())).setMaxWaitQueueSize(settings.maxInFlight()));
    vertx.eventBus().consumer(GenerationAddresses.TERMINAL, m -> claim());
    vertx.setPeriodic(settings.pollIntervalMs(), t -> claim());
    claim();
    LOG.info("Webhook delivery ready on {} (max_in_flight={}, attempt_timeout={}ms, max_attempts={}, retry_delay={}ms)",
        nodeName, settings.maxInFlight(), settings.attemptTimeoutMs(), settings.maxAttempts(), settings.retryDelayMs());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    breakers.values().forEach(CircuitBreaker::close);
    return http == null ? Future.succeededFuture() : http.close();
  }

  /** Takes as many due deliveries as this node has free delivery slots. */
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
    String due = " status = 'pending' AND next_attempt_at <= now() AND (lease_expires_at IS NULL OR lease_expires_at < now())";
    pool.preparedQuery("SELECT id FROM webhook_deliveries WHERE" + due + " ORDER BY next_attempt_at, id LIMIT $1")
        .execute(Tuple.of(free))
        .compose(rows -> {
          List<String> ids = new ArrayList<>();
          rows.forEach(r -> ids.add(r.getString("id")));
          if (ids.isEmpty()) {
            return Future.succeededFuture(List.<Claimed>of());
          }
          return pool.preparedQuery("UPDATE webhook_deliveries SET claimed_by = $2,"
                  + " lease_expires_at = now() + make_interval(secs => $3) WHERE id = ANY($1) AND" + due
                  + " RETURNING id, team_id, url, webhook_id, payload, attempts")
              .execute(Tuple.of(ids.toArray(new String[0]), nodeName, settings.leaseSeconds()))
              .map(updated -> {
                List<Claimed> out = new ArrayList<>();
                updated.forEach(r -> out.add(Claimed.from(r)));
                return out;
              });
        })
        .onComplete(ar -> {
          claiming = false;
          boolean more = claimAgain;
          claimAgain = false;
          if (ar.failed()) {
            outage.failed(ar.cause());
            return;
          }
          outage.succeeded();
          for (Claimed d : ar.result()) {
            inFlight++;
            deliver(d).onComplete(x -> {
              inFlight--;
              claim();
            });
          }
          if (more || !ar.result().isEmpty()) {
            claim();
          }
        });
  }

  /** One attempt, then its record; never fails (a failure to record is logged, the lease will expire). */
  private Future<Void> deliver(Claimed d) {
    int attempt = d.attempts() + 1;
    OffsetDateTime startedAt = OffsetDateTime.now(ZoneOffset.UTC);
    long t0 = System.nanoTime();
    Future<Outcome> outcome;
    try {
      outcome = attempt(d);
    } catch (RuntimeException e) {
      outcome = Future.succeededFuture(new Outcome(null, "internal: " + e));
    }
    return outcome
        .recover(e -> Future.succeededFuture(new Outcome(null, "internal: " + e)))
        .compose(o -> record(d, attempt, startedAt, (System.nanoTime() - t0) / 1_000_000, o))
        .onFailure(e -> LOG.warn("Could not record webhook attempt {} of {}: {}", attempt, d.id(), e.toString()))
        .otherwiseEmpty()
        .mapEmpty();
  }

  private Future<Outcome> attempt(Claimed d) {
    String problem = urls.problem(d.url());
    if (problem != null) {
      return Future.succeededFuture(new Outcome(null, "refused: the URL " + problem));
    }
    URI uri = URI.create(d.url());
    boolean https = uri.getScheme().toLowerCase(Locale.ROOT).equals("https");
    String host = uri.getHost();
    String lookup = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    int port = uri.getPort() == -1 ? (https ? 443 : 80) : uri.getPort();
    String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    return vertx.executeBlocking(() -> InetAddress.getAllByName(lookup), false).transform(resolved -> {
      if (resolved.failed()) {
        return Future.succeededFuture(new Outcome(null, "dns: cannot resolve " + host));
      }
      InetAddress[] addresses = resolved.result();
      for (InetAddress a : addresses) {
        String reason = policy.rejectReason(a);
        if (reason != null) {
          // Any bad address refuses the target: a name that also resolves inward is not safe to call.
          return Future.succeededFuture(new Outcome(null, "refused: " + host + " resolves to " + reason));
        }
      }
      InetAddress pinned = addresses[0];
      return WebhookSecrets.ensure(pool, d.teamId())
          .compose(secret -> send(d, secret, https, host, port, path, pinned));
    });
  }

  private Future<Outcome> send(Claimed d, String secret, boolean https, String host, int port, String path, InetAddress pinned) {
    long timeout = settings.attemptTimeoutMs();
    long timestamp = System.currentTimeMillis() / 1000;
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setServer(SocketAddress.inetSocketAddress(port, pinned.getHostAddress()))
        .setHost(host)
        .setPort(port)
        .setURI(path)
        .setSsl(https)
        .setFollowRedirects(false)
        .setConnectTimeout(timeout)
        .putHeader("Content-Type", "application/json")
        .putHeader("User-Agent", "Aurous-Webhooks/1")
        .putHeader("webhook-id", d.webhookId())
        .putHeader("webhook-timestamp", Long.toString(timestamp))
        .putHeader("webhook-signature", WebhookSigner.sign(secret, d.webhookId(), timestamp, d.payload()));
    CircuitBreaker breaker = breaker(host.toLowerCase(Locale.ROOT) + ":" + port);
    Future<Integer> answered = breaker.execute((Promise<Integer> promise) -> {
      AtomicReference<HttpClientRequest> request = new AtomicReference<>();
      long timer = vertx.setTimer(timeout, t -> {
        if (promise.tryFail(new AttemptTimeout(timeout))) {
          HttpClientRequest r = request.get();
          if (r != null) {
            r.reset();
          }
        }
      });
      http.request(options)
          .compose(req -> {
            request.set(req);
            return req.send(Buffer.buffer(d.payload()));
          })
          .compose(res -> {
            // Drain without buffering: a receiver's answer body is of no interest and may be large.
            res.handler(b -> { });
            return res.end().map(res.statusCode());
          })
          .onComplete(ar -> {
            vertx.cancelTimer(timer);
            if (ar.failed()) {
              promise.tryFail(ar.cause());
            } else if (ar.result() >= 500 || ar.result() == 408 || ar.result() == 429) {
              promise.tryFail(new HostFailure(ar.result()));
            } else {
              promise.tryComplete(ar.result());
            }
          });
    });
    return answered.transform(ar -> {
      if (ar.succeeded()) {
        int code = ar.result();
        if (code >= 200 && code < 300) {
          return Future.succeededFuture(new Outcome(code, null));
        }
        String error = code >= 300 && code < 400 ? "HTTP " + code + " (redirects are not followed)" : "HTTP " + code;
        return Future.succeededFuture(new Outcome(code, error));
      }
      Throwable e = ar.cause();
      if (e instanceof OpenCircuitException) {
        return Future.succeededFuture(new Outcome(null, CIRCUIT_OPEN));
      }
      if (e instanceof HostFailure hf) {
        return Future.succeededFuture(new Outcome(hf.statusCode, "HTTP " + hf.statusCode));
      }
      if (e instanceof AttemptTimeout || e instanceof io.vertx.circuitbreaker.TimeoutException) {
        return Future.succeededFuture(new Outcome(null, "timeout after " + timeout + " ms"));
      }
      return Future.succeededFuture(new Outcome(null, "connection: " + (e.getMessage() == null ? e.toString() : e.getMessage())));
    });
  }

  private CircuitBreaker breaker(String hostPort) {
    return breakers.computeIfAbsent(hostPort, k -> CircuitBreaker.create("webhooks:" + k, vertx, new CircuitBreakerOptions()
        .setMaxFailures(settings.breakerMaxFailures())
        // Our own timer resets the request at attempt_timeout; this is only a backstop.
        .setTimeout(settings.attemptTimeoutMs() + 1000L)
        .setResetTimeout(settings.breakerResetMs())
        .setFallbackOnFailure(false)
        .setNotificationAddress(null)));
  }

  /**
   * Records the attempt and moves the delivery on (succeeded, failed after the last attempt, or
   * pending again after retry_delay_ms), releasing the lease; only while this node still holds it.
   */
  private Future<Void> record(Claimed d, int attempt, OffsetDateTime startedAt, long durationMs, Outcome o) {
    String status = o.success() ? "succeeded" : attempt >= settings.maxAttempts() ? "failed" : "pending";
    if (!o.success()) {
      LOG.info("Webhook {} attempt {} to {} failed: {}", d.id(), attempt, d.url(), o.error());
    }
    return pool.withTransaction(tx -> tx.preparedQuery("UPDATE webhook_deliveries SET attempts = $3, last_status_code = $4,"
                + " last_error = $5, status = $6, claimed_by = NULL, lease_expires_at = NULL,"
                + " completed_at = CASE WHEN $6 = 'pending' THEN NULL ELSE now() END,"
                + " next_attempt_at = CASE WHEN $6 = 'pending' THEN now() + make_interval(secs => $7) ELSE next_attempt_at END"
                + " WHERE id = $1 AND claimed_by = $2 AND status = 'pending'")
            .execute(Tuple.of(d.id(), nodeName, attempt, o.statusCode(), o.error(), status, settings.retryDelayMs() / 1000.0))
            .compose(updated -> {
              if (updated.rowCount() == 0) {
                LOG.warn("Lost the lease on webhook delivery {} before recording attempt {}", d.id(), attempt);
                return Future.<Void>succeededFuture();
              }
              return tx.preparedQuery("INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms,"
                      + " status_code, error, claimed_by) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING")
                  .execute(Tuple.of(d.id(), attempt, startedAt, durationMs, o.statusCode(), o.error(), nodeName))
                  .<Void>mapEmpty();
            }))
        .onSuccess(v -> {
          if (status.equals("pending")) {
            // This node takes the retry when it falls due (the poll is the fallback, on any node).
            vertx.setTimer(Math.max(1, settings.retryDelayMs()), t -> claim());
          }
        });
  }
}
