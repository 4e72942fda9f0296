package com.aurous.server.storage;

import org.flywaydb.core.Flyway;

/**
 * Applies the versioned schema migrations in {@code src/main/resources/db/migration}. Flyway
 * takes a database lock, so several nodes starting at once against one PostgreSQL migrate once.
 */
public final class Migrations {
  private Migrations() {}

  /** Blocking (JDBC): run before the event loops start, or on a worker thread. */
  public static int apply(DatabaseTarget target) {
    Flyway flyway = Flyway.configure()
        .dataSource(target.jdbcUrl(), target.user(), target.password())
        .locations("classpath:db/migration")
        .load();
    return flyway.migrate().migrationsExecuted;
  }
}
