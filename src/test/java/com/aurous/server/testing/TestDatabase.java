package com.aurous.server.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL for the whole test JVM (started on first use, stopped at exit); each test
 * class gets a database of its own, so classes never see each other's rows.
 */
public final class TestDatabase {
  private static EmbeddedPostgres postgres;
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private TestDatabase() {}

  public static synchronized EmbeddedPostgres server() {
    if (postgres == null) {
      try {
        postgres = EmbeddedPostgres.builder()
            .setDataDirectory(Files.createTempDirectory("aurous-test-pg"))
            .setCleanDataDirectory(true)
            .setServerConfig("max_connections", "500")
            .setServerConfig("fsync", "off")
            .start();
      } catch (IOException e) {
        throw new IllegalStateException("cannot start embedded PostgreSQL for tests", e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          postgres.close();
        } catch (IOException ignored) {
          // The JVM is exiting.
        }
      }));
    }
    return postgres;
  }

  /** A fresh, empty database; returns its postgresql:// URL. */
  public static String createDatabase() {
    String name = "t" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    try (Connection c = server().getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (Exception e) {
      throw new IllegalStateException("cannot create test database", e);
    }
    return "postgresql://postgres:postgres@127.0.0.1:" + server().getPort() + "/" + name;
  }
}
