package com.aurous.server.net;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

/**
 * GETs a user-supplied URL the way webhooks are delivered: each hop's URL is checked
 * ({@link UrlChecker}), its host resolved and every address checked ({@link PinnedResolver}),
 * and the connection made to that checked address while Host and TLS keep the name. Redirects
 * are followed by hand, each new location checked the same way, up to a limit; the body is
 * read up to a size limit and the whole fetch, redirects included, ends at a deadline.
 */
public final class PinnedFetcher {
  /** Why a URL could not be fetched, in words fit for the user. */
  public static final class FetchException extends RuntimeException {
    public FetchException(String message) {
      super(message, null, false, false);
    }
  }

  private final Vertx vertx;
  private final UrlChecker checker;
  private final PinnedResolver resolver;
  private final HttpClientAgent http;
  private final int maxBytes;
  private final int timeoutMs;
  private final int maxRedirects;

  public PinnedFetcher(Vertx vertx, UrlChecker checker, int maxBytes, int timeoutMs, int maxRedirects) {
    this.vertx = vertx;
    this.checker = checker;
    this.resolver = new PinnedResolver(vertx, checker.policy());
    this.maxBytes = maxBytes;
    this.timeoutMs = timeoutMs;
    this.maxRedirects = maxRedirects;
    this.http = vertx.createHttpClient(new HttpClientOptions()
        .setForceSni(true)
        .setVerifyHost(true)
        .setConnectTimeout(timeoutMs)
        .setMaxRedirects(0)
        .setKeepAlive(false));
  }

  /** The body of {@code url} (at most maxBytes); fails with {@link FetchException}. */
  public Future<Buffer> fetch(String url) {
    Promise<Buffer> done = Promise.promise();
    AtomicReference<HttpClientRequest> current = new AtomicReference<>();
    long timer = vertx.setTimer(timeoutMs, t -> {
      if (done.tryFail(new FetchException("it did not answer within " + timeoutMs + " ms"))) {
        HttpClientRequest r = current.get();
        if (r != null) {
          r.reset();
        }
      }
    });
    hop(url, 0, current, done);
    return done.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  private void hop(String url, int redirects, AtomicReference<HttpClientRequest> current, Promise<Buffer> done) {
    String problem = checker.problem(url);
    if (problem != null) {
      done.tryFail(new FetchException(redirects == 0 ? "the URL " + problem : "it redirected to a URL that " + problem));
      return;
    }
    URI uri = URI.create(url);
    boolean https = uri.getScheme().toLowerCase(Locale.ROOT).equals("https");
    int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
    String host = uri.getHost();
    String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    resolver.pin(host)
        .recover(e -> Future.failedFuture(new FetchException(e instanceof UnknownHostException
            ? "its host " + host + " does not resolve"
            : e instanceof PinnedResolver.RefusedAddressException ? e.getMessage() + ", which is not allowed"
            : "its host " + host + " could not be resolved")))
        .compose(pinned -> request(pinned, host, port, path, https, current))
        .onFailure(e -> done.tryFail(e instanceof FetchException ? e : new FetchException("the connection failed ("
            + e.getClass().getSimpleName() + ")")))
        .onSuccess(res -> {
          int status = res.statusCode();
          if (status >= 300 && status < 400 && res.getHeader("Location") != null) {
            res.handler(b -> { });
            if (redirects >= maxRedirects) {
              done.tryFail(new FetchException("it redirected more than " + maxRedirects + " times"));
              return;
            }
            String next;
            try {
              next = uri.resolve(res.getHeader("Location")).toString();
            } catch (IllegalArgumentException e) {
              done.tryFail(new FetchException("it redirected to an invalid location"));
              return;
            }
            hop(next, redirects + 1, current, done);
            return;
          }
          if (status < 200 || status >= 300) {
            res.handler(b -> { });
            done.tryFail(new FetchException("it answered HTTP " + status));
            return;
          }
          readBody(res, current.get(), done);
        });
  }

  private Future<HttpClientResponse> request(InetAddress pinned, String host, int port, String path, boolean https,
      AtomicReference<HttpClientRequest> current) {
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setServer(SocketAddress.inetSocketAddress(port, pinned.getHostAddress()))
        .setHost(host)
        .setPort(port)
        .setURI(path)
        .setSsl(https)
        .setFollowRedirects(false)
        .setConnectTimeout(timeoutMs)
        .putHeader("User-Agent", "Aurous-References/1")
        .putHeader("Accept", "image/png, image/jpeg, image/webp");
    return http.request(options).compose(req -> {
      current.set(req);
      return req.send();
    });
  }

  private void readBody(HttpClientResponse res, HttpClientRequest req, Promise<Buffer> done) {
    String declared = res.getHeader("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > maxBytes) {
          req.reset();
          done.tryFail(new FetchException("it is larger than " + maxBytes + " bytes"));
          return;
        }
      } catch (NumberFormatException ignored) {
        // Read and counted below.
      }
    }
    Buffer body = Buffer.buffer();
    res.handler(chunk -> {
      if (done.future().isComplete()) {
        return;
      }
      if (body.length() + chunk.length() > maxBytes) {
        req.reset();
        done.tryFail(new FetchException("it is larger than " + maxBytes + " bytes"));
        return;
      }
      body.appendBuffer(chunk);
    });
    res.exceptionHandler(e -> done.tryFail(new FetchException("its answer broke off")));
    res.endHandler(v -> done.tryComplete(body));
  }

  public Future<Void> close() {
    return http.close();
  }
}
