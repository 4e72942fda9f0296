package com.aurous.server.files;

import com.aurous.server.config.ServerConfig;

/**
 * The files.* keys: upload and fetch size limit, the pixel limit against decompression bombs,
 * how long a file lives, how often expired ones are purged, and the fetch's time and redirect
 * limits, the threads that decode images (each holds one decoded picture). {@code allowInsecureUrls} is api.allow_insecure_urls, the one test-only switch that
 * also lets webhooks reach loopback: with it, reference URLs may be http and loopback too.
 */
public record FileSettings(int maxBytes, long maxPixels, long ttlSeconds, int purgeIntervalSeconds, int fetchTimeoutMs,
    int fetchMaxRedirects, int decodeThreads, boolean allowInsecureUrls) {

  public static FileSettings from(ServerConfig c) {
    return new FileSettings(c.integer("files.max_bytes"), c.longInteger("files.max_pixels"), c.longInteger("files.ttl_s"),
        c.integer("files.purge_interval_s"), c.integer("files.fetch_timeout_ms"), c.integer("files.fetch_max_redirects"),
        c.integer("files.decode_threads"),
        c.bool("api.allow_insecure_urls"));
  }
}
