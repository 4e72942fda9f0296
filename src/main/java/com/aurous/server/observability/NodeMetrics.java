package com.aurous.server.observability;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.PrometheusScrapingHandler;

import java.util.EnumSet;

/**
 * This node's meter registry, scraped by Prometheus at /metrics. One registry per node (not
 * Micrometer's global one), so several nodes in one JVM, as in the tests, keep their series apart.
 * Vert.x reports its event bus, pools and HTTP client (vertx-micrometer) and its HTTP server
 * ({@link HttpRequestMeters}) into it once {@link #vertxFactory()} and {@link #vertxOptions()} are
 * given to the Vert.x builder; our own meters are registered on {@link #registry()}.
 */
public final class NodeMetrics {
  private final boolean enabled;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  public NodeMetrics(boolean enabled) {
    this.enabled = enabled;
    registry.config().meterFilter(new BoundedLabels());
  }

  public boolean enabled() {
    return enabled;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * vertx-micrometer for everything but the HTTP server, whose requests {@link HttpRequestMeters}
   * records (vertx-micrometer's per-request meter look-ups were most of the cheapest routes' gap
   * to a bare Vert.x route).
   */
  public VertxMetricsFactory vertxFactory() {
    MicrometerMetricsFactory micrometer = new MicrometerMetricsFactory(registry);
    return new VertxMetricsFactory() {
      @Override
      public VertxMetrics metrics(VertxOptions options) {
        VertxMetrics metrics = micrometer.metrics(options);
        return enabled ? new WithOwnHttpServer(metrics, new HttpRequestMeters(registry)) : metrics;
      }

      @Override
      public MetricsOptions newOptions() {
        return micrometer.newOptions();
      }

      @Override
      public MetricsOptions newOptions(MetricsOptions options) {
        return micrometer.newOptions(options);
      }

      @Override
      public MetricsOptions newOptions(JsonObject json) {
        return micrometer.newOptions(json);
      }
    };
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
    // The HTTP server's series come from HttpRequestMeters instead (vertxFactory).
    return new MicrometerMetricsOptions()
        .setEnabled(enabled)
        .setJvmMetricsEnabled(enabled)
        .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
        .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
        .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
        .addDisabledMetricsCategory(MetricsDomain.DATAGRAM_SOCKET)
        .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_CODE, Label.HTTP_METHOD, Label.EB_SIDE, Label.EB_FAILURE,
            Label.POOL_TYPE, Label.POOL_NAME));
  }

  /** vertx-micrometer's metrics, with the HTTP server's taken by {@link HttpRequestMeters}. */
  private record WithOwnHttpServer(VertxMetrics micrometer, HttpRequestMeters http) implements VertxMetrics {
    @Override
    public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress localAddress) {
      return http;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public EventBusMetrics createEventBusMetrics() {
      return micrometer.createEventBusMetrics();
    }

    @Override
    public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remoteAddress, String type, String namespace) {
      return micrometer.createClientMetrics(remoteAddress, type, namespace);
    }

    @Override
    public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(HttpClientOptions options) {
      return micrometer.createHttpClientMetrics(options);
    }

    @Override
    public TCPMetrics<?> createNetServerMetrics(NetServerOptions options, SocketAddress localAddress) {
      return micrometer.createNetServerMetrics(options, localAddress);
    }

    @Override
    public TCPMetrics<?> createNetClientMetrics(NetClientOptions options) {
      return micrometer.createNetClientMetrics(options);
    }

    @Override
    public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
      return micrometer.createDatagramSocketMetrics(options);
    }

    @Override
    public PoolMetrics<?, ?> createPoolMetrics(String poolType, String poolName, int maxPoolSize) {
      return micrometer.createPoolMetrics(poolType, poolName, maxPoolSize);
    }

    @Override
    public void vertxCreated(Vertx vertx) {
      micrometer.vertxCreated(vertx);
    }

    @Override
    public boolean isMetricsEnabled() {
      return micrometer.isMetricsEnabled();
    }

    @Override
    public void close() {
      micrometer.close();
    }
  }

  /** The Prometheus text exposition of this node's registry. */
  public Handler<RoutingContext> scrapeHandler() {
    return PrometheusScrapingHandler.create(registry);
  }
}
