package com.aurous.server.enhance;

import com.aurous.server.testing.FakeChatServer;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAI-compatible client against a fake chat-completions server on 127.0.0.1: its answer is
 * used when good, and the template's (with the reason) when the server is slow, down, broken or
 * the breaker is open; at most max_in_flight requests are outstanding under a burst.
 */
class ChatCompletionsEnhancerTest {
  static final String TEMPLATE = "{prompt}, soft pastel colours";
  static FakeChatServer fake;
  static Vertx vertx;
  ChatCompletionsEnhancer enhancer;

  @BeforeAll
  static void start() {
    fake = new FakeChatServer();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    fake.close();
    vertx.close().await();
  }

  @AfterEach
  void closeEnhancer() {
    if (enhancer != null) {
      enhancer.close().await();
    }
  }

  private ChatCompletionsEnhancer enhancer(String url, int timeoutMs, int maxInFlight, int breakerFailures, int resetMs) {
    EnhanceSettings s = new EnhanceSettings("llm", url, "qwen2.5:0.5b", "sk-test", timeoutMs, maxInFlight, 200,
        breakerFailures, resetMs, "{prompt}, highly detailed");
    enhancer = new ChatCompletionsEnhancer(vertx, s, new TemplateEnhancer(s.defaultTemplate()));
    return enhancer;
  }

  @Test
  void aGoodReplyIsTheNewPromptAndTheRequestCarriesModelTemplateAndKey() {
    fake.reset(FakeChatServer.Mode.OK);
    EnhancedPrompt e = enhancer(fake.url(), 2000, 4, 3, 60_000).enhance("a lighthouse", TEMPLATE).await();
    assertThat(e.prompt()).isEqualTo("a lighthouse, rewritten by the LLM"); // trimmed, quotes dropped
    assertThat(e.enhancer()).isEqualTo(EnhancedPrompt.LLM);
    assertThat(e.fallbackReason()).isNull();
    var body = fake.bodies.get(0);
    assertThat(body.getString("model")).isEqualTo("qwen2.5:0.5b");
    assertThat(body.getBoolean("stream")).isFalse();
    assertThat(body.getJsonArray("messages").getJsonObject(0).getString("role")).isEqualTo("system");
    assertThat(body.getJsonArray("messages").getJsonObject(0).getString("content")).contains(TEMPLATE);
    assertThat(body.getJsonArray("messages").getJsonObject(1).getString("content")).isEqualTo("a lighthouse");
    assertThat(fake.authorizations.get(0)).isEqualTo("Bearer sk-test");
  }

  @Test
  void aSlowServerTimesOutAndTheTemplateAnswers() {
    fake.reset(FakeChatServer.Mode.SLOW);
    fake.slowMs = 2000;
    EnhancedPrompt e = enhancer(fake.url(), 200, 4, 10, 60_000).enhance("a lighthouse", TEMPLATE).await();
    assertThat(e.prompt()).isEqualTo("a lighthouse, soft pastel colours");
    assertThat(e.enhancer()).isEqualTo(EnhancedPrompt.TEMPLATE);
    assertThat(e.fallbackReason()).isEqualTo(EnhancedPrompt.TIMEOUT);
  }

  @Test
  void malformedRepliesAndErrorStatusesFallBackWithTheirReason() {
    ChatCompletionsEnhancer en = enhancer(fake.url(), 2000, 4, 100, 60_000);
    fake.reset(FakeChatServer.Mode.MALFORMED);
    assertThat(en.enhance("a", null).await().fallbackReason()).isEqualTo(EnhancedPrompt.MALFORMED_REPLY);
    fake.reset(FakeChatServer.Mode.NOT_JSON);
    EnhancedPrompt notJson = en.enhance("a", null).await();
    assertThat(notJson.fallbackReason()).isEqualTo(EnhancedPrompt.MALFORMED_REPLY);
    assertThat(notJson.prompt()).isEqualTo("a, highly detailed"); // no style: the default template
    fake.reset(FakeChatServer.Mode.ERROR_500);
    assertThat(en.enhance("a", null).await().fallbackReason()).isEqualTo(EnhancedPrompt.UNAVAILABLE);
    fake.reset(FakeChatServer.Mode.HANG_UP);
    assertThat(en.enhance("a", null).await().fallbackReason()).isEqualTo(EnhancedPrompt.UNAVAILABLE);
  }

  @Test
  void aDownServerOpensTheBreakerWhichThenAnswersWithoutAsking() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    ChatCompletionsEnhancer en = enhancer("http://127.0.0.1:" + closedPort + "/v1/chat/completions", 1000, 4, 3, 60_000);
    for (int i = 0; i < 3; i++) {
      assertThat(en.enhance("a", TEMPLATE).await().fallbackReason()).isEqualTo(EnhancedPrompt.UNAVAILABLE);
    }
    assertThat(en.breakerState()).isEqualTo(CircuitBreakerState.OPEN);
    EnhancedPrompt open = en.enhance("a", TEMPLATE).await();
    assertThat(open.fallbackReason()).isEqualTo(EnhancedPrompt.CIRCUIT_OPEN);
    assertThat(open.prompt()).isEqualTo("a, soft pastel colours");
    assertThat(en.inFlight()).isZero();
  }

  @Test
  void afterTheResetTimeOneTrialClosesTheBreakerAgain() {
    fake.reset(FakeChatServer.Mode.ERROR_500);
    ChatCompletionsEnhancer en = enhancer(fake.url(), 1000, 4, 2, 300);
    en.enhance("a", null).await();
    en.enhance("a", null).await();
    assertThat(en.breakerState()).isEqualTo(CircuitBreakerState.OPEN);
    int asked = fake.bodies.size();
    assertThat(en.enhance("a", null).await().fallbackReason()).isEqualTo(EnhancedPrompt.CIRCUIT_OPEN);
    assertThat(fake.bodies).hasSize(asked); // open: the server was not asked
    fake.reset(FakeChatServer.Mode.OK);
    com.aurous.server.testing.Polling.until(en::breakerState, st -> st == CircuitBreakerState.HALF_OPEN,
        java.time.Duration.ofSeconds(10), "breaker half-open");
    assertThat(en.enhance("a", null).await().enhancer()).isEqualTo(EnhancedPrompt.LLM);
    assertThat(en.breakerState()).isEqualTo(CircuitBreakerState.CLOSED);
  }

  @Test
  void aBurstNeverHasMoreThanMaxInFlightRequestsOutAndTheRestAnswerBusy() {
    // A slow request an earlier test timed out on may still be held by the fake server: let it end
    // first, or it is counted as one of this burst's.
    com.aurous.server.testing.Polling.until(fake.open::get, n -> n == 0, java.time.Duration.ofSeconds(10),
        "earlier requests done at the fake server");
    fake.reset(FakeChatServer.Mode.SLOW);
    fake.slowMs = 500;
    ChatCompletionsEnhancer en = enhancer(fake.url(), 5000, 3, 100, 60_000);
    List<Future<EnhancedPrompt>> all = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      all.add(en.enhance("p" + i, null));
    }
    Future.all(all).await();
    long llm = all.stream().filter(f -> f.result().enhancer().equals(EnhancedPrompt.LLM)).count();
    long busy = all.stream().filter(f -> EnhancedPrompt.BUSY.equals(f.result().fallbackReason())).count();
    assertThat(llm).isEqualTo(3);
    assertThat(busy).isEqualTo(17);
    assertThat(fake.maxOpen.get()).isLessThanOrEqualTo(3);
    assertThat(en.inFlight()).isZero();
  }
}
