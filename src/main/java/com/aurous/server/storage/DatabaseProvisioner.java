package com.aurous.server.storage;

import com.aurous.server.config.ServerConfig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the node's PostgreSQL: the configured database.url, or else the embedded server under
 * the data dir. When a node already runs the embedded server, CLI commands on the same data dir
 * join it (its port is recorded beside the data) instead of starting a second postmaster.
 */
public final class DatabaseProvisioner implements AutoCloseable {
  private final DatabaseTarget target;
  private final EmbeddedDatabase embedded;
  private final Path portFile;

  private DatabaseProvisioner(DatabaseTarget target, EmbeddedDatabase embedded, Path portFile) {
    this.target = target;
    this.embedded = embedded;
    this.portFile = portFile;
  }

  /** Blocking: starts or finds PostgreSQL. */
  public static DatabaseProvisioner open(ServerConfig config) throws IOException {
    if (!config.databaseUrl().isBlank()) {
      return new DatabaseProvisioner(DatabaseTarget.fromUrl(config.databaseUrl()), null, null);
    }
    Path dataDir = config.dataDir();
    Files.createDirectories(dataDir);
    Path portFile = dataDir.resolve("postgres.port");
    if (Files.exists(portFile)) {
      int port = Integer.parseInt(Files.readString(portFile).trim());
      if (reachable(port)) {
        return new DatabaseProvisioner(new DatabaseTarget("127.0.0.1", port, "postgres", "postgres", "postgres"), null, null);
      }
    }
    EmbeddedDatabase db = EmbeddedDatabase.start(dataDir, config.integer("database.embedded_port"));
    Files.writeString(portFile, Integer.toString(db.target().port()));
    return new DatabaseProvisioner(db.target(), db, portFile);
  }

  private static boolean reachable(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Starts the embedded server's watchdog (see {@link EmbeddedDatabase#watch}); nothing for an external database. */
  public void watchEmbedded(long intervalMs, int restartAttempts, java.util.function.Consumer<String> onGiveUp) {
    if (embedded != null) {
      embedded.watch(intervalMs, restartAttempts, onGiveUp);
    }
  }

  public DatabaseTarget target() {
    return target;
  }

  /** True when this process started the embedded server (and so owns the first-start bootstrap). */
  public boolean isEmbedded() {
    return embedded != null;
  }

  @Override
  public void close() throws IOException {
    if (embedded != null) {
      embedded.close();
      Files.deleteIfExists(portFile);
    }
  }
}
