package com.aurous.server.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Locale;

/**
 * Which addresses the server may fetch from or deliver to. Server-side requests to
 * user-supplied URLs must never reach private networks, the loopback interface, link-local
 * addresses or cloud metadata services (SSRF). The same rules serve reference-image URLs at
 * validation and webhook targets at delivery, where the resolved address is checked and pinned.
 */
public final class AddressPolicy {
  private final boolean allowLoopback;

  public AddressPolicy(boolean allowLoopback) {
    this.allowLoopback = allowLoopback;
  }

  public boolean allowLoopback() {
    return allowLoopback;
  }

  /** Null when the address is acceptable, otherwise why not. */
  public String rejectReason(InetAddress a) {
    if (a.isLoopbackAddress()) {
      return allowLoopback ? null : "a loopback address";
    }
    if (a.isAnyLocalAddress()) {
      return "an unspecified address";
    }
    if (a.isLinkLocalAddress()) {
      return "a link-local address (this includes cloud metadata services)";
    }
    if (a.isSiteLocalAddress()) {
      return "a private address";
    }
    if (a.isMulticastAddress()) {
      return "a multicast address";
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      int b0 = b[0] & 0xff;
      int b1 = b[1] & 0xff;
      if (b0 == 0) {
        return "an unspecified address";
      }
      if (b0 == 100 && b1 >= 64 && b1 <= 127) {
        return "a carrier-grade NAT (private) address";
      }
      if (b0 == 192 && b1 == 0 && (b[2] & 0xff) == 0) {
        return "an IETF-reserved address";
      }
      if (b0 == 198 && (b1 & 0xfe) == 18) {
        return "a benchmarking (private) address";
      }
      if (b0 >= 240) {
        return "a reserved address";
      }
    } else if (a instanceof Inet6Address) {
      int b0 = b[0] & 0xff;
      if ((b0 & 0xfe) == 0xfc) {
        return "a private (unique local) address";
      }
      if (b0 == 0xfd && (b[1] & 0xff) == 0x00 && (b[2] & 0xff) == 0xec && (b[3] & 0xff) == 0x02) {
        return "a cloud metadata address";
      }
      String transition = transitionForm(b);
      if (transition != null) {
        return transition;
      }
      if (isMappedV4(b)) {
        try {
          byte[] v4 = {b[12], b[13], b[14], b[15]};
          return rejectReason(InetAddress.getByAddress(v4));
        } catch (java.net.UnknownHostException e) {
          return "an unreadable address";
        }
      }
    }
    return null;
  }

  /**
   * IPv6 forms that carry an IPv4 address a gateway or the host's stack may translate and reach
   * (::a.b.c.d, ::ffff:0:a.b.c.d, NAT64, 6to4, Teredo), and the discard-only prefix. Refused
   * whole rather than by the embedded address: a webhook or image host has no need of them, and
   * each translator decodes its own form.
   */
  private static String transitionForm(byte[] b) {
    int w0 = word(b, 0);
    int w1 = word(b, 1);
    int w2 = word(b, 2);
    boolean w3to5zero = word(b, 3) == 0 && word(b, 4) == 0 && word(b, 5) == 0;
    if (w0 == 0 && w1 == 0 && w2 == 0 && w3to5zero) {
      return "an IPv4-compatible IPv6 address (it embeds an IPv4 address)";
    }
    if (w0 == 0 && w1 == 0 && w2 == 0 && word(b, 3) == 0 && word(b, 4) == 0xffff && word(b, 5) == 0) {
      return "an IPv4-translated IPv6 address (it embeds an IPv4 address)";
    }
    if (w0 == 0x0064 && w1 == 0xff9b && (w2 == 0x0001 || (w2 == 0 && w3to5zero))) {
      return "a NAT64 address (it embeds an IPv4 address)";
    }
    if (w0 == 0x2002) {
      return "a 6to4 address (it embeds an IPv4 address)";
    }
    if (w0 == 0x2001 && w1 == 0) {
      return "a Teredo address (it embeds an IPv4 address)";
    }
    if (w0 == 0x0100 && w1 == 0 && w2 == 0 && word(b, 3) == 0) {
      return "a discard-only address";
    }
    return null;
  }

  private static int word(byte[] b, int i) {
    return ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
  }

  private static boolean isMappedV4(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
  }

  /** Host names that always mean an internal service, whatever DNS says. */
  public String rejectHostName(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    if (h.equals("localhost") || h.endsWith(".localhost")) {
      return allowLoopback ? null : "a loopback host";
    }
    if (h.equals("metadata") || h.equals("metadata.google.internal") || h.endsWith(".internal")
        || h.endsWith(".local") || h.equals("instance-data")) {
      return "an internal or metadata host";
    }
    return null;
  }
}
