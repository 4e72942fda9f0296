package com.aurous.server.api;

import com.aurous.server.auth.Team;
import com.aurous.server.catalog.CatalogEntry;
import com.aurous.server.catalog.CatalogException;
import com.aurous.server.catalog.CatalogResolver;
import com.aurous.server.enhance.PromptEnhancer;
import com.aurous.server.generation.GenerationDefaults;
import com.aurous.server.generation.GenerationDispatcher;
import com.aurous.server.generation.GenerationSpec;
import com.aurous.server.generation.GenerationStatus;
import com.aurous.server.generation.GenerationStore;
import com.aurous.server.generation.GenerationView;
import com.aurous.server.generation.IdempotencyStore;
import com.aurous.server.generation.ImageRequest;
import com.aurous.server.generation.GenerationViewCache;
import com.aurous.server.generation.TerminalWaits;
import com.aurous.server.pricing.PricingTable;
import com.aurous.server.ratelimit.RateLimitSettings;
import com.aurous.server.util.Ids;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;

import java.util.List;

/** The /v1/images routes: estimate, create, get, list and cancel. */
public final class ImagesApi {
  public static final String IDEMPOTENCY_HEADER = "Idempotency-Key";
  public static final String REPLAYED_HEADER = "Aurous-Idempotent-Replayed";

  private final ImageRequestParser parser;
  private final CatalogResolver catalog;
  private final GenerationDefaults defaults;
  private final PricingTable pricing;
  private final GenerationStore store;
  private final IdempotencyStore idempotency;
  private final GenerationView view;
  private final GenerationDispatcher dispatcher;
  private final AdmissionControl admission;
  private final int listDefaultLimit;
  private final int listMaxLimit;
  private final TerminalWaits waits;
  private final int preferWaitMaxSeconds;
  private final PromptEnhancer enhancer;
  private final RateLimitSettings rateLimits;
  private final GenerationViewCache views;

  public ImagesApi(ImageRequestParser parser, CatalogResolver catalog, GenerationDefaults defaults, PricingTable pricing,
      GenerationStore store, IdempotencyStore idempotency, GenerationView view, GenerationDispatcher dispatcher,
      AdmissionControl admission, int listDefaultLimit, int listMaxLimit, TerminalWaits waits, int preferWaitMaxSeconds,
      PromptEnhancer enhancer, RateLimitSettings rateLimits, GenerationViewCache views) {
    this.enhancer = enhancer;
    this.parser = parser;
    this.catalog = catalog;
    this.defaults = defaults;
    this.pricing = pricing;
    this.store = store;
    this.idempotency = idempotency;
    this.view = view;
    this.dispatcher = dispatcher;
    this.admission = admission;
    this.listDefaultLimit = listDefaultLimit;
    this.listMaxLimit = listMaxLimit;
    this.waits = waits;
    this.preferWaitMaxSeconds = preferWaitMaxSeconds;
    this.rateLimits = rateLimits;
    this.views = views;
  }

  /** POST /v1/images/estimate: full validation, then the price; no side effects. */
  public void estimate(RoutingContext ctx) {
    Team team = Authentication.team(ctx);
    PageParams.refuseQuery(ctx);
    ImageRequest req = parser.parse(JsonBodies.object(ctx));
    // No auto-pick: a style never changes the price, so the estimate needs no catalog read for it.
    resolve(team, req, null)
        .map(entry -> new JsonObject()
            .put("object", "estimate")
            .put("estimated_cost", defaults.cost(req, entry).toJson(false))
            .put("currency", pricing.currency()))
        .onSuccess(json -> sendJson(ctx, 200, json.encode()))
        .onFailure(ctx::fail);
  }

