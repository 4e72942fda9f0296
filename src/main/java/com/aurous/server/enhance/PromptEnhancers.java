package com.aurous.server.enhance;

import io.vertx.core.Vertx;

/** The enhancer enhance.enhancer names: the built-in template one, or the LLM client falling back to it. */
public final class PromptEnhancers {
  private PromptEnhancers() {}

  public static PromptEnhancer create(Vertx vertx, EnhanceSettings settings) {
    TemplateEnhancer template = new TemplateEnhancer(settings.defaultTemplate());
    return EnhanceSettings.LLM.equals(settings.enhancer()) ? new ChatCompletionsEnhancer(vertx, settings, template) : template;
  }
}
