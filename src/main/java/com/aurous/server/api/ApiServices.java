package com.aurous.server.api;

import java.util.List;

/** Everything the HTTP verticles share; built once per node, handed to each instance. */
public record ApiServices(
    String host,
    int port,
    int maxBodyBytes,
    /** The largest file POST /v1/files accepts (its multipart body may be a little larger). */
    int maxUploadBytes,
    /** A connection that sends and receives nothing this long is closed (a half-sent request holds no slot forever). */
    int idleTimeoutSeconds,
    int unavailableRetryAfterSeconds,
    Authentication authentication,
    /** Counts every authenticated /v1 request against its team's (or key's) window quota. */
    RateLimiting rateLimiting,
    ApiVersions versions,
    ImagesApi images,
    OpenApiDocument openApi,
    List<HttpVerticle.RouteMount> outputRoutes,
    /** Operator routes outside /v1 and without an API key: /metrics, /health/live, /health/ready. */
    List<HttpVerticle.RouteMount> operatorRoutes,
    List<HttpVerticle.RouteMount> extraV1Routes) {}
