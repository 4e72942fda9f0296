package com.aurous.server.webhook;

import com.aurous.server.model.ModelManifest;
import com.aurous.server.model.tiny.AurousTinyExporter;
import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A generation the engine fails (a model broken at run time, as in BrokenModelTest) sends image.failed. */
class WebhookFailedGenerationTest {
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("broken-model");
    AurousTinyExporter.export(dir);
    Path manifest = dir.resolve(ModelManifest.FILE_NAME);
    JsonObject m = new JsonObject(Files.readString(manifest));
    m.put("latent_downscale", 16);
    Files.writeString(manifest, m.encodePrettily());
    node = TestNode.startWithEngine(new JsonObject().put("model_dir", dir.toString()),
        new JsonObject().put("api", new JsonObject().put("allow_insecure_urls", true)));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  @Test
  void aFailedGenerationIsDeliveredAsImageFailedWithItsGetObject() {
    TestNode.TeamKey team = node.newTeam(1000);
    ApiClient api = node.client(team.key());
    try (Receiver receiver = Receiver.always(200)) {
      String id = api.post("/v1/images", new JsonObject().put("prompt", "doomed").put("steps", 2)
          .put("webhook_url", receiver.url("/failed"))).json().getString("id");
      Polling.until(() -> receiver.hits.size(), n -> n >= 1, Duration.ofSeconds(60), "the image.failed webhook");
      Receiver.Hit hit = receiver.hits.get(0);
      JsonObject get = api.get("/v1/images/" + id).json();
      assertThat(get.getString("status")).isEqualTo("failed");
      assertThat(hit.json().getString("event")).isEqualTo("image.failed");
      assertThat(hit.json().getJsonObject("data")).isEqualTo(get);
      assertThat(hit.json().getJsonObject("data").getString("error_message")).contains("model error");
      assertThat(Receiver.verifies(WebhookSecrets.ensure(node.node().pool(), team.team().id()).await(), hit)).isTrue();
      JsonObject d = Polling.until(() -> api.get("/v1/images/" + id + "/webhook_deliveries").json().getJsonArray("data").getJsonObject(0),
          x -> "succeeded".equals(x.getString("status")), Duration.ofSeconds(10), "the delivery record");
      assertThat(d.getString("event")).isEqualTo("image.failed");
      assertThat(d.getJsonArray("attempts")).hasSize(1);
    }
  }
}
