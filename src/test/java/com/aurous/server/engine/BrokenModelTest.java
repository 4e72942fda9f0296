package com.aurous.server.engine;

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

/**
 * A model that loads but breaks at run time (its manifest claims a latent downscale its graph does
 * not have, so decode returns the wrong size): generations fail cleanly with a message, their
 * credits come back, and the worker lives on to take the next one.
 */
class BrokenModelTest {
  static TestNode node;
  static TestNode.TeamKey team;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("broken-model");
    AurousTinyExporter.export(dir);
    Path manifest = dir.resolve(ModelManifest.FILE_NAME);
    JsonObject m = new JsonObject(Files.readString(manifest));
    m.put("latent_downscale", 16);
    Files.writeString(manifest, m.encodePrettily());
    node = TestNode.startWithEngine(new JsonObject().put("model_dir", dir.toString()));
    team = node.newTeam(1000);
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  @Test
  void modelErrorsFailGenerationsCleanlyAndTheWorkerLivesOn() {
    ApiClient api = node.client(team.key());
    for (int i = 0; i < 2; i++) {
      String id = api.post("/v1/images", new JsonObject().put("prompt", "doomed " + i).put("steps", 2)).json().getString("id");
      JsonObject g = Polling.until(() -> api.get("/v1/images/" + id).json(), x -> "failed".equals(x.getString("status")),
          Duration.ofSeconds(60), id + " to fail");
      assertThat(g.getString("error_message")).contains("model error");
      assertThat(g.getValue("output_urls")).isNull();
      assertThat(g.getString("completed_at")).isNotNull();
    }
    assertThat(node.teams().balance(team.team().id()).await()).isEqualTo(1000L);
    assertThat(node.teams().ledgerSum(team.team().id()).await()).isEqualTo(1000L);
  }
}
