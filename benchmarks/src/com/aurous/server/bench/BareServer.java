package com.aurous.server.bench;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

import java.time.Instant;

/**
 * The reference the API is measured against: plain Vert.x 5 (vertx-web, one route each, the
 * same number of event-loop instances as a node) doing the least the API's two cheap routes
 * must do. POST /v1/images/estimate parses the JSON body, reads its fields and answers a small
 * object; GET /v1/images/:id answers an object shaped like a generation. No authentication, no
 * database, no validation: what is left between the two is the server's own cost.
 *
 * <p>Run: {@code java -cp ... com.aurous.server.bench.BareServer [port] [instances]}.
 */
public final class BareServer {
  private final Vertx vertx;
  private final int port;

  private BareServer(Vertx vertx, int port) {
    this.vertx = vertx;
    this.port = port;
  }

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8090;
    int instances = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    BareServer s = start(port, instances);
    System.out.println("bare Vert.x reference on http://127.0.0.1:" + s.port());
  }

  /** Blocking: from a main or test thread. Port 0 picks a free port. */
  public static BareServer start(int port, int instances) {
    Vertx vertx = Vertx.vertx();
    int[] bound = {port};
    if (port == 0) {
      try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
        bound[0] = socket.getLocalPort();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
    vertx.deployVerticle(() -> new Routes(bound[0]), new io.vertx.core.DeploymentOptions().setInstances(instances)).await();
    return new BareServer(vertx, bound[0]);
  }

  public int port() {
    return port;
  }

  public void close() {
    vertx.close().await();
  }

  private static final class Routes extends VerticleBase {
    private final int port;
    private HttpServer server;

    Routes(int port) {
      this.port = port;
    }

    @Override
    public Future<?> start() {
      Router router = Router.router(vertx);
      router.post("/v1/images/estimate").handler(BodyHandler.create(false).setBodyLimit(65536));
      router.post("/v1/images/estimate").handler(ctx -> {
        JsonObject body = ctx.body().asJsonObject();
        int count = body.getInteger("count", 1);
        String prompt = body.getString("prompt");
        JsonObject answer = new JsonObject()
            .put("object", "estimate")
            .put("estimated_cost", new JsonObject().put("amount", count * (prompt == null ? 0 : 1))
                .put("breakdown", new JsonObject().put("base", count)))
            .put("currency", "credit");
        ctx.response().putHeader("Content-Type", "application/json").end(answer.encode());
      });
      router.get("/v1/images/:id").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
          .end(generation(ctx.pathParam("id")).encode()));
      return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
          .requestHandler(router).listen().onSuccess(s -> server = s);
    }

    @Override
    public Future<?> stop() {
      return server.close();
    }
  }

  /** The fields of the API's image object, filled as for a pending generation. */
  static JsonObject generation(String id) {
    return new JsonObject()
        .put("id", id).put("object", "image").put("status", "pending").put("prompt", "a red fox in snow")
        .put("created_at", Instant.now().getEpochSecond()).put("media_type", "image").put("negative_prompt", null)
        .put("output_urls", new JsonArray()).put("output_video_url", null).put("reference_image_urls", null)
        .put("error_message", null).put("duration_ms", null)
        .put("cost", new JsonObject().put("amount", 1).put("breakdown", new JsonObject().put("base", 1)))
        .put("width", 1024).put("height", 1024).put("image_count", 1).put("size_preset", null)
        .put("inference_type", "t2i").put("seed", 1234567L).put("steps", 11).put("guidance_scale", 4.3)
        .put("cfg_rescale", 0.7).put("denoise_strength", null).put("enhance_prompt", false).put("webhook_url", null)
        .put("video_duration", null).put("video_resolution", null).put("video_ratio", null)
        .put("video_camera_fixed", null).put("character_id", null).put("bundle_name", null).put("loras", null)
        .put("aurous_version", "2026-05-15").put("creation_request_id", "req_01HXMQ7Z3K8Y2ABCDEFGHJKMNP")
        .put("completed_at", null);
  }
}
