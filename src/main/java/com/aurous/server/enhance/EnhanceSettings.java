package com.aurous.server.enhance;

import com.aurous.server.config.ServerConfig;

/** The {@code enhance} section of conf/aurous.json, already validated by ServerConfig. */
public record EnhanceSettings(
    String enhancer,
    String llmUrl,
    String llmModel,
    String llmApiKey,
    int timeoutMs,
    int maxInFlight,
    int maxTokens,
    int breakerMaxFailures,
    int breakerResetMs,
    String defaultTemplate) {

  public static final String TEMPLATE = "template";
  public static final String LLM = "llm";

  public static EnhanceSettings from(ServerConfig c) {
    return new EnhanceSettings(c.string("enhance.enhancer"), c.string("enhance.llm_url"), c.string("enhance.llm_model"),
        c.string("enhance.llm_api_key"), c.integer("enhance.timeout_ms"), c.integer("enhance.max_in_flight"),
        c.integer("enhance.max_tokens"), c.integer("enhance.breaker_max_failures"), c.integer("enhance.breaker_reset_ms"),
        c.string("enhance.default_template"));
  }
}
