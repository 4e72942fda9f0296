package com.aurous.server.enhance;

import io.vertx.core.Future;

/**
 * Rewrites a prompt for enhance_prompt with a style's template. Never fails: an enhancer that
 * cannot do its work answers with its fallback's rewrite and says why in the result.
 */
public interface PromptEnhancer {
  /** {@code styleTemplate} ("{prompt}, soft pastel colours") may be null: the configured default applies. */
  Future<EnhancedPrompt> enhance(String prompt, String styleTemplate);
}
