package com.aurous.server.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.ModelManifest;
import com.aurous.server.model.scenes.HeldOutScenes;
import com.aurous.server.model.tiny.AurousTinyExporter;
import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** model eval judges the pictures the server would return: same prompt and seed, same pixels. */
class GuidedSamplerTest {

  @TempDir
  Path tmp;

  @Test
  void theEvaluationSamplerDrawsWhatTheServerReturnsForTheSamePromptAndSeed() throws Exception {
    HeldOutScenes.Case c = HeldOutScenes.cases(1, 4321).get(0);
    int steps = 2;
    BufferedImage served;
    try (TestNode node = TestNode.startWithEngine(new JsonObject())) {
      ApiClient api = node.client(node.newTeam(10_000).key());
      ApiClient.Response created = api.post("/v1/images", new JsonObject().put("prompt", c.caption())
          .put("seed", c.seed()).put("steps", steps).put("width", 1024).put("height", 1024));
      assertThat(created.status()).as(created.body()).isEqualTo(201);
      String id = created.json().getString("id");
      JsonObject done = Polling.until(() -> api.get("/v1/images/" + id).json(),
          g -> !"pending".equals(g.getString("status")) && !"processing".equals(g.getString("status")),
          Duration.ofSeconds(90), id + " to finish");
      assertThat(done.getString("status")).isEqualTo("succeeded");
      ApiClient.Response png = new ApiClient("", null).get(done.getJsonArray("output_urls").getString(0));
      served = ImageIO.read(new ByteArrayInputStream(png.bytes()));
    }

    Path dir = tmp.resolve("aurous-tiny");
    AurousTinyExporter.export(dir);
    try (DiffusionModel model = DiffusionModel.load(dir, "CPU:0", 2)) {
      ModelManifest m = model.manifest();
      byte[] drawn = new GuidedSampler(model, "ddim", steps).generate(List.of(c.caption()),
          new long[] {c.seed()}, 1024, 1024, m.defaults().guidanceScale(), m.defaults().cfgRescale()).get(0);
      int max = 0;
      for (int y = 0; y < 1024; y++) {
        for (int x = 0; x < 1024; x++) {
          int p = served.getRGB(x, y);
          int i = (y * 1024 + x) * 3;
          max = Math.max(max, Math.abs(((p >> 16) & 0xFF) - (drawn[i] & 0xFF)));
          max = Math.max(max, Math.abs(((p >> 8) & 0xFF) - (drawn[i + 1] & 0xFF)));
          max = Math.max(max, Math.abs((p & 0xFF) - (drawn[i + 2] & 0xFF)));
        }
      }
      // Batch invariance allows one level of rounding difference, as the engine's own test does.
      assertThat(max).isLessThanOrEqualTo(1);
    }
  }
}
