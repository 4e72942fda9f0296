package com.aurous.server.generation;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.time.Duration;

/**
 * This node's short-lived memory of rendered terminal generations, so a client that reads a
 * finished generation again (a poller's last reads, a gallery) costs no PostgreSQL round trip. A
 * terminal row never changes again (every write to generations applies to open rows only), so
 * nothing needs invalidating; the time limit only bounds how long a LoRA's name, joined into the
 * view, may lag. Pending and processing rows are never held: their reads stay fresh.
 */
public final class TerminalViewCache {
  /** The owning team, so another team's read is as absent as a missing generation. */
  public record Entry(String teamId, String body) {}

  private final Cache<String, Entry> entries;

  /** {@code maxEntries} 0 turns the cache off. */
  public TerminalViewCache(int maxEntries, int ttlSeconds) {
    this.entries = maxEntries <= 0 ? null : Caffeine.newBuilder().maximumSize(maxEntries)
        .expireAfterWrite(Duration.ofSeconds(ttlSeconds)).executor(Runnable::run).build();
  }

  /** The generation's rendered body, or null when this node does not hold it. */
  public Entry get(String id) {
    return entries == null ? null : entries.getIfPresent(id);
  }

  /** Holds the body only when {@code status} is terminal. */
  public void offer(String id, String status, String teamId, String body) {
    if (entries != null && GenerationStatus.isTerminal(status)) {
      entries.put(id, new Entry(teamId, body));
    }
  }
}
