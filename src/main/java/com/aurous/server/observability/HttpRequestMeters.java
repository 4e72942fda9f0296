package com.aurous.server.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts and times every request the HTTP server answers, by route template, method and status,
 * under the series names vertx-micrometer used ({@code vertx_http_server_requests_total},
 * {@code _response_time_seconds}, {@code _active_requests}, {@code _active_connections}), so
 * dashboards and alerts read them unchanged.
 *
 * <p>It replaces vertx-micrometer's HTTP server metrics because those cost 17% of the node's CPU
 * on the estimate route (benchmarks/README.md): every request built a tag set and looked up five
 * meters in the registry, each look-up running the registry's filters. Here the meters of a
 * route, method and status are registered once and found again by a map read on the route's
 * template (a constant string of vertx-web's) and two array reads; request and response sizes,
 * byte counts per socket and resets, which no panel or alert reads, are not recorded.
 *
 * <p>It hooks into Vert.x's server metrics rather than a response end handler because the hook
 * sees every request exactly once: those refused by the HTTP decoder or by the front door before
 * any router, and those whose handlers install their own end or close handler on the response
 * (uploads, {@code Prefer: wait}, event streams), which would silently replace ours.
 *
 * <p>Labels stay bounded whatever clients send: {@code route} is the last route template vertx-web
 * matched (the most specific: {@code /v1/} for a request refused by authentication or version
 * negotiation before its route, empty when none matched), never the raw path; a method outside
 * HTTP's registered ones is {@code OTHER}; {@code code} is a status, at most a few hundred values.
 */
final class HttpRequestMeters implements HttpServerMetrics<HttpRequestMeters.InFlight, Void, Void> {
  /**
   * Buckets of the response time, so latency by route has quantiles (histogram_quantile) and not
   * only a mean: a dozen fixed bounds per route, method and status, from a fast estimate to a long
   * Prefer: wait.
   */
  static final Duration[] RESPONSE_TIME_BUCKETS = {
      Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

  private static final String[] METHODS = {"GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE",
      "CONNECT", "OTHER"};
  private static final int OTHER = METHODS.length - 1;
  /** Statuses 100-599 have a slot; anything else a handler sets takes the registry's own look-up. */
  private static final int FIRST_STATUS = 100;
  private static final int STATUSES = 500;

  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, RouteMeters> routes = new ConcurrentHashMap<>();
  // A gauge per method, registered when the method is first seen (as vertx-micrometer did).
  private final AtomicReferenceArray<LongAdder> inFlight = new AtomicReferenceArray<>(METHODS.length);
  private final LongAdder connections = new LongAdder();

  HttpRequestMeters(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("vertx.http.server.active.connections", connections, LongAdder::doubleValue)
        .description("Number of opened connections to the server").strongReference(true).register(registry);
  }

  /** One request from its head to its answer; only the connection's event loop touches it. */
  static final class InFlight {
    final long start;
    final int method;
    String route = "";
    boolean over;

    InFlight(long start, int method) {
      this.start = start;
      this.method = method;
    }
  }

  private record Meters(Counter requests, Timer time) {
  }

  /** The meters of one route template, by method and status, created on first use. */
  private static final class RouteMeters {
    final AtomicReferenceArray<AtomicReferenceArray<Meters>> byMethod = new AtomicReferenceArray<>(METHODS.length);
  }

  @Override
  public Void connected(SocketAddress remoteAddress, String remoteName) {
    connections.increment();
    return null;
  }

  @Override
  public void disconnected(Void socket, SocketAddress remoteAddress) {
    connections.decrement();
  }

  @Override
  public InFlight requestBegin(Void socket, HttpRequest request) {
    int method = methodIndex(request.method());
    inFlight(method).increment();
    return new InFlight(System.nanoTime(), method);
  }

  @Override
  public void requestRouted(InFlight request, String route) {
    if (request != null && route != null) {
      request.route = route;
    }
  }

  @Override
  public void responseEnd(InFlight request, HttpResponse response, long bytesWritten) {
    if (request == null || request.over) {
      return;
    }
    request.over = true;
    inFlight(request.method).decrement();
    Meters m = meters(request.route, request.method, response.statusCode());
    m.requests.increment();
    m.time.record(System.nanoTime() - request.start, TimeUnit.NANOSECONDS);
  }

  /** The connection went before the answer was written: no status to count it under. */
  @Override
  public void requestReset(InFlight request) {
    if (request == null || request.over) {
      return;
    }
    request.over = true;
    inFlight(request.method).decrement();
  }

  private static int methodIndex(HttpMethod method) {
    // Registered methods are Vert.x's constants: identity first for the common ones.
    if (method == HttpMethod.GET) {
      return 0;
    }
    if (method == HttpMethod.POST) {
      return 1;
    }
    String name = method.name();
    for (int i = 2; i < OTHER; i++) {
      if (METHODS[i].equals(name)) {
        return i;
      }
    }
    return OTHER;
  }

  private LongAdder inFlight(int method) {
    LongAdder adder = inFlight.get(method);
    return adder != null ? adder : registerInFlight(method);
  }

  private synchronized LongAdder registerInFlight(int method) {
    LongAdder adder = inFlight.get(method);
    if (adder == null) {
      adder = new LongAdder();
      Gauge.builder("vertx.http.server.active.requests", adder, LongAdder::doubleValue)
          .description("Number of requests being processed").tag("method", METHODS[method]).strongReference(true)
          .register(registry);
      inFlight.set(method, adder);
    }
    return adder;
  }

  private Meters meters(String route, int method, int status) {
    if (status < FIRST_STATUS || status >= FIRST_STATUS + STATUSES) {
      return register(route, method, status);
    }
    RouteMeters r = routes.get(route);
    if (r == null) {
      r = routes.computeIfAbsent(route, k -> new RouteMeters());
    }
    AtomicReferenceArray<Meters> byStatus = r.byMethod.get(method);
    if (byStatus == null) {
      r.byMethod.compareAndSet(method, null, new AtomicReferenceArray<>(STATUSES));
      byStatus = r.byMethod.get(method);
    }
    Meters m = byStatus.get(status - FIRST_STATUS);
    if (m == null) {
      // Two loops racing here both get the same meters: the registry returns the one it holds.
      m = register(route, method, status);
      byStatus.set(status - FIRST_STATUS, m);
    }
    return m;
  }

  private Meters register(String route, int method, int status) {
    String[] tags = {"route", route, "method", METHODS[method], "code", Integer.toString(status)};
    return new Meters(
        Counter.builder("vertx.http.server.requests").description("Number of processed requests").tags(tags)
            .register(registry),
        Timer.builder("vertx.http.server.response.time").description("Request processing time").tags(tags)
            .serviceLevelObjectives(RESPONSE_TIME_BUCKETS).register(registry));
  }
}