  /**
   * POST /v1/images: a committed pending row (credits reserved) before the 201. With
   * `Prefer: wait=N` the 201 waits until the generation is terminal or N seconds passed since the
   * request arrived, and carries the object as PostgreSQL has it then.
   */
  public void create(RoutingContext ctx) {
    long arrived = System.nanoTime();
    Team team = Authentication.team(ctx);
    PageParams.refuseQuery(ctx);
    int waitSeconds = PreferWait.seconds(ctx.request().headers(), preferWaitMaxSeconds);
    String key = ctx.request().getHeader(IDEMPOTENCY_HEADER);
    if (key != null && ctx.request().headers().getAll(IDEMPOTENCY_HEADER).size() > 1) {
      // Two keys would replay under one and be refused under the other: which is meant is a guess.
      throw ApiException.invalid("invalid_idempotency_key", "Send one " + IDEMPOTENCY_HEADER + " header, not several.", IDEMPOTENCY_HEADER);
    }
    if (key != null && (key.isEmpty() || key.length() > 256)) {
      throw ApiException.invalid("invalid_idempotency_key", IDEMPOTENCY_HEADER + " must be 1-256 characters.", IDEMPOTENCY_HEADER);
    }
    ImageRequest req = parser.parse(JsonBodies.object(ctx));
    Future<Styled> spec = resolve(team, req, req.prompt()).map(entry -> new Styled(defaults.resolve(req, entry), entry));
    if (key == null) {
      spec.compose(this::enhance)
          .compose(s -> admitAndInsert(ctx, team, s, null, waitSeconds, arrived))
          .onSuccess(created -> answerCreated(ctx, team, created))
          .onFailure(ctx::fail);
      return;
    }
    String hash = CanonicalJson.hash(ctx.body().asString());
    spec.compose(s -> idempotency.claim(team.id(), key, hash).compose(claim -> {
          if (claim.owned()) {
            // Release the claim before answering, so a client retrying right after a 402/429 finds
            // the key free instead of a stale in-flight claim (409).
            return enhance(s).compose(enhanced -> admitAndInsert(ctx, team, enhanced, key, waitSeconds, arrived))
                .recover(err -> idempotency.release(team.id(), key).transform(x -> Future.<Created>failedFuture(err)))
                .map(created -> new Replay(201, created.body(), false, created));
          }
          if (!hash.equals(claim.requestHash()) || !"done".equals(claim.state())) {
            return Future.failedFuture(ApiException.conflict("idempotency_key_in_use",
                hash.equals(claim.requestHash())
                    ? "A request with this Idempotency-Key is still in flight; retry shortly."
                    : "This Idempotency-Key was used with a different request body."));
          }
          // A replay answers the stored response at once: it never waits (Preference-Applied absent).
          return Future.succeededFuture(new Replay(claim.statusCode(), claim.responseBody(), true, null));
        }))
        .onSuccess(replay -> {
          if (replay.replayed()) {
            ctx.response().putHeader(REPLAYED_HEADER, "true");
            sendJson(ctx, replay.status(), replay.body());
          } else {
            answerCreated(ctx, team, replay.created());
          }
        })
        .onFailure(ctx::fail);
  }

  /** A resolved spec and the catalog entry it came from (whose style template enhance_prompt uses). */
  private record Styled(GenerationSpec spec, CatalogEntry entry) {}

  /**
   * enhance_prompt: the configured enhancer rewrites the prompt with the style's template before
   * the row is inserted, so the row records the prompt actually used. Runs only for the request
   * that owns its Idempotency-Key claim (a replay never asks the LLM again); an enhancer never
   * fails and is bounded by enhance.timeout_ms (see enhance/ChatCompletionsEnhancer).
   */
  private Future<GenerationSpec> enhance(Styled s) {
    if (!s.spec().enhancePrompt()) {
      return Future.succeededFuture(s.spec());
    }
    return enhancer.enhance(s.spec().prompt(), s.entry().styleTemplate())
        .map(e -> s.spec().withEnhancedPrompt(e.prompt(), e.enhancer(), e.fallbackReason()));
  }

  /** The catalog's look-up, its refusals in the API's terms; a non-null prompt auto-picks a style without lora_id. */
  private Future<CatalogEntry> resolve(Team team, ImageRequest req, String promptToPickFrom) {
    return catalog.resolve(team.id(), req.loraId(), req.characterId(), req.referenceImageUrls(), promptToPickFrom)
        .recover(e -> Future.failedFuture(e instanceof CatalogException c ? catalogError(c) : e));
  }

