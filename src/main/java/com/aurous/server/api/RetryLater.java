package com.aurous.server.api;

/** An error the client should retry after a while; the envelope carries it as Retry-After. */
public interface RetryLater {
  int retryAfterSeconds();
}
