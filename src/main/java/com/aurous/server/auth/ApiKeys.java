package com.aurous.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** API key format and hashing. Only the SHA-256 of a key is ever stored. */
public final class ApiKeys {
  public static final String LIVE_PREFIX = "al_live_";
  public static final String LEGACY_PREFIX = "og_";
  private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  private static final int RANDOM_CHARS = 40;
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Hashed on every request: one digest per thread instead of a provider look-up each time. */
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });

  private ApiKeys() {}

  public static String generate() {
    StringBuilder sb = new StringBuilder(LIVE_PREFIX);
    for (int i = 0; i < RANDOM_CHARS; i++) {
      sb.append(BASE62.charAt(RANDOM.nextInt(BASE62.length())));
    }
    return sb.toString();
  }

  /** A key worth a database look-up: the live format, or any legacy og_ key. */
  public static boolean looksValid(String key) {
    if (key == null || key.length() > 256) {
      return false;
    }
    if (key.startsWith(LEGACY_PREFIX)) {
      return key.length() > LEGACY_PREFIX.length();
    }
    if (!key.startsWith(LIVE_PREFIX) || key.length() < LIVE_PREFIX.length() + 32) {
      return false;
    }
    for (int i = LIVE_PREFIX.length(); i < key.length(); i++) {
      if (BASE62.indexOf(key.charAt(i)) < 0) {
        return false;
      }
    }
    return true;
  }

  public static String hash(String key) {
    return HexFormat.of().formatHex(SHA256.get().digest(key.getBytes(StandardCharsets.UTF_8)));
  }

  /** What operators see of a key: enough to tell keys apart, too little to use. */
  public static String displayPrefix(String key) {
    return key.substring(0, Math.min(key.length(), key.startsWith(LIVE_PREFIX) ? LIVE_PREFIX.length() + 6 : 8));
  }
}
