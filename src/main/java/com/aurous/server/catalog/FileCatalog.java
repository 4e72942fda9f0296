package com.aurous.server.catalog;

import io.vertx.core.Future;

import java.util.List;
import java.util.Set;

/** Which of a team's file ids name no live file of that team; the files concern answers it. */
public interface FileCatalog {
  Future<Set<String>> missing(String teamId, List<String> fileIds);

  /** A catalog with no files at all: every file id is missing. */
  FileCatalog NONE = (teamId, ids) -> Future.succeededFuture(Set.copyOf(ids));
}
