package com.aurous.server;

import com.aurous.server.api.AdmissionControl;
import com.aurous.server.api.ApiServices;
import com.aurous.server.api.ApiVersions;
import com.aurous.server.api.Authentication;
import com.aurous.server.api.HttpVerticle;
import com.aurous.server.api.ImageRequestParser;
import com.aurous.server.api.ImageEventsApi;
import com.aurous.server.api.ImagesApi;
import com.aurous.server.api.LorasApi;
import com.aurous.server.api.OpenApiDocument;
import com.aurous.server.api.RateLimiting;
import com.aurous.server.auth.KeyCache;
import com.aurous.server.auth.KeyNotifications;
import com.aurous.server.auth.TeamStore;
import com.aurous.server.catalog.CatalogResolver;
import com.aurous.server.characters.CharacterSettings;
import com.aurous.server.characters.CharacterStore;
import com.aurous.server.characters.CharacterSynthesisVerticle;
import com.aurous.server.characters.CharactersApi;
import com.aurous.server.characters.DepartedNodeCharacters;
import com.aurous.server.files.FileReferenceSource;
import com.aurous.server.files.FileSettings;
import com.aurous.server.files.FileStore;
import com.aurous.server.files.FilesApi;
import com.aurous.server.files.ImageInspector;
import com.aurous.server.net.PinnedFetcher;
import com.aurous.server.catalog.LoraStore;
import com.aurous.server.cluster.ClusteredVertx;
import com.aurous.server.cluster.LeaseRescuer;
import com.aurous.server.config.ConfigLoader;
import com.aurous.server.config.ServerConfig;
import com.aurous.server.enhance.EnhanceSettings;
import com.aurous.server.enhance.PromptEnhancer;
import com.aurous.server.enhance.PromptEnhancers;
import com.aurous.server.generation.GenerationDefaults;
import com.aurous.server.generation.GenerationEventRelay;
import com.aurous.server.generation.GenerationStore;
import com.aurous.server.generation.GenerationView;
import com.aurous.server.generation.IdempotencyStore;
import com.aurous.server.generation.GenerationDispatcher;
import com.aurous.server.generation.OutputLinks;
import com.aurous.server.generation.GenerationAddresses;
import com.aurous.server.generation.GenerationViewCache;
import com.aurous.server.generation.TerminalWaits;
import com.aurous.server.net.AddressPolicy;
import com.aurous.server.net.UrlChecker;
import com.aurous.server.pricing.PricingTable;
import com.aurous.server.ratelimit.RateLimitSettings;
import com.aurous.server.ratelimit.RequestRateLimiter;
import com.aurous.server.storage.DatabaseProvisioner;
import com.aurous.server.storage.Migrations;
import com.aurous.server.engine.DeviceWorkerVerticle;
import com.aurous.server.engine.EngineAddresses;
import com.aurous.server.engine.EngineMetrics;
import com.aurous.server.engine.EngineSettings;
import com.aurous.server.engine.EventBusDispatcher;
import com.aurous.server.engine.ModelProvisioner;
import com.aurous.server.engine.ReferenceSource;
import com.aurous.server.engine.WorkStore;
import com.aurous.server.output.PngWriter;
import com.aurous.server.observability.HealthRoutes;
import com.aurous.server.observability.NodeMetrics;
import com.aurous.server.observability.PendingGauge;
import com.aurous.server.output.OutputService;
import com.aurous.server.util.Ids;
import com.aurous.server.webhook.WebhookDeliveriesApi;
import com.aurous.server.webhook.WebhookDeliveryVerticle;
import com.aurous.server.webhook.WebhookOutbox;
import com.aurous.server.webhook.WebhookSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One running node: configuration, PostgreSQL (migrated), the HTTP verticles and the engine
 * workers its roles call for. Main and the integration tests start nodes the same way.
 */
