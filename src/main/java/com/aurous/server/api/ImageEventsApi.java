package com.aurous.server.api;

import com.aurous.server.auth.Team;
import com.aurous.server.generation.GenerationEventRelay;
import com.aurous.server.generation.GenerationStore;
import com.aurous.server.generation.GenerationView;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;

/**
 * GET /v1/images/{id}/events: the generation's progress as Server-Sent Events (see
 * {@link ImageEventStream} for the stream itself). Built once per node and shared by its HTTP
 * verticles, so the stream limit counts the node's streams.
 */
public final class ImageEventsApi implements HttpVerticle.RouteMount {
  public static final String LAST_EVENT_ID = "Last-Event-ID";
  private static final Pattern EVENT_ID = Pattern.compile("^\\d{1,9}$");

  private final GenerationStore store;
  private final GenerationView view;
  private final GenerationEventRelay relay;
  private final long heartbeatMs;
  private final long maxDurationMs;
  private final int maxStreams;
  private final int retryAfterSeconds;
  private final Semaphore slots;

  public ImageEventsApi(GenerationStore store, GenerationView view, GenerationEventRelay relay, int heartbeatSeconds,
      int maxDurationSeconds, int maxStreams, int retryAfterSeconds) {
    this.store = store;
    this.view = view;
    this.relay = relay;
    this.heartbeatMs = heartbeatSeconds * 1000L;
    this.maxDurationMs = maxDurationSeconds * 1000L;
    this.maxStreams = maxStreams;
    this.retryAfterSeconds = retryAfterSeconds;
    this.slots = new Semaphore(maxStreams);
  }

  @Override
  public void mount(io.vertx.ext.web.Router router) {
    router.get("/v1/images/:id/events").handler(this::stream);
  }

  void stream(RoutingContext ctx) {
    Team team = Authentication.team(ctx);
    PageParams.refuseQuery(ctx);
    String id = ImagesApi.imageId(ctx);
    long lastEventId = lastEventId(ctx);
    if (ctx.request().version() == HttpVersion.HTTP_1_0) {
      // Vert.x writes a response of unknown length only chunked, which HTTP/1.0 lacks.
      throw ApiException.invalid("http_version_not_supported",
          "Event streams need HTTP/1.1 (chunked transfer coding); this request is HTTP/1.0.", null);
    }
    if (!slots.tryAcquire()) {
      throw new TooManyStreams(maxStreams, retryAfterSeconds);
    }
    new ImageEventStream(ctx, team.id(), id, lastEventId, store, view, relay, heartbeatMs, maxDurationMs, slots::release)
        .start();
  }

  /** -1 when absent: the client has nothing yet. */
  private static long lastEventId(RoutingContext ctx) {
    String raw = ctx.request().getHeader(LAST_EVENT_ID);
    if (raw == null || raw.isBlank()) {
      return -1;
    }
    // Two positions: which one the client has is a guess, and a wrong one skips or repeats events.
    if (!EVENT_ID.matcher(raw.trim()).matches() || ctx.request().headers().getAll(LAST_EVENT_ID).size() > 1) {
      throw ApiException.invalid("invalid_last_event_id",
          LAST_EVENT_ID + " must be the id of an event this stream sent (a non-negative integer).", LAST_EVENT_ID);
    }
    return Long.parseLong(raw.trim());
  }

  /** 503: this node holds its maximum of open streams; another node (or a later retry) has room. */
  static final class TooManyStreams extends ApiException implements RetryLater {
    private final int retryAfterSeconds;

    TooManyStreams(int maxStreams, int retryAfterSeconds) {
      super(503, "api_error", "too_many_streams", "This node already serves its maximum of " + maxStreams
          + " event streams; retry after " + retryAfterSeconds + " seconds.", null);
      this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    public int retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }
}
