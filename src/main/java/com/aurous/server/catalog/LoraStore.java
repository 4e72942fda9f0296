package com.aurous.server.catalog;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The loras and lora_bundle_members tables, and the only class with SQL on them: look-ups by id,
 * slug or legacy UUID scoped to a team, the catalog's pages, the keyworded styles auto-pick reads,
 * and the operator's add and remove. Catalog order is id ascending throughout.
 */
public final class LoraStore {
  /**
   * A style's columns plus its adapters as JSON: a LoRA's own adapter, or a bundle's members'
   * adapters at the members' weights, in member order (members without an adapter contribute none).
   */
  private static final String SELECT = "SELECT l.id, l.slug, l.legacy_uuid::text AS legacy_uuid, l.name, l.kind,"
      + " l.description, l.team_id, l.default_steps, l.default_guidance_scale, l.default_cfg_rescale,"
      + " l.default_denoise_strength, l.style_template, l.keywords,"
      + " CASE WHEN l.kind = 'bundle' THEN (SELECT coalesce(jsonb_agg(jsonb_build_object('name', m.adapter_name,"
      + " 'weight', b.weight) ORDER BY b.position), '[]'::jsonb) FROM lora_bundle_members b JOIN loras m ON m.id = b.lora_id"
      + " WHERE b.bundle_id = l.id AND m.adapter_name IS NOT NULL)"
      + " WHEN l.adapter_name IS NOT NULL THEN jsonb_build_array(jsonb_build_object('name', l.adapter_name, 'weight', l.adapter_weight))"
      + " ELSE '[]'::jsonb END AS adapters"
      + " FROM loras l WHERE l.removed_at IS NULL";
  /** Public entries and the team's own; another team's private entry is as absent as a missing one. */
  private static final String VISIBLE = " AND (l.team_id IS NULL OR l.team_id = $1)";
  private static final String BY_REF = " AND (l.id = $2 OR l.slug = $2 OR l.legacy_uuid::text = lower($2))";

  private final Pool pool;

  public LoraStore(Pool pool) {
    this.pool = pool;
  }

  /** The entry {@code ref} (id, slug or legacy UUID) names for the team, or null. */
  public Future<Style> find(String teamId, String ref) {
    return pool.preparedQuery(SELECT + VISIBLE + BY_REF + " LIMIT 1").execute(Tuple.of(teamId, ref)).map(LoraStore::first);
  }

  /** A page in catalog order; {@code startingAfter} is the last id of the previous page. */
  public Future<List<Style>> page(String teamId, String startingAfter, int limitPlusOne) {
    if (startingAfter == null) {
      return pool.preparedQuery(SELECT + VISIBLE + " ORDER BY l.id LIMIT $2").execute(Tuple.of(teamId, limitPlusOne))
          .map(LoraStore::all);
    }
    return pool.preparedQuery(SELECT + VISIBLE + " AND l.id > $2 ORDER BY l.id LIMIT $3")
        .execute(Tuple.of(teamId, startingAfter, limitPlusOne)).map(LoraStore::all);
  }

  /** The team's styles that have keywords, in catalog order: what {@link StylePicker} chooses from. */
  public Future<List<Style>> keyworded(String teamId) {
    return pool.preparedQuery(SELECT + VISIBLE + " AND cardinality(l.keywords) > 0 ORDER BY l.id").execute(Tuple.of(teamId))
        .map(LoraStore::all);
  }

  // ---- operator ----------------------------------------------------------------------------

  /** Every live entry of every team, for the CLI. */
  public Future<List<Style>> listAll() {
    return pool.query(SELECT + " ORDER BY l.id").execute().map(LoraStore::all);
  }

  /** A live entry by id, slug or UUID, whichever team owns it; null if none. */
  public Future<Style> findAny(String ref) {
    return pool.preparedQuery(SELECT + " AND (l.id = $1 OR l.slug = $1 OR l.legacy_uuid::text = lower($1)) LIMIT 1")
        .execute(Tuple.of(ref)).map(LoraStore::first);
  }

