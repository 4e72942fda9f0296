package com.aurous.server.storage;

import org.slf4j.Logger;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Logs a database outage once when a periodic task first meets it and once when the task works
 * again, instead of once per tick. Failures that are not an outage are logged every time: they
 * are bugs, not weather.
 */
public final class OutageLog {
  private final Logger log;
  private final String task;
  /** When the current outage was first seen (epoch millis), or 0 while the database answers. */
  private final AtomicLong downSince = new AtomicLong();

  public OutageLog(Logger log, String task) {
    this.log = log;
    this.task = task;
  }

  public void failed(Throwable failure) {
    if (!DatabaseFaults.isUnavailable(failure)) {
      log.warn("{} failed: {}", task, failure.toString());
      return;
    }
    if (downSince.compareAndSet(0, System.currentTimeMillis())) {
      log.warn("{}: PostgreSQL is unreachable ({}); retrying until it is back", task, failure.toString());
    }
  }

  public void succeeded() {
    long since = downSince.getAndSet(0);
    if (since != 0) {
      log.info("{}: PostgreSQL is reachable again after {} ms", task, System.currentTimeMillis() - since);
    }
  }

  /** For onComplete: records either outcome. */
  public void record(io.vertx.core.AsyncResult<?> result) {
    if (result.succeeded()) {
      succeeded();
    } else {
      failed(result.cause());
    }
  }

  public boolean inOutage() {
    return downSince.get() != 0;
  }
}
