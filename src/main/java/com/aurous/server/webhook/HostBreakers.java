package com.aurous.server.webhook;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * This node's circuit breakers, one per destination (the {@code target} key the delivery store
 * derives from the URL). A breaker never spends an attempt: while it is open the scheduler does
 * not claim deliveries to its host, when it half-opens the scheduler claims at most one of them as
 * the trial, and an attempt that still meets a breaker that is not letting it through fails with
 * {@link Deferred} and is released unrecorded. Only the verticle's event loop calls this class.
 */
final class HostBreakers {
  /** The breaker did not let the attempt through; nothing was sent. */
  static final class Deferred extends RuntimeException {
    Deferred(String target) {
      super("circuit open for " + target, null, false, false);
    }
  }

  /** Carries an outcome that counts against the host through the breaker as a failure. */
  private static final class HostFailure extends RuntimeException {
    final AttemptOutcome outcome;

    HostFailure(AttemptOutcome outcome) {
      super(outcome.error(), null, false, false);
      this.outcome = outcome;
    }
  }

  private final Vertx vertx;
  private final Context context;
  private final WebhookSettings settings;
  private final Runnable onAdmitting;
  private final Map<String, CircuitBreaker> breakers = new HashMap<>();
  /**
   * aurous_webhook_breaker_state{host} per breaker held here (0 closed, 1 half-open, 2 open): the
   * series live and die with the entries, so they stay as few as the hosts recently failing or in use.
   */
  private final Map<String, Gauge> stateGauges = new HashMap<>();
  private final MeterRegistry registry;
  /** Per half-open target, the delivery that holds its one trial (from claiming until it is finished). */
  private final Map<String, String> trials = new HashMap<>();
  private final Map<String, Integer> sending = new HashMap<>();

  /** {@code onAdmitting} runs when a breaker half-opens or closes: deliveries it held back are due again. */
  HostBreakers(Vertx vertx, Context context, WebhookSettings settings, Runnable onAdmitting, MeterRegistry registry) {
    this.registry = registry;
    this.vertx = vertx;
    this.context = context;
    this.settings = settings;
    this.onAdmitting = onAdmitting;
  }

  /** Targets that take no attempt now: breaker open, or half-open with its trial out. */
  List<String> refusing() {
    List<String> out = new ArrayList<>();
    breakers.forEach((target, b) -> {
      CircuitBreakerState s = b.state();
      if (s == CircuitBreakerState.OPEN || (s == CircuitBreakerState.HALF_OPEN && trials.containsKey(target))) {
        out.add(target);
      }
    });
    return out;
  }

  /** Targets whose half-open breaker waits for its one trial attempt. */
  List<String> awaitingTrial() {
    List<String> out = new ArrayList<>();
    breakers.forEach((target, b) -> {
      if (b.state() == CircuitBreakerState.HALF_OPEN && !trials.containsKey(target)) {
        out.add(target);
      }
    });
    return out;
  }

  /**
   * A delivery to {@code target} was claimed: if its breaker awaits a trial, this delivery is it,
   * so no further delivery to the host is claimed while the trial resolves, sends and is recorded.
   */
  void claimed(String target, String deliveryId) {
    CircuitBreaker b = breakers.get(target);
    if (b != null && b.state() == CircuitBreakerState.HALF_OPEN) {
      trials.putIfAbsent(target, deliveryId);
    }
  }

  /** The delivery's attempt is over (sent, refused, deferred or failed): its trial, if it held one, is returned. */
  void finished(String target, String deliveryId) {
    trials.remove(target, deliveryId);
  }

  /**
   * Runs one send through the target's breaker. The outcome is the send's; the future fails only
   * with {@link Deferred} (the breaker held it back) or an unexpected error.
   */
  Future<AttemptOutcome> send(String target, String deliveryId, Supplier<Future<AttemptOutcome>> attempt) {
    CircuitBreaker breaker = breaker(target);
    if (breaker.state() == CircuitBreakerState.HALF_OPEN && !trials.computeIfAbsent(target, k -> deliveryId).equals(deliveryId)) {
      return Future.failedFuture(new Deferred(target));
    }
    Future<AttemptOutcome> result = breaker.<AttemptOutcome>execute(() -> attempt.get()
            .compose(o -> o.hostFailure() ? Future.failedFuture(new HostFailure(o)) : Future.succeededFuture(o)))
        .recover(e -> {
          if (e instanceof HostFailure hf) {
            return Future.succeededFuture(hf.outcome);
          }
          if (e instanceof OpenCircuitException) {
            return Future.failedFuture(new Deferred(target));
          }
          return Future.failedFuture(e);
        });
    sending.merge(target, 1, Integer::sum);
    result.onComplete(ar -> forgetIfHealthy(target, breaker));
    return result;
  }

  /**
   * Drops a closed breaker with no failures once nothing is being sent through it: it holds no
   * state worth keeping, and the map stays as small as the set of hosts that recently failed.
   */
  private void forgetIfHealthy(String target, CircuitBreaker breaker) {
    int left = sending.merge(target, -1, Integer::sum);
    if (left <= 0) {
      sending.remove(target);
      if (breaker.state() == CircuitBreakerState.CLOSED && breaker.failureCount() == 0 && breakers.remove(target, breaker)) {
        breaker.close();
        Gauge g = stateGauges.remove(target);
        if (g != null) {
          registry.remove(g);
        }
      }
    }
  }

  private CircuitBreaker breaker(String target) {
    return breakers.computeIfAbsent(target, k -> {
      CircuitBreaker b = CircuitBreaker.create("webhooks:" + k, vertx, new CircuitBreakerOptions()
          .setMaxFailures(settings.breakerMaxFailures())
          // The sender ends every attempt at attempt_timeout_ms itself; the breaker needs no timer of its own.
          .setTimeout(-1)
          .setResetTimeout(settings.breakerResetMs())
          .setFallbackOnFailure(false)
          .setNotificationAddress(null));
      stateGauges.put(k, Gauge.builder("aurous.webhook.breaker.state", b, HostBreakers::stateValue)
          .description("This node's circuit breaker for a webhook host: 0 closed, 1 half-open, 2 open")
          .tag("host", k).register(registry));
      b.halfOpenHandler(v -> context.runOnContext(x -> onAdmitting.run()));
      b.closeHandler(v -> context.runOnContext(x -> onAdmitting.run()));
      return b;
    });
  }

  private static double stateValue(CircuitBreaker b) {
    return switch (b.state()) {
      case CLOSED -> 0;
      case HALF_OPEN -> 1;
      case OPEN -> 2;
    };
  }

  void close() {
    breakers.values().forEach(CircuitBreaker::close);
    stateGauges.values().forEach(registry::remove);
    stateGauges.clear();
  }
}
