package com.aurous.server.observability;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;

/**
 * Keeps Vert.x's labels bounded whatever clients send. HTTP client connection pools are named
 * after the remote host:port, which for webhooks is whatever URL a client gave: those pool series
 * are dropped (the client's own request series carry no host). The HTTP server's labels are
 * bounded where they are recorded ({@link HttpRequestMeters}).
 */
final class BoundedLabels implements MeterFilter {
  @Override
  public MeterFilterReply accept(Meter.Id id) {
    if (id.getName().startsWith("vertx.pool") && "http".equals(id.getTag("pool_type"))) {
      return MeterFilterReply.DENY;
    }
    return MeterFilterReply.NEUTRAL;
  }
}
