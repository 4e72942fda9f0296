package com.aurous.server.webhook;

import java.net.URI;
import java.util.Locale;

/** Where an attempt goes, read from a webhook URL that has passed the UrlChecker. */
record WebhookTarget(boolean https, String host, int port, String pathAndQuery) {
  static WebhookTarget parse(String url) {
    URI uri = URI.create(url);
    boolean https = uri.getScheme().toLowerCase(Locale.ROOT).equals("https");
    int port = uri.getPort() == -1 ? (https ? 443 : 80) : uri.getPort();
    String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    return new WebhookTarget(https, uri.getHost(), port, path);
  }
}
