package com.aurous.server.api;

import com.aurous.server.testing.ApiClient;
import com.aurous.server.testing.FakeChatServer;
import com.aurous.server.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * enhance_prompt through real HTTP on a node whose enhancer is the OpenAI-compatible client,
 * pointed at a fake chat-completions server on 127.0.0.1: the generation records the prompt the
 * LLM wrote (or the template's, and why), keeps the client's prompt in original_prompt, and is
 * priced with the enhance multiplier either way.
 */
class EnhancePromptTest {
  static FakeChatServer fake;
  static TestNode node;
  static ApiClient api;

  @BeforeAll
  static void start() {
    fake = new FakeChatServer();
    node = TestNode.start(new JsonObject().put("enhance", new JsonObject()
        .put("enhancer", "llm").put("llm_url", fake.url()).put("llm_model", "tiny-llm").put("llm_api_key", "")
        .put("timeout_ms", 400).put("breaker_max_failures", 1000)));
    api = node.client(node.newTeam(1000).key());
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    fake.close();
  }

  private static JsonObject enhanced(String prompt) {
    return new JsonObject().put("prompt", prompt).put("lora_id", "pastel").put("enhance_prompt", true);
  }

  @Test
  void theLlmsRewriteIsThePromptUsedAndTheOriginalStaysVisible() {
    fake.reset(FakeChatServer.Mode.OK);
    ApiClient.Response r = api.post("/v1/images", enhanced("a lighthouse"));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    JsonObject g = r.json();
    assertThat(g.getString("prompt")).isEqualTo("a lighthouse, rewritten by the LLM");
    assertThat(g.getString("original_prompt")).isEqualTo("a lighthouse");
    assertThat(g.getString("prompt_enhancer")).isEqualTo("llm");
    assertThat(g.getValue("prompt_enhance_fallback")).isNull();
    assertThat(g.getJsonObject("cost").getJsonObject("breakdown").getLong("enhance")).isEqualTo(1);
    assertThat(fake.bodies.get(0).getJsonArray("messages").getJsonObject(0).getString("content"))
        .contains("{prompt}, soft pastel colours");
    assertThat(fake.authorizations.get(0)).isEqualTo("null"); // no key configured: no Authorization header
    JsonObject stored = api.get("/v1/images/" + g.getString("id")).json();
    assertThat(stored.getString("prompt")).isEqualTo("a lighthouse, rewritten by the LLM");
    assertThat(stored.getString("original_prompt")).isEqualTo("a lighthouse");
  }

  @Test
  void aSlowLlmFallsBackToTheTemplateAndTheGenerationSaysWhy() {
    fake.reset(FakeChatServer.Mode.SLOW);
    fake.slowMs = 3000;
    JsonObject g = api.post("/v1/images", enhanced("a lighthouse")).json();
    assertThat(g.getString("prompt")).isEqualTo("a lighthouse, soft pastel colours, gentle light, airy");
    assertThat(g.getString("prompt_enhancer")).isEqualTo("template");
    assertThat(g.getString("prompt_enhance_fallback")).isEqualTo("timeout");
    assertThat(g.getJsonObject("cost").getLong("amount")).isEqualTo(2); // enhanced either way
  }

  @Test
  void aMalformedReplyOrAHangUpFallsBackToo() {
    fake.reset(FakeChatServer.Mode.MALFORMED);
    assertThat(api.post("/v1/images", enhanced("a fox")).json().getString("prompt_enhance_fallback")).isEqualTo("malformed_reply");
    fake.reset(FakeChatServer.Mode.HANG_UP);
    JsonObject g = api.post("/v1/images", enhanced("a fox")).json();
    assertThat(g.getString("prompt_enhance_fallback")).isEqualTo("unavailable");
    assertThat(g.getString("prompt")).isEqualTo("a fox, soft pastel colours, gentle light, airy");
  }

  @Test
  void withoutEnhancePromptTheLlmIsNeverAskedAndAnIdempotentReplayAsksItOnce() {
    fake.reset(FakeChatServer.Mode.OK);
    api.post("/v1/images", new JsonObject().put("prompt", "a fox").put("lora_id", "pastel"));
    api.post("/v1/images/estimate", enhanced("a fox"));
    assertThat(fake.bodies).isEmpty();
    ApiClient.Response first = api.post("/v1/images", enhanced("a fox"), "Idempotency-Key", "enh-1");
    ApiClient.Response again = api.post("/v1/images", enhanced("a fox"), "Idempotency-Key", "enh-1");
    assertThat(again.header("Aurous-Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.json().getString("prompt")).isEqualTo(first.json().getString("prompt"));
    assertThat(fake.bodies).hasSize(1);
  }
}