  /**
   * Inserts one entry (and a bundle's members, already resolved to ids) in one transaction.
   * A taken id, slug or UUID fails with the database's unique violation.
   */
  public Future<Void> add(String id, String teamId, StyleDefinition d, List<String> memberIds) {
    return pool.withTransaction(tx -> tx.preparedQuery("INSERT INTO loras (id, slug, legacy_uuid, name, team_id, kind,"
            + " adapter_name, adapter_weight, description, style_template, keywords, default_steps, default_guidance_scale,"
            + " default_cfg_rescale, default_denoise_strength) VALUES ($1, $2, $3::uuid, $4, $5, $6, $7, $8, $9, $10, $11,"
            + " $12, $13, $14, $15)")
        .execute(Tuple.from(Arrays.asList(id, d.slug(), d.uuid(), d.name(), teamId, d.kind(), d.adapter(), d.adapterWeight(),
            d.description(), d.styleTemplate(), d.keywords().toArray(new String[0]), d.steps(), d.guidanceScale(),
            d.cfgRescale(), d.denoiseStrength())))
        .compose(x -> {
          Future<Void> chain = Future.succeededFuture();
          for (int i = 0; i < memberIds.size(); i++) {
            Tuple t = Tuple.of(id, memberIds.get(i), d.members().get(i).weight(), i);
            chain = chain.compose(y -> tx.preparedQuery("INSERT INTO lora_bundle_members (bundle_id, lora_id, weight, position)"
                + " VALUES ($1, $2, $3, $4)").execute(t).mapEmpty());
          }
          return chain;
        }));
  }

  /** Names of the live bundles {@code id} is a member of (a member cannot be removed under them). */
  public Future<List<String>> bundlesContaining(String id) {
    return pool.preparedQuery("SELECT l.slug FROM lora_bundle_members b JOIN loras l ON l.id = b.bundle_id"
            + " WHERE b.lora_id = $1 AND l.removed_at IS NULL ORDER BY l.id")
        .execute(Tuple.of(id))
        .map(rows -> {
          List<String> out = new ArrayList<>();
          rows.forEach(r -> out.add(r.getString(0)));
          return out;
        });
  }

  /**
   * Removes an entry from the catalog. The row stays, so generations made with it keep its name,
   * but its slug and UUID are cleared: they no longer resolve and may be given to a new entry.
   */
  public Future<Boolean> remove(String id) {
    return pool.preparedQuery("UPDATE loras SET removed_at = now(), slug = NULL, legacy_uuid = NULL"
            + " WHERE id = $1 AND removed_at IS NULL")
        .execute(Tuple.of(id)).map(r -> r.rowCount() == 1);
  }

  // ---- rows --------------------------------------------------------------------------------

  private static Style first(RowSet<Row> rows) {
    return rows.size() == 0 ? null : style(rows.iterator().next());
  }

  private static List<Style> all(RowSet<Row> rows) {
    List<Style> out = new ArrayList<>();
    rows.forEach(r -> out.add(style(r)));
    return out;
  }

  private static Style style(Row r) {
    List<Style.Adapter> adapters = new ArrayList<>();
    if (r.getValue("adapters") instanceof JsonArray arr) {
      for (Object o : arr) {
        JsonObject a = (JsonObject) o;
        adapters.add(new Style.Adapter(a.getString("name"), a.getDouble("weight")));
      }
    }
    String[] keywords = r.getArrayOfStrings("keywords");
    return new Style(r.getString("id"), r.getString("slug"), r.getString("legacy_uuid"), r.getString("name"),
        r.getString("kind"), r.getString("description"), r.getString("team_id"), r.getInteger("default_steps"),
        r.getDouble("default_guidance_scale"), r.getDouble("default_cfg_rescale"), r.getDouble("default_denoise_strength"),
        r.getString("style_template"), keywords == null ? List.of() : List.of(keywords), List.copyOf(adapters));
  }
}
