package com.aurous.server.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local stand-in for an OpenAI-compatible chat-completions server on 127.0.0.1 (a free port):
 * answers as {@link #mode} says, and records what it was sent and how many requests it held at once.
 */
public final class FakeChatServer implements AutoCloseable {
  public enum Mode { OK, SLOW, MALFORMED, NOT_JSON, ERROR_500, HANG_UP }

  public final Vertx vertx = Vertx.vertx();
  public final HttpServer server;
  public volatile Mode mode = Mode.OK;
  public volatile long slowMs = 3000;
  public final List<JsonObject> bodies = new CopyOnWriteArrayList<>();
  public final List<String> authorizations = new CopyOnWriteArrayList<>();
  public final AtomicInteger open = new AtomicInteger();
  public final AtomicInteger maxOpen = new AtomicInteger();

  public FakeChatServer() {
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(buf -> {
      int now = open.incrementAndGet();
      maxOpen.accumulateAndGet(now, Math::max);
      JsonObject body = buf.toJsonObject();
      bodies.add(body);
      authorizations.add(String.valueOf(req.getHeader("Authorization")));
      String user = body.getJsonArray("messages").getJsonObject(1).getString("content");
      JsonObject ok = new JsonObject().put("id", "chatcmpl-1").put("object", "chat.completion")
          .put("choices", new JsonArray().add(new JsonObject().put("index", 0)
              .put("message", new JsonObject().put("role", "assistant").put("content", "  \"" + user + ", rewritten by the LLM\"\n"))
              .put("finish_reason", "stop")));
      Runnable done = open::decrementAndGet;
      switch (mode) {
        case OK -> { done.run(); req.response().putHeader("Content-Type", "application/json").end(ok.encode()); }
        case SLOW -> vertx.setTimer(slowMs, t -> {
          done.run();
          req.response().putHeader("Content-Type", "application/json").end(ok.encode()).onFailure(e -> { });
        });
        case MALFORMED -> { done.run(); req.response().putHeader("Content-Type", "application/json").end("{\"choices\":[]}"); }
        case NOT_JSON -> { done.run(); req.response().end("<html>bad gateway</html>"); }
        case ERROR_500 -> { done.run(); req.response().setStatusCode(500).end("{\"error\":\"overloaded\"}"); }
        case HANG_UP -> { done.run(); req.connection().close(); }
      }
    })).listen(0, "127.0.0.1").await();
  }

  public String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/v1/chat/completions";
  }

  public void reset(Mode m) {
    mode = m;
    bodies.clear();
    authorizations.clear();
    maxOpen.set(0);
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
