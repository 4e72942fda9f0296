package com.aurous.server.catalog;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;

import java.util.List;
import java.util.Set;

/** Which of a team's file ids name no live file of that team; the files concern answers it. */
public interface FileCatalog {
  Future<Set<String>> missing(String teamId, List<String> fileIds);

  /**
   * As {@link #missing}, inside {@code tx}, and the live ones are locked against deletion until
   * {@code tx} ends: a create that then stores a row naming them (a generation, a character)
   * holds them before any concurrent delete can decide they are free.
   */
  Future<Set<String>> missingOrHold(SqlConnection tx, String teamId, List<String> fileIds);

  /** A catalog with no files at all: every file id is missing. */
  FileCatalog NONE = new FileCatalog() {
    @Override
    public Future<Set<String>> missing(String teamId, List<String> fileIds) {
      return Future.succeededFuture(Set.copyOf(fileIds));
    }

    @Override
    public Future<Set<String>> missingOrHold(SqlConnection tx, String teamId, List<String> fileIds) {
      return missing(teamId, fileIds);
    }
  };
}