public final class AurousNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AurousNode.class);

  private final Vertx vertx;
  private final ServerConfig config;
  private final DatabaseProvisioner database;
  private final Pool pool;
  private final int port;
  private final String devApiKey;
  private final List<EngineMetrics> engineMetrics;
  private final GenerationEventRelay generationEvents;
  private final List<HttpVerticle> http;
  private final KeyNotifications keyNotifications;

  private AurousNode(Vertx vertx, ServerConfig config, DatabaseProvisioner database, Pool pool, int port, String devApiKey,
      List<EngineMetrics> engineMetrics, ApiDeployment api) {
    this.engineMetrics = engineMetrics;
    this.generationEvents = api.events();
    this.http = api.http();
    this.keyNotifications = api.keyNotifications();
    this.vertx = vertx;
    this.config = config;
    this.database = database;
    this.pool = pool;
    this.port = port;
    this.devApiKey = devApiKey;
  }

  /** Blocking: call from a main or test thread, never from an event loop. */
  public static AurousNode start(JsonObject overrides) throws Exception {
    return start(overrides, reason -> LOG.error("{}; this node has no database until it is restarted", reason));
  }

  /**
   * As {@link #start(JsonObject)}, with its workers getting reference pictures from
   * {@code references} instead of the node's own source: engine tests render theirs.
   */
  public static AurousNode start(JsonObject overrides, ReferenceSource references) throws Exception {
    return start(overrides, reason -> LOG.error("{}; this node has no database until it is restarted", reason), references);
  }

  /**
   * As {@link #start(JsonObject)}; {@code onDatabaseLost} is told (once, with one sentence) when
   * the embedded PostgreSQL died and its watchdog could not restart it. {@code Main} exits then.
   */
  public static AurousNode start(JsonObject overrides, Consumer<String> onDatabaseLost) throws Exception {
    return start(overrides, onDatabaseLost, null);
  }

  private static AurousNode start(JsonObject overrides, Consumer<String> onDatabaseLost, ReferenceSource references)
      throws Exception {
    ServerConfig config = loadConfig(overrides);
    NodeMetrics metrics = new NodeMetrics(config.bool("metrics.enabled"));
    ClusteredVertx cluster = ClusteredVertx.create(config, metrics.vertxOptions(), metrics.vertxFactory());
    try {
      return start(cluster, config, metrics, onDatabaseLost, references);
    } catch (Exception e) {
      cluster.vertx().close().await();
      throw e;
    }
  }

  /** Reads conf + environment + overrides with a short-lived Vert.x (the node's own may be clustered). */
  public static ServerConfig loadConfig(JsonObject overrides) {
    Vertx vertx = Vertx.vertx();
    try {
      return ConfigLoader.load(vertx, overrides).await();
    } finally {
      vertx.close().await();
    }
  }

  /** {@code referenceOverride}: where workers get reference pictures; null for the node's own source. */
  static AurousNode start(ClusteredVertx cluster, ServerConfig config, NodeMetrics nodeMetrics, Consumer<String> onDatabaseLost,
      ReferenceSource referenceOverride) throws Exception {
    Vertx vertx = cluster.vertx();
    DatabaseProvisioner database = DatabaseProvisioner.open(config);
    try {
      database.watchEmbedded(config.integer("database.embedded_watchdog_interval_ms"),
          config.integer("database.embedded_restart_attempts"), onDatabaseLost);
      int migrated = Migrations.apply(database.target());
      if (migrated > 0) {
        LOG.info("Applied {} schema migration(s)", migrated);
      }
      Pool pool = pool(vertx, config, database);
      TeamStore teams = new TeamStore(pool);
      String devKey = database.isEmbedded() ? DevBootstrap.ensureDefaultTeam(config, teams) : null;

      int port = config.httpPort() == 0 ? freePort() : config.httpPort();
      String publicBase = config.string("http.public_base_url").isBlank()
          ? "http://" + (config.httpHost().equals("0.0.0.0") ? "localhost" : config.httpHost()) + ":" + port
          : config.string("http.public_base_url");
      OutputService outputs = OutputService.create(pool, config.string("outputs.signing_secret"), publicBase,
          config.integer("outputs.ttl_hours")).await();
      outputs.startReaper(vertx, config.integer("outputs.reaper_interval_s"));
      idempotency(config, pool).startPurger(vertx, config.integer("api.idempotency_purge_interval_s"));

      String nodeName = config.string("node.name").isBlank() ? Ids.newId("node") : config.string("node.name");
      // The one owner of the generations table; its terminal transition also writes the webhook outbox row.
      GenerationStore generations = new GenerationStore(pool, new WebhookOutbox(new GenerationView(outputs)));
      // Every node rescues abandoned claims and delivers webhooks: no node is special.
      LeaseRescuer rescuer = new LeaseRescuer(vertx, generations);
      rescuer.start(config.integer("engine.rescue_interval_s"));
      cluster.onNodeLeft(rescuer::departed);
      if (cluster.nodeId() != null) {
        LOG.info("Node {} is cluster member {}", nodeName, cluster.nodeId());
      }
      WebhookSettings webhooks = WebhookSettings.from(config);
      if (webhooks.enabled()) {
        vertx.deployVerticle(new WebhookDeliveryVerticle(pool, webhooks, nodeName, nodeMetrics.registry())).await();
      }
      // Reference files: every node purges expired ones, fetches and decodes for its workers and
      // runs the character job (claims in PostgreSQL, like generations: no node is special).
      FileSettings fileSettings = FileSettings.from(config);
      FileStore files = new FileStore(pool);
      files.startPurger(vertx, fileSettings.purgeIntervalSeconds());
      ImageInspector inspector = new ImageInspector(fileSettings.maxPixels());
      var decoders = vertx.createSharedWorkerExecutor("aurous-image-decoders", fileSettings.decodeThreads());
      boolean insecureUrls = config.bool("api.allow_insecure_urls");
      PinnedFetcher fetcher = new PinnedFetcher(vertx, new UrlChecker(new AddressPolicy(insecureUrls), insecureUrls),
          fileSettings.maxBytes(), fileSettings.fetchTimeoutMs(), fileSettings.fetchMaxRedirects());
      FileReferenceSource references = new FileReferenceSource(files, inspector, fetcher, decoders, fileSettings.ttlSeconds());
      CharacterStore characters = new CharacterStore(pool);
      CharacterSettings characterSettings = CharacterSettings.from(config);
      vertx.deployVerticle(new CharacterSynthesisVerticle(characters, references,
          CharacterStore.workerId(nodeName, cluster.nodeId()), characterSettings)).await();
      // A departed member's characters come back at once, as its generations do (rescuer above).
      cluster.onNodeLeft(new DepartedNodeCharacters(vertx, characters)::departed);
      if (nodeMetrics.enabled()) {
        new PendingGauge(nodeMetrics.registry()).start(vertx, config.integer("metrics.pending_sample_interval_ms"),
            generations::countPending);
      }
      List<DeviceWorkerVerticle> workers = config.hasRole("worker")
          ? deployWorkers(vertx, config, generations, cluster.nodeId(), outputs, nodeName, nodeMetrics.registry(),
              referenceOverride != null ? referenceOverride : references) : List.of();
      ApiDeployment api = ApiDeployment.NONE;
      if (config.hasRole("api")) {
        HealthRoutes health = new HealthRoutes(vertx, pool, config.integer("health.database_timeout_ms"),
            config.integer("health.cache_ms"),
            workers.isEmpty() ? null : () -> workers.stream().allMatch(DeviceWorkerVerticle::ready), cluster.joined());
        List<HttpVerticle.RouteMount> operator = new ArrayList<>();
        operator.add(health::mount);
        if (nodeMetrics.enabled()) {
          operator.add(router -> router.get("/metrics").handler(nodeMetrics.scrapeHandler()));
        }
        if (config.bool("playground.enabled")) {
          operator.add(new com.aurous.server.playground.PlaygroundRoutes()::mount);
        }
        // Each node caches key look-ups and evicts on the database's aurous_keys notifications.
        KeyCache keys = KeyCache.from(config, teams);
        KeyNotifications keyNotifications = KeyNotifications.start(vertx, database.target().connectOptions(), keys,
            config.integer("api.auth_listen_check_ms"));
        List<HttpVerticle.RouteMount> referenceRoutes = List.of(
            new FilesApi(files, inspector, decoders, fileSettings, config.integer("api.list_default_limit"),
                config.integer("api.list_max_limit")),
            new CharactersApi(characters, parser(config), files, characterSettings, config.integer("api.list_default_limit"),
                config.integer("api.list_max_limit")));
        api = deployApi(vertx, config, pool, keys, generations, port, outputs, operator, keyNotifications, files,
            referenceRoutes);
      }
      return new AurousNode(vertx, config, database, pool, port, devKey,
          workers.stream().map(DeviceWorkerVerticle::metrics).toList(), api);
    } catch (Exception e) {
      database.close();
      throw e;
    }
  }

  /**
   * Bounded waits, so that while PostgreSQL is unreachable a request fails fast (503) instead of
   * hanging: a connection attempt and the wait for a pooled connection both end after
   * database.acquire_timeout_ms, and at most database.max_wait_queue requests wait at once. The
   * pool opens connections on demand and drops closed ones, so it reconnects by itself.
   */
  private static Pool pool(Vertx vertx, ServerConfig config, DatabaseProvisioner database) {
    int acquireMs = config.integer("database.acquire_timeout_ms");
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.integer("database.pool_size")).setShared(false)
            .setConnectionTimeout(acquireMs).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
            .setMaxWaitQueueSize(config.integer("database.max_wait_queue")))
        .with(new NetClientOptions().setConnectTimeout(acquireMs))
        .connectingTo(database.target().connectOptions())
        .using(vertx)
        .build();
  }

  private static IdempotencyStore idempotency(ServerConfig config, Pool pool) {
    return new IdempotencyStore(pool, config.integer("api.idempotency_window_hours"),
        config.integer("api.idempotency_in_flight_timeout_s"));
  }

  /** One worker verticle per configured device, all serving the same model directory. */
  private static List<DeviceWorkerVerticle> deployWorkers(Vertx vertx, ServerConfig config, GenerationStore generations,
      String clusterNodeId, OutputService outputs, String nodeName, MeterRegistry registry, ReferenceSource references)
      throws Exception {
    EngineSettings engine = EngineSettings.from(config);
    Path modelDir = ModelProvisioner.resolve(engine.modelDir(), config.dataDir());
    WorkStore work = new WorkStore(generations, engine.leaseSeconds(), clusterNodeId);
    List<DeviceWorkerVerticle> workers = new ArrayList<>();
    PngWriter png = new PngWriter(config.integer("outputs.png_compression_level"));
    for (String device : engine.devices()) {
      String workerId = nodeName + "/" + device;
      DeviceWorkerVerticle worker = new DeviceWorkerVerticle(device, workerId, modelDir, engine, work,
          new EngineMetrics(registry, workerId), png, outputs.ttlHours(), references);
      vertx.deployVerticle(worker, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)).await();
      workers.add(worker);
    }
    return List.copyOf(workers);
  }

  /** What the api role deployed: its HTTP verticles, the relay feeding its event streams, its key listener. */
  private record ApiDeployment(List<HttpVerticle> http, GenerationEventRelay events, KeyNotifications keyNotifications) {
    static final ApiDeployment NONE = new ApiDeployment(List.of(), null, null);
  }

  private static ApiDeployment deployApi(Vertx vertx, ServerConfig config, Pool pool, KeyCache keys,
      GenerationStore generations, int port, OutputService outputs, List<HttpVerticle.RouteMount> operatorRoutes,
      KeyNotifications keyNotifications, FileStore files, List<HttpVerticle.RouteMount> referenceRoutes) {
    // Cancellation is terminal too: a waiting create hears of it on the engine's cancel address.
    TerminalWaits waits = TerminalWaits.listen(vertx, GenerationAddresses.TERMINAL, EngineAddresses.CANCEL).await();
    RateLimitSettings rateLimits = RateLimitSettings.from(config);
    RequestRateLimiter limiter = RequestRateLimiter.create(vertx, rateLimits).await();
    GenerationViewCache views = new GenerationViewCache(config.integer("api.view_cache_max_entries"),
        config.integer("api.view_cache_terminal_ttl_s"), config.integer("api.view_cache_open_ttl_ms"));
    views.listen(vertx).await();
    ApiServices services = apiServices(config, pool, keys, generations, port, new EventBusDispatcher(vertx.eventBus()),
        outputs, waits, files, PromptEnhancers.create(vertx, EnhanceSettings.from(config)), rateLimits, limiter, views);
    services.outputRoutes().add(outputs.routes());
    services.extraV1Routes().addAll(referenceRoutes);
    services.operatorRoutes().addAll(operatorRoutes);
    services.extraV1Routes().add(new WebhookDeliveriesApi(pool, generations));
    services.extraV1Routes().add(new LorasApi(new LoraStore(pool), config.integer("api.list_default_limit"),
        config.integer("api.list_max_limit")));
    GenerationEventRelay relay = new GenerationEventRelay();
    vertx.deployVerticle(relay).await();
    services.extraV1Routes().add(new ImageEventsApi(generations, new GenerationView(outputs), relay,
        config.integer("api.events_heartbeat_s"), config.integer("api.events_max_duration_s"),
        config.integer("api.events_max_streams"), config.integer("api.unavailable_retry_after_s")));
    List<HttpVerticle> instances = new java.util.concurrent.CopyOnWriteArrayList<>();
    vertx.deployVerticle(() -> {
      HttpVerticle v = new HttpVerticle(services);
      instances.add(v);
      return v;
    }, new DeploymentOptions().setInstances(config.integer("http.instances"))).await();
    LOG.info("Aurous API listening on http://{}:{}", config.httpHost(), port);
    return new ApiDeployment(List.copyOf(instances), relay, keyNotifications);
  }

  static ApiServices apiServices(ServerConfig config, Pool pool, KeyCache keys, GenerationStore store, int port,
      GenerationDispatcher dispatcher, OutputLinks links, TerminalWaits waits, FileStore files, PromptEnhancer enhancer,
      RateLimitSettings rateLimits, RequestRateLimiter limiter, GenerationViewCache views) {
    PricingTable pricing = new PricingTable(config);
    ImagesApi images = new ImagesApi(
        parser(config),
        new CatalogResolver(pool, files),
        new GenerationDefaults(pricing),
        pricing,
        store,
        idempotency(config, pool),
        new GenerationView(links),
        dispatcher,
        new AdmissionControl(store, config.integer("engine.max_queue_size"), 2, rateLimits.concurrentRetryAfterSeconds()),
        config.integer("api.list_default_limit"),
        config.integer("api.list_max_limit"),
        waits,
        config.integer("api.prefer_wait_max_s"),
        enhancer,
        rateLimits,
        views);
    return new ApiServices(config.httpHost(), port, config.integer("http.max_body_bytes"), config.integer("files.max_bytes"),
        config.integer("http.idle_timeout_s"),
        config.integer("api.unavailable_retry_after_s"),
        new Authentication(keys),
        new RateLimiting(rateLimits, limiter),
        new ApiVersions(config.supportedVersions(), config.string("api.default_version")),
        images, new OpenApiDocument(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
  }

  /**
   * Reference URLs and webhook targets follow the same rules, and the same test-only switch
   * (api.allow_insecure_urls) lets both be http and loopback.
   */
  private static ImageRequestParser parser(ServerConfig config) {
    boolean insecure = config.bool("api.allow_insecure_urls");
    UrlChecker urls = new UrlChecker(new AddressPolicy(insecure), insecure);
    return new ImageRequestParser(urls, urls);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  public int port() {
    return port;
  }

  /** One per device worker on this node, in engine.devices order. */
  public List<EngineMetrics> engineMetrics() {
    return engineMetrics;
  }

  /** The relay feeding this node's event streams; null on a node without the api role. */
  public GenerationEventRelay generationEvents() {
    return generationEvents;
  }

  /** What the HTTP router serves ("GET /v1/images/{id}", ...); empty without the api role. For tests. */
  public List<String> endpoints() {
    return http.isEmpty() ? List.of() : http.get(0).endpoints();
  }

  public Vertx vertx() {
    return vertx;
  }

  public Pool pool() {
    return pool;
  }

  public ServerConfig config() {
    return config;
  }

  /** The default team's key when this start created it (first start of the embedded default). */
  public String devApiKey() {
    return devApiKey;
  }

  @Override
  public void close() throws Exception {
    try {
      // Verticles first (workers stop claiming, webhooks stop delivering), then the pool with Vert.x.
      if (keyNotifications != null) {
        keyNotifications.close().await();
      }
      for (String id : vertx.deploymentIDs()) {
        vertx.undeploy(id).await();
      }
      vertx.close().await();
    } finally {
      database.close();
    }
  }
}
