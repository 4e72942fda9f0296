package com.aurous.server.enhance;

/**
 * An enhancer's result: the prompt the model gets, who wrote it ({@link #LLM} or
 * {@link #TEMPLATE}), and, when the LLM was asked but its answer not used, why.
 */
public record EnhancedPrompt(String prompt, String enhancer, String fallbackReason) {
  public static final String LLM = "llm";
  public static final String TEMPLATE = "template";

  /** The LLM took longer than enhance.timeout_ms. */
  public static final String TIMEOUT = "timeout";
  /** The breaker is open after enhance.breaker_max_failures failures in a row: the LLM was not asked. */
  public static final String CIRCUIT_OPEN = "circuit_open";
  /** Connection refused or reset, or a non-2xx answer. */
  public static final String UNAVAILABLE = "unavailable";
  /** A 2xx answer without a usable choices[0].message.content. */
  public static final String MALFORMED_REPLY = "malformed_reply";
  /** enhance.max_in_flight requests to the LLM were already outstanding: the LLM was not asked. */
  public static final String BUSY = "busy";
}
