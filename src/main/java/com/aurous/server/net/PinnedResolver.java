package com.aurous.server.net;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Resolves a user-supplied host for one server-side request and picks the address to connect to.
 * Every resolved address must pass the {@link AddressPolicy}: a name that also resolves inward is
 * not safe to call. The caller connects to the returned address itself (keeping the name for the
 * Host header and TLS), so DNS cannot rebind between this check and the connection.
 */
public final class PinnedResolver {
  private final Vertx vertx;
  private final AddressPolicy policy;

  public PinnedResolver(Vertx vertx, AddressPolicy policy) {
    this.vertx = vertx;
    this.policy = policy;
  }

  /** Why a host was refused: it resolves to an address the policy forbids. */
  public static final class RefusedAddressException extends Exception {
    public RefusedAddressException(String host, String reason) {
      super(host + " resolves to " + reason, null, false, false);
    }
  }

  /**
   * The checked address for {@code host} (a name or an IP literal, bracketed IPv6 accepted).
   * Fails with {@link UnknownHostException} when it does not resolve, {@link RefusedAddressException}
   * when any of its addresses is disallowed. The JDK resolver blocks, so it runs on a worker thread.
   */
  public Future<InetAddress> pin(String host) {
    String lookup = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return vertx.executeBlocking(() -> InetAddress.getAllByName(lookup), false).compose(addresses -> {
      for (InetAddress a : addresses) {
        String reason = policy.rejectReason(a);
        if (reason != null) {
          return Future.failedFuture(new RefusedAddressException(host, reason));
        }
      }
      return Future.succeededFuture(addresses[0]);
    });
  }
}