  private static ApiException catalogError(CatalogException e) {
    return switch (e.reason()) {
      case LORA_MISSING -> ApiException.notFound("No LoRA '" + e.reference() + "' is available to your team.", "lora_id");
      case CHARACTER_MISSING -> ApiException.notFound("No character '" + e.reference() + "'.", "character_id");
      case CHARACTER_NOT_READY -> ApiException.invalid("character_not_ready",
          "Character " + e.reference() + " is " + e.status() + "; it must be ready.", "character_id");
      // As for characters: another team's file, an expired or a deleted one read exactly like a missing one.
      case FILE_MISSING -> ApiException.notFound("No file '" + e.reference() + "' (files expire; upload it again).",
          "reference_image_urls[" + e.status() + "]");
    };
  }

  private record Replay(int status, String body, boolean replayed, Created created) {}

  /** A committed create: its 201 body, and the wait for its terminal state when one was asked for. */
  private record Created(String id, String body, TerminalWaits.Wait terminal, int waitSeconds) {}

  /**
   * The 201: at once, or once the wait ends (terminal, deadline, or the client went away), with
   * the row re-read from PostgreSQL, since a wake-up is only a hint. Should that read fail, the
   * create's own body is the answer: the generation was committed either way.
   */
  private void answerCreated(RoutingContext ctx, Team team, Created created) {
    if (created.terminal() == null) {
      sendJson(ctx, 201, created.body());
      return;
    }
    created.terminal().future()
        .compose(v -> ctx.response().closed() ? Future.succeededFuture(null) : store.find(team.id(), created.id()))
        .onComplete(ar -> {
          if (ctx.response().closed() || ctx.response().ended()) {
            return;
          }
          if (ar.succeeded() && ar.result() != null) {
            ctx.response().putHeader(PreferWait.APPLIED, "wait=" + created.waitSeconds());
            sendJson(ctx, 201, view.toJson(ar.result()).encode());
          } else {
            sendJson(ctx, 201, created.body());
          }
        });
  }

  private Future<Created> admitAndInsert(RoutingContext ctx, Team team, GenerationSpec spec, String idempotencyKey,
      int waitSeconds, long arrivedNanos) {
    String id = Ids.newId("img");
    // Registered before the row commits, so even a completion faster than this answer is seen.
    TerminalWaits.Wait wait = waitSeconds <= 0 ? null : waits.await(ctx.vertx(), id,
        waitSeconds * 1000L - (System.nanoTime() - arrivedNanos) / 1_000_000);
    if (wait != null) {
      // A client that goes away, even before the row commits, ends its wait at once.
      ctx.response().closeHandler(v -> wait.release());
    }
    long concurrentLimit = rateLimits.concurrentLimit(Authentication.key(ctx).limits());
    long stamp = views.stamp();
    return store.pool().withTransaction(tx -> admission.admit(tx, team.id(), concurrentLimit)
            // Its own file references are held from before the row is stored, so a concurrent DELETE /v1/files/{id}
            // either sees the generation (409) or deletes first (404 here), never both succeed. (A character's
            // files are held by the character.)
            .compose(v -> catalog.holdFiles(tx, team.id(), spec.characterId() == null ? spec.referenceImageUrls() : List.of())
                .recover(e -> Future.failedFuture(e instanceof CatalogException c ? catalogError(c) : e)))
            .compose(v -> store.insert(tx, id, team.id(), spec, ApiVersions.of(ctx), RequestIds.of(ctx)))
            .compose(created -> {
              if (created.insufficientCredits()) {
                return Future.failedFuture(new ApiException(402, "invalid_request", "insufficient_credits",
                    "This generation costs " + spec.cost().amount() + " credits, more than your team's balance.", null));
              }
              String body = view.toJson(created.row()).encode();
              return idempotencyKey == null ? Future.succeededFuture(body)
                  : IdempotencyStore.complete(tx, team.id(), idempotencyKey, 201, body).map(body);
            }))
        .onSuccess(body -> {
          // A poller's first GET is then answered here too (a claim since the commit drops it).
          views.offer(id, GenerationStatus.PENDING, team.id(), body, stamp);
          dispatcher.generationsPending();
        })
        .onFailure(e -> {
          if (wait != null) {
            wait.release();
          }
        })
        .map(body -> new Created(id, body, wait, waitSeconds));
  }

