package com.aurous.server.auth;

import com.aurous.server.config.ServerConfig;
import com.aurous.server.storage.DatabaseFaults;
import com.aurous.server.storage.OutageLog;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * API-key authentication without a database round trip per request: each node keeps key hash →
 * key id, team and the key's rate-limit overrides (keyed by the SHA-256, like api_keys, so no key
 * is held in memory longer than its request).
 *
 * <p>A cached entry answers alone only while it is <em>trusted</em>: this node is listening for
 * key changes ({@link KeyNotifications}, PostgreSQL LISTEN aurous_keys), the entry was filled
 * since the listener last (re)connected, and it is younger than the TTL (the backstop for a
 * listener that is connected but deaf). Otherwise the database is asked, and the entry kept as
 * a stale-if-error memory: while PostgreSQL is unreachable a key this node has seen accepted
 * still authenticates, so estimate keeps answering. A key the database no longer knows is
 * forgotten at once.
 *
 * <p>Unknown keys are kept apart, briefly (a misconfigured client retrying a revoked key must not
 * cost a query per request), in their own bounded map: a spray of random keys can only churn that
 * map, never evict a real key, and costs at most one indexed query per key through the bounded
 * pool. Creating or importing a key notifies too, so a remembered miss never outlives the key's
 * creation by more than the notification.
 */
public final class KeyCache {
  private static final Logger LOG = LoggerFactory.getLogger(KeyCache.class);

  private record Entry(AuthenticatedKey key, long epoch, long verifiedAtNanos) {}

  private final TeamStore teams;
  private final Cache<String, Entry> known;
  private final Cache<String, Boolean> unknown;
  private final long ttlNanos;
  private final boolean cacheUnknown;
  private final OutageLog outage = new OutageLog(LOG, "API key look-up");
  /** Bumped on every listener (re)connect and loss: entries of an older epoch are not trusted. */
  private final AtomicLong epoch = new AtomicLong();
  /** Bumped on every eviction: a look-up that raced one must not store what it read. */
  private final AtomicLong changes = new AtomicLong();
  private volatile boolean listening;

  public KeyCache(TeamStore teams, int maxKeys, long ttlSeconds, long unknownTtlMillis) {
    this.teams = teams;
    this.ttlNanos = TimeUnit.SECONDS.toNanos(ttlSeconds);
    this.cacheUnknown = unknownTtlMillis > 0 && maxKeys > 0;
    // Maintenance runs on the calling thread: nothing of the cache's lands on the common pool.
    this.known = Caffeine.newBuilder().maximumSize(maxKeys).executor(Runnable::run).build();
    this.unknown = Caffeine.newBuilder().maximumSize(Math.max(1, maxKeys))
        .expireAfterWrite(Math.max(1, unknownTtlMillis), TimeUnit.MILLISECONDS).executor(Runnable::run).build();
  }

  public static KeyCache from(ServerConfig config, TeamStore teams) {
    return new KeyCache(teams, config.integer("api.auth_cache_max_keys"), config.integer("api.auth_cache_ttl_s"),
        config.integer("api.auth_cache_unknown_ttl_ms"));
  }

  /** The key's record, null for a key that is not (or no longer) valid; fails only when the database is down and the key unknown here. */
  public Future<AuthenticatedKey> authenticate(String apiKey) {
    if (!ApiKeys.looksValid(apiKey)) {
      return Future.succeededFuture(null);
    }
    String hash = ApiKeys.hash(apiKey);
    if (listening) {
      Entry e = known.getIfPresent(hash);
      if (e != null && e.epoch == epoch.get() && System.nanoTime() - e.verifiedAtNanos < ttlNanos) {
        return Future.succeededFuture(e.key);
      }
      if (e == null && cacheUnknown && unknown.getIfPresent(hash) != null) {
        return Future.succeededFuture(null);
      }
    }
    long changesBefore = changes.get();
    long epochBefore = epoch.get();
    return teams.keyForHash(hash).transform(ar -> {
      if (ar.succeeded()) {
        outage.succeeded();
        remember(hash, ar.result(), changesBefore, epochBefore);
        return Future.succeededFuture(ar.result());
      }
      outage.failed(ar.cause());
      Entry stale = DatabaseFaults.isUnavailable(ar.cause()) ? known.getIfPresent(hash) : null;
      return stale != null ? Future.succeededFuture(stale.key) : Future.failedFuture(ar.cause());
    });
  }

  private void remember(String hash, AuthenticatedKey key, long changesBefore, long epochBefore) {
    // An eviction that landed while we read may be newer than our row: keep the entry only
    // as an untrusted stale-if-error memory (epoch -1), so the next request asks again.
    boolean clean = changes.get() == changesBefore && epoch.get() == epochBefore;
    if (key == null) {
      known.invalidate(hash);
      if (clean && cacheUnknown) {
        unknown.put(hash, Boolean.TRUE);
      }
    } else {
      known.put(hash, new Entry(key, clean ? epochBefore : -1, System.nanoTime()));
    }
  }

  /** A key changed (revoked, created, deleted): forget what this node knew of it. */
  public void evictKey(String keyHash) {
    changes.incrementAndGet();
    known.invalidate(keyHash);
    unknown.invalidate(keyHash);
  }

  /** A team's cached data (name, version pin) changed: every key of it is looked up again. */
  public void evictTeam(String teamId) {
    changes.incrementAndGet();
    known.asMap().values().removeIf(e -> e.key.team().id().equals(teamId));
  }

  /** Nothing cached is trusted any more (a notification we cannot read). */
  public void distrustAll() {
    changes.incrementAndGet();
    epoch.incrementAndGet();
    unknown.invalidateAll();
  }

  /**
   * The listener is (again) subscribed. A new epoch: what was filled before may have missed a
   * notification while the connection was down, so every key is looked up once more. Called on
   * every (re)subscribe, even one the loss check never saw.
   */
  public void listenerUp() {
    distrustAll();
    listening = true;
  }

  /** The listener's connection is gone: nothing is trusted; entries stay as stale-if-error memory. */
  public void listenerDown() {
    if (listening) {
      listening = false;
      distrustAll();
    }
  }

  /** Applies one aurous_keys payload: {@code key:<sha256>} or {@code team:<id>}. */
  public void onNotification(String payload) {
    if (payload != null && payload.startsWith("key:")) {
      evictKey(payload.substring(4));
    } else if (payload != null && payload.startsWith("team:")) {
      evictTeam(payload.substring(5));
    } else {
      LOG.warn("Unreadable aurous_keys notification '{}'; every cached key will be looked up again", payload);
      distrustAll();
    }
  }
}
