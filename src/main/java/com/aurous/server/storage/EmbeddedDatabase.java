package com.aurous.server.storage;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The zero-install default: a real PostgreSQL server unpacked from a Maven artifact, its data
 * kept under {@code <data_dir>/postgres} so generations survive restarts.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /** Blocking: call from the main thread or a worker, never from an event loop. */
  public static EmbeddedDatabase start(Path dataDir, int port) throws IOException {
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
    return new EmbeddedDatabase(builder.start());
  }

  public DatabaseTarget target() {
    return new DatabaseTarget("127.0.0.1", postgres.getPort(), "postgres", "postgres", "postgres");
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
