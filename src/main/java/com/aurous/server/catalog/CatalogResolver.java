package com.aurous.server.catalog;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * Looks a request's lora_id, character_id and file_ references up in their catalogs, scoped to
 * the caller's team.
 */
public final class CatalogResolver {
  private final Pool pool;
  private final FileCatalog files;

  public CatalogResolver(Pool pool, FileCatalog files) {
    this.pool = pool;
    this.files = files;
  }

  /**
   * As {@link #resolve(String, String, String)}, and each {@code file_...} entry of
   * {@code references} must be a live file of the team; https entries stay as given (they are
   * fetched when the generation runs).
   */
  public Future<CatalogEntry> resolve(String teamId, String loraId, String characterId, List<String> references) {
    List<String> fileIds = references.stream().filter(r -> r.startsWith("file_")).distinct().toList();
    Future<Void> filesLive = fileIds.isEmpty() ? Future.succeededFuture() : files.missing(teamId, fileIds).compose(missing -> {
      for (String id : fileIds) {
        if (missing.contains(id)) {
          // In request order, so the error names the first bad entry.
          return Future.failedFuture(new CatalogException(CatalogException.Reason.FILE_MISSING, id,
              Integer.toString(references.indexOf(id))));
        }
      }
      return Future.succeededFuture();
    });
    return filesLive.compose(v -> resolve(teamId, loraId, characterId));
  }

  /**
   * Either id may be null (not requested). Fails with {@link CatalogException} when one names
   * nothing this team may use.
   */
  public Future<CatalogEntry> resolve(String teamId, String loraId, String characterId) {
    Future<Row> lora = loraId == null ? Future.succeededFuture() : pool
        .preparedQuery("SELECT id, name, default_steps, default_guidance_scale, default_cfg_rescale, default_denoise_strength"
            + " FROM loras WHERE (id = $1 OR slug = $1 OR legacy_uuid::text = lower($1))"
            + " AND (team_id IS NULL OR team_id = $2) LIMIT 1")
        .execute(Tuple.of(loraId, teamId))
        .map(rows -> {
          if (rows.size() == 0) {
            throw new CatalogException(CatalogException.Reason.LORA_MISSING, loraId, null);
          }
          return rows.iterator().next();
        });
    Future<Row> character = characterId == null ? Future.succeededFuture() : pool
        .preparedQuery("SELECT id, status, reference_image_urls, consistency_denoise_strength FROM characters"
            + " WHERE (id = $1 OR legacy_uuid::text = lower($1)) AND team_id = $2")
        .execute(Tuple.of(characterId, teamId))
        .map(rows -> {
          // Another team's character answers exactly like a missing one: existence is never leaked.
          if (rows.size() == 0) {
            throw new CatalogException(CatalogException.Reason.CHARACTER_MISSING, characterId, null);
          }
          Row row = rows.iterator().next();
          if (!"ready".equals(row.getString("status"))) {
            throw new CatalogException(CatalogException.Reason.CHARACTER_NOT_READY, characterId, row.getString("status"));
          }
          return row;
        });
    return Future.all(lora, character).map(all -> {
      Row l = lora.result();
      Row c = character.result();
      List<String> refs = new ArrayList<>();
      if (c != null) {
        Object raw = c.getValue("reference_image_urls");
        if (raw instanceof JsonArray arr) {
          arr.forEach(o -> refs.add(String.valueOf(o)));
        }
      }
      return new CatalogEntry(
          l == null ? null : l.getString("id"),
          l == null ? null : l.getString("name"),
          l == null ? null : l.getInteger("default_steps"),
          l == null ? null : l.getDouble("default_guidance_scale"),
          l == null ? null : l.getDouble("default_cfg_rescale"),
          l == null ? null : l.getDouble("default_denoise_strength"),
          c == null ? null : c.getString("id"),
          List.copyOf(refs),
          c == null ? null : c.getDouble("consistency_denoise_strength"));
    });
  }
}
