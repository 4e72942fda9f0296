package com.aurous.server.generation;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This node's short-lived memory of rendered generations for {@code GET /v1/images/{id}}, so a
 * poller's reads cost no PostgreSQL round trip.
 *
 * <ul>
 *   <li>A terminal row never changes again (every write to generations applies to open rows
 *       only), so it is kept for {@code terminalTtl}, which only bounds how long a LoRA's name,
 *       joined into the view, may lag.
 *   <li>A pending or processing row changes in three ways only, each announced on the clustered
 *       event bus after it commits: claimed work starts ({@link GenerationAddresses#CHANGED}),
 *       a departed worker's claim is returned ({@link GenerationAddresses#CHANGED}) and the
 *       terminal transition ({@link GenerationAddresses#TERMINAL}). Each drops the entry on every
 *       node, so a read is stale only for the message's flight time. {@code openTtl} bounds the
 *       staleness should a message be lost (a node cut off from the cluster, not from the
 *       database).
 * </ul>
 *
 * A read that was already on its way to PostgreSQL when a change was announced would put back
 * the state from before the change. Each announcement therefore stamps the id with a sequence
 * number; a read offers its row with the sequence number taken before it was sent, and an entry
 * whose id was stamped since is dropped again (checked after the put, so an announcement racing
 * the put cannot be missed either).
 */
public final class GenerationViewCache {
  /** The owning team, so another team's read is as absent as a missing generation. */
  public record Entry(String teamId, String body, boolean terminal) {}

  private final Cache<String, Entry> entries;
  /** Sequence number of the latest announcement per id, kept for as long as an open entry lives. */
  private final Cache<String, Long> announced;
  private final AtomicLong sequence = new AtomicLong();
  private final boolean cachesOpen;

  /**
   * @param maxEntries 0 turns the cache off
   * @param openTtlMillis 0: pending and processing rows are always read fresh
   */
  public GenerationViewCache(int maxEntries, int terminalTtlSeconds, int openTtlMillis) {
    long terminalNanos = Duration.ofSeconds(terminalTtlSeconds).toNanos();
    long openNanos = Duration.ofMillis(openTtlMillis).toNanos();
    this.cachesOpen = maxEntries > 0 && openTtlMillis > 0;
    this.entries = maxEntries <= 0 ? null : Caffeine.newBuilder().maximumSize(maxEntries)
        .expireAfter(new Expiry<String, Entry>() {
          @Override
          public long expireAfterCreate(String key, Entry value, long currentTime) {
            return value.terminal() ? terminalNanos : openNanos;
          }

          @Override
          public long expireAfterUpdate(String key, Entry value, long currentTime, long currentDuration) {
            return expireAfterCreate(key, value, currentTime);
          }

          @Override
          public long expireAfterRead(String key, Entry value, long currentTime, long currentDuration) {
            return currentDuration;
          }
        })
        .executor(Runnable::run).build();
    // An announcement must outlive any read that started before it; reads take milliseconds, so
    // twice the open lifetime (at least a second) is ample.
    this.announced = !cachesOpen ? null : Caffeine.newBuilder().maximumSize(maxEntries)
        .expireAfterWrite(Duration.ofMillis(Math.max(1000L, 2L * openTtlMillis))).executor(Runnable::run).build();
  }

  /** Drops entries as the lifecycle announces changes; completes once both consumers are registered. */
  public Future<Void> listen(Vertx vertx) {
    if (entries == null) {
      return Future.succeededFuture();
    }
    MessageConsumer<Object> changed = vertx.eventBus().consumer(GenerationAddresses.CHANGED, m -> changed(m.body()));
    MessageConsumer<Object> terminal = vertx.eventBus().consumer(GenerationAddresses.TERMINAL, m -> changed(m.body()));
    return Future.all(changed.completion(), terminal.completion()).mapEmpty();
  }

  private void changed(Object id) {
    if (id instanceof String s) {
      forget(s);
    }
  }

  /** Drops the generation's entry, as an announcement of a change to it does. */
  public void forget(String id) {
    if (entries == null) {
      return;
    }
    if (announced != null) {
      announced.put(id, sequence.incrementAndGet());
    }
    entries.invalidate(id);
  }

  /** The generation's rendered body, or null when this node does not hold it. */
  public Entry get(String id) {
    return entries == null ? null : entries.getIfPresent(id);
  }

  /** Taken before a row is read; hand it to {@link #offer} with what the read returned. */
  public long stamp() {
    return sequence.get();
  }

  /** Holds the body of a row read after {@code stamp} was taken, unless a change was announced since. */
  public void offer(String id, String status, String teamId, String body, long stamp) {
    if (entries == null) {
      return;
    }
    if (GenerationStatus.isTerminal(status)) {
      entries.put(id, new Entry(teamId, body, true));
      return;
    }
    if (!cachesOpen) {
      return;
    }
    Entry entry = new Entry(teamId, body, false);
    entries.put(id, entry);
    Long last = announced.getIfPresent(id);
    if (last != null && last > stamp) {
      entries.asMap().remove(id, entry);
    }
  }
}
