package com.aurous.server.catalog;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * Looks a request's lora_id, character_id and file_ references up in their catalogs, scoped to
 * the caller's team; LoRAs and bundles through {@link LoraStore}, files through {@link FileCatalog},
 * characters here.
 */
public final class CatalogResolver {
  private final Pool pool;
  private final FileCatalog files;
  private final LoraStore loras;

  public CatalogResolver(Pool pool, FileCatalog files) {
    this.pool = pool;
    this.files = files;
    this.loras = new LoraStore(pool);
  }

  /** As {@link #resolve(String, String, String, String)} without auto-pick (the estimate: a style never changes a price). */
  public Future<CatalogEntry> resolve(String teamId, String loraId, String characterId) {
    return resolve(teamId, loraId, characterId, (String) null);
  }

  /**
   * As {@link #resolve(String, String, String, String)}, and each {@code file_...} entry of
   * {@code references} must be a live file of the team; https entries stay as given (they are
   * fetched when the generation runs).
   */
  public Future<CatalogEntry> resolve(String teamId, String loraId, String characterId, List<String> references,
      String promptToPickFrom) {
    List<String> fileIds = fileIds(references);
    Future<Void> filesLive = fileIds.isEmpty() ? Future.succeededFuture()
        : files.missing(teamId, fileIds).compose(missing -> firstMissing(references, fileIds, missing));
    return filesLive.compose(v -> resolve(teamId, loraId, characterId, promptToPickFrom));
  }

  /**
   * Inside a create's transaction {@code tx}, just before its row is stored: each {@code file_...}
   * entry of {@code references} must still be a live file of the team (checked again: a delete may
   * have come between the look-up and now), and stays locked against deletion until {@code tx} ends.
   */
  public Future<Void> holdFiles(SqlConnection tx, String teamId, List<String> references) {
    List<String> fileIds = fileIds(references);
    return fileIds.isEmpty() ? Future.succeededFuture()
        : files.missingOrHold(tx, teamId, fileIds).compose(missing -> firstMissing(references, fileIds, missing));
  }

  private static List<String> fileIds(List<String> references) {
    return references.stream().filter(r -> r.startsWith("file_")).distinct().toList();
  }

  private static Future<Void> firstMissing(List<String> references, List<String> fileIds, java.util.Set<String> missing) {
    for (String id : fileIds) {
      if (missing.contains(id)) {
        // In request order, so the error names the first bad entry.
        return Future.failedFuture(new CatalogException(CatalogException.Reason.FILE_MISSING, id,
            Integer.toString(references.indexOf(id))));
      }
    }
    return Future.succeededFuture();
  }

  /**
   * Either id may be null (not requested). Fails with {@link CatalogException} when one names
   * nothing this team may use. Without a lora_id, a non-null {@code promptToPickFrom} picks a
   * style by {@link StylePicker}'s rule (or none).
   */
  public Future<CatalogEntry> resolve(String teamId, String loraId, String characterId, String promptToPickFrom) {
    Future<Style> lora;
    if (loraId != null) {
      lora = loras.find(teamId, loraId).map(found -> {
        if (found == null) {
          throw new CatalogException(CatalogException.Reason.LORA_MISSING, loraId, null);
        }
        return found;
      });
    } else if (promptToPickFrom != null) {
      lora = loras.keyworded(teamId).map(styles -> StylePicker.pick(promptToPickFrom, styles));
    } else {
      lora = Future.succeededFuture();
    }
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
      Style l = lora.result();
      Row c = character.result();
      List<String> refs = new ArrayList<>();
      if (c != null) {
        Object raw = c.getValue("reference_image_urls");
        if (raw instanceof JsonArray arr) {
          arr.forEach(o -> refs.add(String.valueOf(o)));
        }
      }
      return new CatalogEntry(
          l == null ? null : l.id(),
          l == null ? null : l.name(),
          l == null ? null : l.steps(),
          l == null ? null : l.guidanceScale(),
          l == null ? null : l.cfgRescale(),
          l == null ? null : l.denoiseStrength(),
          c == null ? null : c.getString("id"),
          List.copyOf(refs),
          c == null ? null : c.getDouble("consistency_denoise_strength"),
          l == null ? null : l.kind(),
          l == null ? null : l.styleTemplate(),
          l == null ? List.of() : l.adapters(),
          l == null ? null : loraId != null ? CatalogEntry.REQUESTED : CatalogEntry.AUTO);
    });
  }
}
