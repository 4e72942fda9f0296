package com.aurous.server.engine;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.Polling;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Styled generations run to the end on the engine: the worker claims rows carrying adapters (a
 * bundle's two, an auto-picked LoRA's one) and an enhanced prompt, and finishes them with the
 * values recorded at create.
 */
class StyledGenerationTest {
  static TestNode node;
  static ApiClient api;

  @BeforeAll
  static void start() {
    node = TestNode.startWithEngine(new JsonObject().put("max_batch_size", 4));
    api = node.client(node.newTeam(1000).key());
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  private static JsonObject runToEnd(JsonObject body) {
    ApiClient.Response r = api.post("/v1/images", body);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    String id = r.json().getString("id");
    return Polling.until(() -> api.get("/v1/images/" + id).json(),
        g -> g.getString("status").equals("succeeded") || g.getString("status").equals("failed"),
        Duration.ofSeconds(120), id + " to finish");
  }

  @Test
  void aBundleAndAnAutoPickedEnhancedStyleBothSucceedWithTheirRecordedValues() {
    JsonObject bundle = runToEnd(new JsonObject().put("prompt", "a fox in a field").put("lora_id", "neon-pastel").put("steps", 3));
    assertThat(bundle.getString("status")).as(bundle.encode()).isEqualTo("succeeded");
    assertThat(bundle.getString("bundle_name")).isEqualTo("Neon Pastel");
    assertThat(bundle.getJsonArray("output_urls")).hasSize(1);
    JsonObject auto = runToEnd(new JsonObject().put("prompt", "a noir street").put("enhance_prompt", true).put("steps", 3));
    assertThat(auto.getString("status")).as(auto.encode()).isEqualTo("succeeded");
    assertThat(auto.getString("lora_selection")).isEqualTo("auto");
    assertThat(auto.getString("prompt")).isEqualTo("a noir street, black and white, monochrome, high contrast");
    assertThat(auto.getDouble("guidance_scale")).isEqualTo(4.5);
  }
}
