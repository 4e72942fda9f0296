package com.aurous.server.output;

import com.aurous.server.api.ApiException;
import com.aurous.server.api.ErrorResponses;
import com.aurous.server.api.HttpVerticle;
import com.aurous.server.generation.OutputLinks;
import com.aurous.server.util.Ids;
import io.vertx.core.Future;
import com.aurous.server.storage.OutageLog;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Generated images: signed output links, the route that serves them
 * ({@code GET /v1/images/{id}/output/{n}?token=...}, no API key: the token is the credential),
 * and the reaper that deletes bytes past their TTL. Owns the server_secrets row of the signing key;
 * the bytes themselves are {@link OutputStore}'s.
 */
public final class OutputService implements OutputLinks {
  private static final Logger LOG = LoggerFactory.getLogger(OutputService.class);
  private final OutputStore store;
  private final OutputSigner signer;
  private final String publicBaseUrl;
  private final int ttlHours;

  private OutputService(Pool pool, OutputSigner signer, String publicBaseUrl, int ttlHours) {
    this.store = new OutputStore(pool);
    this.signer = signer;
    this.publicBaseUrl = publicBaseUrl.endsWith("/") ? publicBaseUrl.substring(0, publicBaseUrl.length() - 1) : publicBaseUrl;
    this.ttlHours = ttlHours;
  }

  /**
   * The signing key: outputs.signing_secret when set, else one shared secret minted in the
   * database by the first node (INSERT .. ON CONFLICT keeps the first one).
   */
  public static Future<OutputService> create(Pool pool, String configuredSecret, String publicBaseUrl, int ttlHours) {
    Future<byte[]> secret;
    if (!configuredSecret.isEmpty()) {
      secret = Future.succeededFuture(configuredSecret.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } else {
      byte[] fresh = new byte[32];
      new SecureRandom().nextBytes(fresh);
      secret = pool.preparedQuery("INSERT INTO server_secrets (name, value) VALUES ('output_signing', $1) ON CONFLICT (name) DO NOTHING")
          .execute(Tuple.of(Buffer.buffer(fresh)))
          .compose(r -> pool.query("SELECT value FROM server_secrets WHERE name = 'output_signing'").execute())
          .map(rows -> rows.iterator().next().getBuffer(0).getBytes());
    }
    return secret.map(s -> new OutputService(pool, new OutputSigner(s), publicBaseUrl, ttlHours));
  }

  public int ttlHours() {
    return ttlHours;
  }

  @Override
  public List<String> urls(String generationId, int imageCount, OffsetDateTime completedAt) {
    long expires = (completedAt == null ? OffsetDateTime.now() : completedAt).toEpochSecond() + ttlHours * 3600L;
    List<String> out = new ArrayList<>();
    for (int i = 0; i < imageCount; i++) {
      out.add(publicBaseUrl + "/v1/images/" + generationId + "/output/" + i + "?token=" + signer.token(generationId, i, expires));
    }
    return out;
  }

  public HttpVerticle.RouteMount routes() {
    return router -> router.get("/v1/images/:id/output/:n").handler(this::serve);
  }

  private void serve(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    int index;
    try {
      index = Integer.parseInt(ctx.pathParam("n"));
    } catch (NumberFormatException e) {
      index = -1;
    }
    if (!Ids.isId("img", id) || index < 0 || index > 3) {
      ErrorResponses.send(ctx, ApiException.notFound("No such output.", null));
      return;
    }
    OutputSigner.Verdict verdict = signer.verify(id, index, ctx.request().getParam("token"), System.currentTimeMillis() / 1000);
    if (verdict == OutputSigner.Verdict.INVALID) {
      ErrorResponses.send(ctx, new ApiException(403, "permission_error", "invalid_token",
          "The output link's token is missing, malformed or does not match this output.", "token"));
      return;
    }
    if (verdict == OutputSigner.Verdict.EXPIRED) {
      ErrorResponses.send(ctx, gone());
      return;
    }
    int idx = index;
    store.png(id, idx)
        .onSuccess(png -> {
          if (png == null) {
            // A valid signature means it existed: its bytes were reaped.
            ErrorResponses.send(ctx, gone());
            return;
          }
          ctx.response().putHeader("Content-Type", "image/png")
              .putHeader("Cache-Control", "private, max-age=3600")
              .end(png);
        })
        .onFailure(ctx::fail);
  }

  private static ApiException gone() {
    return new ApiException(410, "invalid_request", "output_expired",
        "This output has expired; outputs are kept for a limited time after generation.", null);
  }

  /** Deletes expired images; run periodically by every node (deleting twice is harmless). */
  public Future<Integer> reap() {
    return store.deleteExpired()
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("Reaped {} expired output(s)", n);
          }
        });
  }

  public void startReaper(Vertx vertx, long intervalSeconds) {
    OutageLog outage = new OutageLog(LOG, "Output reaper");
    vertx.setPeriodic(intervalSeconds * 1000, t -> reap().onComplete(outage::record));
  }
}
