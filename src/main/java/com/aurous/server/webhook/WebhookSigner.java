package com.aurous.server.webhook;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

/**
 * Standard Webhooks signing: {@code v1,<base64 HMAC-SHA256 over "id.timestamp.body">}, keyed with
 * the base64-decoded part of the {@code whsec_} secret.
 */
public final class WebhookSigner {
  private WebhookSigner() {}

  public static String sign(String secret, String webhookId, long timestampSeconds, String body) {
    String b64 = secret.startsWith(WebhookSecrets.PREFIX) ? secret.substring(WebhookSecrets.PREFIX.length()) : secret;
    byte[] key = Base64.getDecoder().decode(b64);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] sig = mac.doFinal((webhookId + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
      return "v1," + Base64.getEncoder().encodeToString(sig);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
