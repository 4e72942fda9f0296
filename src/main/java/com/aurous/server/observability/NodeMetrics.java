package com.aurous.server.observability;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.PrometheusScrapingHandler;

import java.time.Duration;
import java.util.EnumSet;

/**
 * This node's meter registry, scraped by Prometheus at /metrics. One registry per node (not
 * Micrometer's global one), so several nodes in one JVM, as in the tests, keep their series apart.
 * Vert.x reports its HTTP server, event bus and pools into it once {@link #vertxFactory()} and
 * {@link #vertxOptions()} are given to the Vert.x builder; our own meters are registered on
 * {@link #registry()}.
 */
public final class NodeMetrics {
  /**
   * Buckets of the HTTP server's response time, so latency by route has quantiles
   * (histogram_quantile) and not only a mean: a dozen fixed bounds per route, method and status,
   * from a fast estimate to a long Prefer: wait.
   */
  private static final Duration[] RESPONSE_TIME_BUCKETS = {
      Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

  private final boolean enabled;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  public NodeMetrics(boolean enabled) {
    this.enabled = enabled;
    registry.config().meterFilter(new BoundedLabels()).meterFilter(responseTimeBuckets());
  }

  public boolean enabled() {
    return enabled;
  }

  public MeterRegistry registry() {
    return registry;
  }

  public VertxMetricsFactory vertxFactory() {
    return new MicrometerMetricsFactory(registry);
  }

  /**
   * Labels are chosen for bounded cardinality: route template, status code and method on HTTP,
   * never the raw path, the remote address or an event-bus address (replies and per-generation
   * addresses would each make a series).
   */
  public MetricsOptions vertxOptions() {
    // Raw TCP sockets (every read and write of every HTTP and PostgreSQL connection) and UDP are
    // not reported: the HTTP server's own series say what operators read, and the per-socket
    // bookkeeping was a measurable share of the cheapest routes' time (benchmarks/README.md).
    return new MicrometerMetricsOptions()
        .setEnabled(enabled)
        .setJvmMetricsEnabled(enabled)
        .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
        .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
        .addDisabledMetricsCategory(MetricsDomain.DATAGRAM_SOCKET)
        .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_CODE, Label.HTTP_METHOD, Label.EB_SIDE, Label.EB_FAILURE,
            Label.POOL_TYPE, Label.POOL_NAME));
  }

  private static MeterFilter responseTimeBuckets() {
    double[] nanos = java.util.Arrays.stream(RESPONSE_TIME_BUCKETS).mapToDouble(Duration::toNanos).toArray();
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (!id.getName().equals("vertx.http.server.response.time")) {
          return config;
        }
        return DistributionStatisticConfig.builder().serviceLevelObjectives(nanos).build().merge(config);
      }
    };
  }

  /** The Prometheus text exposition of this node's registry. */
  public Handler<RoutingContext> scrapeHandler() {
    return PrometheusScrapingHandler.create(registry);
  }
}
