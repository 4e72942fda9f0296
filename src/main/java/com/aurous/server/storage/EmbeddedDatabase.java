package com.aurous.server.storage;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The zero-install default: a real PostgreSQL server unpacked from a Maven artifact, its data
 * kept under {@code <data_dir>/postgres} so generations survive restarts. A watchdog notices
 * when the postmaster dies and starts it again on the same port and data directory (PostgreSQL
 * recovers from its WAL); the node's pool reconnects on its own.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);

  private final Path dataDir;
  private final Path pgData;
  private final int port;
  private volatile EmbeddedPostgres postgres;
  private volatile boolean closed;
  private ScheduledExecutorService watchdog;

  private EmbeddedDatabase(Path dataDir, EmbeddedPostgres postgres) {
    this.dataDir = dataDir;
    this.pgData = dataDir.resolve("postgres");
    this.postgres = postgres;
    this.port = postgres.getPort();
  }

  /** Blocking: call from the main thread or a worker, never from an event loop. */
  public static EmbeddedDatabase start(Path dataDir, int port) throws IOException {
    return new EmbeddedDatabase(dataDir, launch(dataDir, port));
  }

  private static EmbeddedPostgres launch(Path dataDir, int port) throws IOException {
    Path pgData = dataDir.resolve("postgres");
    Files.createDirectories(pgData);
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
        .setDataDirectory(pgData)
        .setCleanDataDirectory(false)
        .setOverrideWorkingDirectory(dataDir.resolve("postgres-runtime").toFile())
        .setServerConfig("max_connections", "300")
        .setServerConfig("fsync", "on");
    if (port > 0) {
      builder.setPort(port);
    }
    return builder.start();
  }

  public DatabaseTarget target() {
    return new DatabaseTarget("127.0.0.1", port, "postgres", "postgres", "postgres");
  }

  /**
   * Checks the postmaster every {@code intervalMs}; when it is gone, restarts it, trying
   * {@code restartAttempts} times with a growing pause (the orphaned backends of a killed
   * postmaster must exit before PostgreSQL starts again). When every attempt fails the watchdog
   * stops and hands one sentence saying so to {@code onGiveUp}.
   */
  public synchronized void watch(long intervalMs, int restartAttempts, Consumer<String> onGiveUp) {
    if (watchdog != null || closed) {
      return;
    }
    watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "aurous-postgres-watchdog");
      t.setDaemon(true);
      return t;
    });
    watchdog.scheduleWithFixedDelay(() -> {
      if (closed || postmasterAlive()) {
        return;
      }
      String failure = restart(intervalMs, restartAttempts);
      if (failure != null && !closed) {
        watchdog.shutdown();
        onGiveUp.accept(failure);
      }
    }, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
  }

  /** Null once PostgreSQL runs again, else why it could not be started. */
  private String restart(long pauseMs, int attempts) {
    LOG.warn("Embedded PostgreSQL on port {} has stopped; restarting it on the same port and data directory", port);
    // Releases the dead instance's lock on the data directory (its stop command finds no server).
    closeQuietly(postgres);
    Exception last = null;
    for (int attempt = 1; attempt <= attempts && !closed; attempt++) {
      try {
        postgres = launch(dataDir, port);
        LOG.info("Embedded PostgreSQL restarted on port {} (attempt {})", port, attempt);
        return null;
      } catch (IOException | RuntimeException e) {
        last = e;
        try {
          Thread.sleep(pauseMs * attempt);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    return "embedded PostgreSQL on port " + port + " died and could not be restarted after " + attempts
        + " attempt(s): " + rootMessage(last) + " (data directory " + pgData + ")";
  }

  /**
   * Whether the postmaster recorded in postmaster.pid still runs. A killed postmaster may linger
   * as a zombie until its parent reaps it, so on Linux its /proc state is read, not just its pid.
   */
  boolean postmasterAlive() {
    Path pidFile = pgData.resolve("postmaster.pid");
    long pid;
    try {
      List<String> lines = Files.readAllLines(pidFile);
      if (lines.isEmpty()) {
        return true; // being written by a starting postmaster
      }
      pid = Long.parseLong(lines.get(0).trim());
    } catch (java.nio.file.NoSuchFileException e) {
      return false;
    } catch (IOException | NumberFormatException e) {
      return true; // unreadable for a moment: judge on the next tick
    }
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    if (Files.isDirectory(Path.of("/proc", "self"))) {
      try {
        String s = Files.readString(stat);
        char state = s.charAt(s.lastIndexOf(')') + 2);
        return state != 'Z' && state != 'X';
      } catch (IOException | RuntimeException e) {
        return false;
      }
    }
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static String rootMessage(Throwable t) {
    if (t == null) {
      return "interrupted";
    }
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.toString();
  }

  private static void closeQuietly(EmbeddedPostgres pg) {
    try {
      pg.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("Closing the stopped embedded PostgreSQL: {}", e.toString());
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    synchronized (this) {
      if (watchdog != null) {
        // Not awaited: close may run on a shutdown hook started from the watchdog thread itself.
        watchdog.shutdownNow();
      }
    }
    postgres.close();
  }
}
