package com.aurous.server.observability;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Keeps Vert.x's HTTP server labels bounded whatever clients send. vertx-web names a request's
 * route by every route it passed through, joined with '>' ({@code /v1/>/v1/>/v1/images/:id}, a
 * wildcard route being named by its prefix); the label keeps the last, most specific template, so
 * a request refused by authentication is {@code /v1/} and one that matched no route at all is empty. A method outside HTTP's registered
 * ones (clients may send any token) becomes {@code OTHER}. HTTP client connection pools are named
 * after the remote host:port, which for webhooks is whatever URL a client gave: those pool series
 * are dropped (the client's own request series carry no host).
 */
final class BoundedLabels implements MeterFilter {
  private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE",
      "CONNECT");

  @Override
  public MeterFilterReply accept(Meter.Id id) {
    if (id.getName().startsWith("vertx.pool") && "http".equals(id.getTag("pool_type"))) {
      return MeterFilterReply.DENY;
    }
    return MeterFilterReply.NEUTRAL;
  }

  @Override
  public Meter.Id map(Meter.Id id) {
    if (!id.getName().startsWith("vertx.http.server")) {
      return id;
    }
    List<Tag> tags = new ArrayList<>();
    boolean changed = false;
    for (Tag t : id.getTagsAsIterable()) {
      String value = switch (t.getKey()) {
        case "route" -> lastRoute(t.getValue());
        case "method" -> METHODS.contains(t.getValue()) ? t.getValue() : "OTHER";
        default -> t.getValue();
      };
      changed |= !value.equals(t.getValue());
      tags.add(Tag.of(t.getKey(), value));
    }
    return changed ? id.replaceTags(tags) : id;
  }

  private static String lastRoute(String route) {
    int at = route.lastIndexOf('>');
    return at < 0 ? route : route.substring(at + 1);
  }
}
