package com.aurous.server.api;

import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The registry of API contract versions (api.supported_versions in conf). A future contract
 * change is one new entry there plus the code that branches on it; every generation records
 * the version it was minted under.
 */
public final class ApiVersions {
  public static final String HEADER = "Aurous-Version";
  private static final Pattern FORMAT = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}$");
  private static final String KEY = "aurous.version";

  private final List<String> supported;
  private final String systemDefault;

  public ApiVersions(List<String> supported, String systemDefault) {
    this.supported = List.copyOf(supported);
    this.systemDefault = systemDefault;
  }

  public List<String> supported() {
    return supported;
  }

  /** Runs after authentication: the default is the team's pin, else the system default. */
  public void handle(RoutingContext ctx) {
    String requested = ctx.request().getHeader(HEADER);
    String version;
    if (requested != null) {
      if (ctx.request().headers().getAll(HEADER).size() > 1) {
        throw ApiException.invalid("invalid_version", "Send one " + HEADER + " header, not several.", HEADER);
      }
      if (!FORMAT.matcher(requested).matches()) {
        throw ApiException.invalid("invalid_version", HEADER + " must look like YYYY-MM-DD.", HEADER);
      }
      if (!supported.contains(requested)) {
        throw ApiException.invalid("unsupported_version",
            "API version " + requested + " is not supported; supported versions: " + String.join(", ", supported) + ".", HEADER);
      }
      version = requested;
    } else {
      String pinned = Authentication.team(ctx).pinnedVersion();
      version = pinned != null && supported.contains(pinned) ? pinned : systemDefault;
    }
    ctx.put(KEY, version);
    ctx.response().putHeader(HEADER, version);
    ctx.next();
  }

  public static String of(RoutingContext ctx) {
    return ctx.get(KEY);
  }
}
