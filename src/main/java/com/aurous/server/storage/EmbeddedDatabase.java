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
        .setServerConfig("fsync", "on")
        // The library defaults to off, which acknowledges commits before their WAL is written:
        // a killed postmaster then loses generations (and charges) already answered 201.
        .setServerConfig("synchronous_commit", "on");
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
    // The library stops the server from its own shutdown hook: that is not a death to repair.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> closed = true, "aurous-postgres-watchdog-stop"));
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
    awaitOrphansGone(pauseMs * attempts);
    Exception last = null;
    for (int attempt = 1; attempt <= attempts && !closed; attempt++) {
      try {
        postgres = launch(dataDir, port);
        LOG.info("Embedded PostgreSQL restarted on port {} (attempt {})", port, attempt);
        return null;
      } catch (IOException | RuntimeException e) {
        last = e;
        // A start that failed after taking the library's lock file leaves that lock held by an
        // instance nobody can close; a fresh lock file lets the next attempt take its own.
        deleteQuietly(pgData.resolve("epg-lock"));
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

  /**
   * The killed postmaster's backends and helpers live on until they notice, still working in the
   * data directory. PostgreSQL's own guard against starting beside them (the shared memory
   * interlock) does not hold when the server runs in its own user namespace, as the embedded one
   * does when the node runs as root, so the watchdog waits for them itself, and ends the ones
   * that outstay {@code waitMs}: a new postmaster must never share the data directory with them.
   * Linux only (the processes are found by their working directory); elsewhere the interlock holds.
   */
  private void awaitOrphansGone(long waitMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
    boolean ended = false;
    while (!closed) {
      List<ProcessHandle> orphans = processesWorkingIn(pgData);
      if (orphans.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        if (ended) {
          LOG.warn("{} process(es) of the dead PostgreSQL still work in {}", orphans.size(), pgData);
          return;
        }
        LOG.warn("Ending {} process(es) of the dead PostgreSQL still working in {}", orphans.size(), pgData);
        orphans.forEach(ProcessHandle::destroyForcibly);
        ended = true;
        deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static List<ProcessHandle> processesWorkingIn(Path dir) {
    Path proc = Path.of("/proc");
    if (!Files.isDirectory(proc.resolve("self"))) {
      return List.of();
    }
    Path real;
    try {
      real = dir.toRealPath();
    } catch (IOException e) {
      return List.of();
    }
    long self = ProcessHandle.current().pid();
    return ProcessHandle.allProcesses().filter(p -> p.pid() != self).filter(p -> {
      try {
        return Files.readSymbolicLink(proc.resolve(Long.toString(p.pid())).resolve("cwd")).equals(real);
      } catch (IOException | RuntimeException e) {
        return false; // gone, a zombie, or not ours to read
      }
    }).toList();
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

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.debug("Could not delete {}: {}", file, e.toString());
    }
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