  /** GET /v1/images/{id}: another team's generation is exactly as absent as a missing one. */
  public void get(RoutingContext ctx) {
    Team team = Authentication.team(ctx);
    PageParams.refuseQuery(ctx);
    String id = imageId(ctx);
    GenerationViewCache.Entry held = views.get(id);
    if (held != null) {
      if (held.teamId().equals(team.id())) {
        sendJson(ctx, 200, held.body());
      } else {
        ctx.fail(notFound(id));
      }
      return;
    }
    long stamp = views.stamp();
    store.find(team.id(), id)
        .onSuccess(row -> {
          if (row == null) {
            ctx.fail(notFound(id));
          } else {
            String body = view.toJson(row).encode();
            views.offer(id, row.getString("status"), team.id(), body, stamp);
            sendJson(ctx, 200, body);
          }
        })
        .onFailure(ctx::fail);
  }

  /** GET /v1/images?limit=&starting_after=: newest first, cursor pagination. */
  public void list(RoutingContext ctx) {
    Team team = Authentication.team(ctx);
    PageParams params = PageParams.of(ctx, "img", listDefaultLimit, listMaxLimit);
    String after = params.startingAfter();
    int pageSize = params.limit();
    store.list(team.id(), after, pageSize + 1)
        .onSuccess(rows -> {
          JsonArray data = new JsonArray();
          String last = null;
          int n = 0;
          for (Row row : rows) {
            if (n++ == pageSize) {
              break;
            }
            data.add(view.toJson(row));
            last = row.getString("id");
          }
          boolean hasMore = rows.size() > pageSize;
          sendJson(ctx, 200, new JsonObject()
              .put("object", "list")
              .put("data", data)
              .put("has_more", hasMore)
              .put("next_cursor", hasMore ? last : null)
              .encode());
        })
        .onFailure(ctx::fail);
  }

  /** POST /v1/images/{id}/cancel: 409 when already terminal; credits released in the same transaction. */
  public void cancel(RoutingContext ctx) {
    Team team = Authentication.team(ctx);
    PageParams.refuseQuery(ctx);
    String id = imageId(ctx);
    // Cancel takes no parameters: no body, or an empty JSON object. Anything else is refused before anything changes.
    if (ctx.body().buffer() != null && ctx.body().buffer().length() > 0) {
      JsonObject body = JsonBodies.object(ctx);
      if (!body.isEmpty()) {
        String field = body.fieldNames().iterator().next();
        throw ApiException.invalid("unknown_field", "Unknown field '" + field + "'; cancel takes no parameters.", field);
      }
    }
    store.cancel(team.id(), id)
        .onSuccess(result -> {
          if (result.row() == null) {
            ctx.fail(notFound(id));
          } else if (result.wasTerminal()) {
            ctx.fail(ApiException.conflict("generation_terminal",
                "Generation " + id + " is already " + result.row().getString("status") + " and cannot be cancelled."));
          } else {
            String body = view.toJson(result.row()).encode();
            // Dropped here at once, not when the cancel's own announcement comes round: this
            // client's next read must see the cancel.
            views.forget(id);
            views.offer(id, result.row().getString("status"), team.id(), body, views.stamp());
            dispatcher.generationCancelled(id);
            sendJson(ctx, 200, body);
          }
        })
        .onFailure(ctx::fail);
  }

  /** A malformed id cannot name a generation: 404, exactly like a well-formed unknown one. */
  static String imageId(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (!Ids.isId("img", id)) {
      throw notFound(id);
    }
    return id;
  }

  static ApiException notFound(String id) {
    return ApiException.notFound("No image generation '" + id + "'.", "id");
  }

  static void sendJson(RoutingContext ctx, int status, String body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
  }
}
