package com.aurous.server.webhook;

/** Event bus addresses of webhook delivery; on a clustered event bus they reach every node. */
public final class WebhookAddresses {
  /** Published when deliveries may be due: every node's delivery verticle tries to claim. */
  public static final String PENDING = "aurous.webhooks.pending";

  private WebhookAddresses() {}
}
