package com.aurous.server.net;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Syntax and address checks for URLs users hand us (reference images, webhooks), done without
 * DNS so validation never blocks an event loop: IP literals are checked here, host names again
 * after resolution at fetch or delivery time, where the connection is pinned to the checked address.
 */
public final class UrlChecker {
  public static final int MAX_LENGTH = 2048;
  private static final Pattern DOTTED_QUAD = Pattern.compile("^(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})$");
  /**
   * Real top-level domains are alphabetic; a numeric or hex last label is an address in a form
   * resolvers expand (2130706433, 0x7f.1, 127.1) and would slip past the literal checks.
   */
  private static final Pattern NUMERIC_TLD = Pattern.compile("(^|\\.)(0x[0-9a-f]*|[0-9]+)\\.?$");
  private static final Pattern HOST_LABELS = Pattern.compile("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\\.?$");

  private final AddressPolicy policy;
  private final boolean allowHttp;

  public UrlChecker(AddressPolicy policy, boolean allowHttp) {
    this.policy = policy;
    this.allowHttp = allowHttp;
  }

  public AddressPolicy policy() {
    return policy;
  }

  /** Null when acceptable, otherwise a sentence saying why not. */
  public String problem(String url) {
    if (url.length() > MAX_LENGTH) {
      return "must be at most " + MAX_LENGTH + " characters";
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return "is not a valid URL";
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(allowHttp && scheme.equals("http"))) {
      return allowHttp ? "must be an http or https URL" : "must be an https URL";
    }
    if (uri.getRawUserInfo() != null) {
      return "must not carry credentials";
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      return "must name a host";
    }
    // URI accepts any digits as a port; 0 and anything past 65535 name no port a connection can use.
    int port = uri.getPort();
    if (port == 0 || port > 65535) {
      return "has an invalid port (1-65535)";
    }
    host = host.toLowerCase(Locale.ROOT);
    String reason;
    if (host.startsWith("[") && host.endsWith("]")) {
      reason = literalReason(host.substring(1, host.length() - 1));
    } else if (DOTTED_QUAD.matcher(host).matches()) {
      reason = literalReason(host);
    } else if (NUMERIC_TLD.matcher(host).find()) {
      return "must use a host name or a dotted IPv4 address";
    } else if (!HOST_LABELS.matcher(host).matches()) {
      return "has an invalid host name";
    } else {
      reason = policy.rejectHostName(host);
    }
    return reason == null ? null : "points at " + reason;
  }

  private String literalReason(String literal) {
    try {
      // A literal: getByName parses it without any DNS query.
      return policy.rejectReason(InetAddress.getByName(literal));
    } catch (java.net.UnknownHostException e) {
      return "an invalid address";
    }
  }
}
