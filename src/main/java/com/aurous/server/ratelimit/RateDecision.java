package com.aurous.server.ratelimit;

/**
 * The answer for one request against a window quota, with what the IETF RateLimit fields
 * (draft-ietf-httpapi-ratelimit-headers-09) say about it: the policy ("team";q=100;w=60) and the
 * service limit ("team";r=42;t=17, remaining quota and seconds until the window resets).
 */
public record RateDecision(boolean admitted, String policy, long quota, int windowSeconds, long remaining, int resetSeconds) {
  public static final String POLICY_HEADER = "RateLimit-Policy";
  public static final String LIMIT_HEADER = "RateLimit";

  public String policyHeader() {
    return "\"" + policy + "\";q=" + quota + ";w=" + windowSeconds;
  }

  public String limitHeader() {
    return "\"" + policy + "\";r=" + remaining + ";t=" + resetSeconds;
  }
}
