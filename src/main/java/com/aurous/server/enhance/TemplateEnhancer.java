package com.aurous.server.enhance;

import io.vertx.core.Future;

/**
 * The built-in enhancer and every fallback's last word: the style template with {prompt} replaced
 * by the prompt (the configured default template when the style has none, or there is no style).
 * Instant and deterministic.
 */
public final class TemplateEnhancer implements PromptEnhancer {
  private final String defaultTemplate;

  public TemplateEnhancer(String defaultTemplate) {
    this.defaultTemplate = defaultTemplate;
  }

  @Override
  public Future<EnhancedPrompt> enhance(String prompt, String styleTemplate) {
    return Future.succeededFuture(new EnhancedPrompt(apply(prompt, styleTemplate), EnhancedPrompt.TEMPLATE, null));
  }

  public String apply(String prompt, String styleTemplate) {
    return template(styleTemplate).replace("{prompt}", prompt.strip());
  }

  public String template(String styleTemplate) {
    return styleTemplate == null ? defaultTemplate : styleTemplate;
  }

  EnhancedPrompt fallback(String prompt, String styleTemplate, String reason) {
    return new EnhancedPrompt(apply(prompt, styleTemplate), EnhancedPrompt.TEMPLATE, reason);
  }
}
