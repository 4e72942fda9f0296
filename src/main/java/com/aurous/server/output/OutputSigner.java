package com.aurous.server.output;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * Signed, expiring output links: token = {@code <expiry epoch seconds>.<base64url HMAC-SHA256 of
 * "id/n/expiry">}. Anyone holding the link can fetch the image until it expires, without an API
 * key; altering any part of it breaks the signature. Every node shares the secret (from config or
 * from the database), so any node can serve any link.
 */
public final class OutputSigner {
  private final byte[] secret;

  public OutputSigner(byte[] secret) {
    this.secret = secret.clone();
  }

  public String token(String generationId, int index, long expiresEpochSeconds) {
    return expiresEpochSeconds + "." + mac(generationId, index, expiresEpochSeconds);
  }

  /** The verdict on a presented token. */
  public enum Verdict { VALID, INVALID, EXPIRED }

  public Verdict verify(String generationId, int index, String token, long nowEpochSeconds) {
    if (token == null) {
      return Verdict.INVALID;
    }
    int dot = token.indexOf('.');
    if (dot <= 0) {
      return Verdict.INVALID;
    }
    long expires;
    try {
      expires = Long.parseLong(token.substring(0, dot));
    } catch (NumberFormatException e) {
      return Verdict.INVALID;
    }
    byte[] expected = mac(generationId, index, expires).getBytes(StandardCharsets.US_ASCII);
    byte[] given = token.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, given)) {
      return Verdict.INVALID;
    }
    return nowEpochSeconds >= expires ? Verdict.EXPIRED : Verdict.VALID;
  }

  private String mac(String generationId, int index, long expires) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] sig = mac.doFinal((generationId + "/" + index + "/" + expires).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
