package com.aurous.server.enhance;

import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * enhance_prompt through an OpenAI-compatible {@code POST .../v1/chat/completions} (vLLM, Ollama,
 * llama.cpp's server, OpenAI itself): the system message carries the style template, the user
 * message the prompt, and the first choice's message content is the new prompt.
 *
 * <p>The fallback rule: whenever the LLM's rewrite cannot be had within enhance.timeout_ms, the
 * {@link TemplateEnhancer}'s rewrite is used instead and the result names the reason
 * ({@link EnhancedPrompt#TIMEOUT}, {@link EnhancedPrompt#UNAVAILABLE},
 * {@link EnhancedPrompt#MALFORMED_REPLY}, {@link EnhancedPrompt#CIRCUIT_OPEN},
 * {@link EnhancedPrompt#BUSY}). The create never fails and never waits longer than the timeout
 * because of the LLM. Failures (timeouts, errors, malformed replies) count against one circuit
 * breaker per node: after enhance.breaker_max_failures in a row the LLM is not asked for
 * enhance.breaker_reset_ms, then one trial call decides. At most enhance.max_in_flight requests
 * are outstanding at once (counted until the HTTP exchange itself ends, not just until the
 * timeout answered); beyond that the template answers at once.
 */
public final class ChatCompletionsEnhancer implements PromptEnhancer {
  /** The prompt the API accepts, in code points: a longer rewrite is malformed. */
  static final int MAX_PROMPT_CODE_POINTS = 4000;

  private final WebClient client;
  private final CircuitBreaker breaker;
  private final EnhanceSettings settings;
  private final TemplateEnhancer fallback;
  private final AtomicInteger inFlight = new AtomicInteger();

  public ChatCompletionsEnhancer(Vertx vertx, EnhanceSettings settings, TemplateEnhancer fallback) {
    this.settings = settings;
    this.fallback = fallback;
    this.client = WebClient.create(vertx, new WebClientOptions()
            .setConnectTimeout(settings.timeoutMs())
            .setIdleTimeout(settings.timeoutMs())
            .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
            .setFollowRedirects(false)
            .setUserAgent("aurous-server/prompt-enhancer"),
        new PoolOptions().setHttp1MaxSize(settings.maxInFlight()).setMaxWaitQueueSize(settings.maxInFlight()));
    this.breaker = CircuitBreaker.create("prompt-enhancer", vertx, new CircuitBreakerOptions()
        .setMaxFailures(settings.breakerMaxFailures())
        // The breaker's timer is the bound on the whole exchange (connect, wait, reading the reply).
        .setTimeout(settings.timeoutMs())
        .setResetTimeout(settings.breakerResetMs())
        .setFallbackOnFailure(false)
        .setNotificationAddress(null));
  }

  /** The breaker, for the README's behaviour and tests that check its state. */
  public io.vertx.circuitbreaker.CircuitBreakerState breakerState() {
    return breaker.state();
  }

  /** Requests to the LLM outstanding now. */
  public int inFlight() {
    return inFlight.get();
  }

  @Override
  public Future<EnhancedPrompt> enhance(String prompt, String styleTemplate) {
    if (inFlight.incrementAndGet() > settings.maxInFlight()) {
      inFlight.decrementAndGet();
      return Future.succeededFuture(fallback.fallback(prompt, styleTemplate, EnhancedPrompt.BUSY));
    }
    // The slot is held until the HTTP exchange itself ends (a timed-out request may still be open).
    AtomicBoolean held = new AtomicBoolean(true);
    long started = System.nanoTime();
    Runnable release = () -> {
      if (held.compareAndSet(true, false)) {
        inFlight.decrementAndGet();
      }
    };
    return breaker.<String>execute(() -> {
          Future<String> call;
          try {
            call = ask(prompt, fallback.template(styleTemplate));
          } catch (RuntimeException e) {
            call = Future.failedFuture(e);
          }
          call.onComplete(ar -> release.run());
          return call;
        })
        .map(text -> new EnhancedPrompt(text, EnhancedPrompt.LLM, null))
        .recover(e -> {
          if (e instanceof OpenCircuitException) {
            release.run();
          }
          // The client's idle timeout and the breaker's timer both end a stalled exchange at
          // timeout_ms, and the idle one surfaces as a closed connection: whichever fires first, an
          // answer that did not come within timeout_ms is a timeout, not an unavailable server.
          String why = reason(e);
          if (EnhancedPrompt.UNAVAILABLE.equals(why)
              && System.nanoTime() - started >= settings.timeoutMs() * 1_000_000L) {
            why = EnhancedPrompt.TIMEOUT;
          }
          return Future.succeededFuture(fallback.fallback(prompt, styleTemplate, why));
        });
  }

  private Future<String> ask(String prompt, String template) {
    JsonObject body = new JsonObject()
        .put("model", settings.llmModel())
        .put("stream", false)
        .put("max_tokens", settings.maxTokens())
        .put("messages", new JsonArray()
            .add(new JsonObject().put("role", "system").put("content", systemMessage(template)))
            .add(new JsonObject().put("role", "user").put("content", prompt)));
    var request = client.postAbs(settings.llmUrl()).putHeader("Content-Type", "application/json");
    if (!settings.llmApiKey().isEmpty()) {
      request.putHeader("Authorization", "Bearer " + settings.llmApiKey());
    }
    return request.sendBuffer(Buffer.buffer(body.encode())).compose(ChatCompletionsEnhancer::content);
  }

  /** The instruction: rewrite in the style the template describes, keep the subject, answer with the prompt only. */
  static String systemMessage(String template) {
    return "You rewrite prompts for an image generation model. Keep the user's subject and every detail they asked for;"
        + " add the visual style described by this template, where {prompt} stands for the user's prompt: " + template
        + "\nAnswer with the rewritten prompt only: one paragraph, no quotes, no explanations, under "
        + MAX_PROMPT_CODE_POINTS + " characters.";
  }

  /** choices[0].message.content, trimmed; anything else (including a non-2xx status) fails. */
  static Future<String> content(HttpResponse<Buffer> res) {
    if (res.statusCode() / 100 != 2) {
      return Future.failedFuture(new Unavailable("HTTP " + res.statusCode()));
    }
    try {
      JsonObject json = res.bodyAsJsonObject();
      Object content = json.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getValue("content");
      if (content instanceof String s) {
        String text = s.strip();
        if (text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")) {
          text = text.substring(1, text.length() - 1).strip();
        }
        if (!text.isEmpty() && text.indexOf('\0') < 0 && text.codePointCount(0, text.length()) <= MAX_PROMPT_CODE_POINTS) {
          return Future.succeededFuture(text);
        }
      }
    } catch (DecodeException | ClassCastException | NullPointerException | IndexOutOfBoundsException e) {
      // fall through: malformed
    }
    return Future.failedFuture(new Malformed());
  }

  static String reason(Throwable e) {
    if (e instanceof OpenCircuitException) {
      return EnhancedPrompt.CIRCUIT_OPEN;
    }
    if (e instanceof Malformed) {
      return EnhancedPrompt.MALFORMED_REPLY;
    }
    if (e instanceof io.vertx.circuitbreaker.TimeoutException || e instanceof java.util.concurrent.TimeoutException
        || e.getClass().getSimpleName().contains("Timeout")) {
      return EnhancedPrompt.TIMEOUT;
    }
    return EnhancedPrompt.UNAVAILABLE;
  }

  static final class Malformed extends RuntimeException {
    Malformed() {
      super("malformed chat-completions reply", null, false, false);
    }
  }

  static final class Unavailable extends RuntimeException {
    Unavailable(String why) {
      super(why, null, false, false);
    }
  }

  public Future<Void> close() {
    client.close();
    breaker.close();
    return Future.succeededFuture();
  }
}
