package com.aurous.server.cluster;

import com.aurous.server.config.ConfigException;
import com.aurous.server.config.ServerConfig;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.TcpIpConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Creates the node's Vert.x: a plain one, or with cluster.enabled a clustered one whose event
 * bus spans every node through Hazelcast (cluster/hazelcast.xml, with name, bind address, port
 * and TCP/IP members taken from config so one file serves every node). Also tells the node its
 * own member id and which members leave, so their claims can be returned at once.
 */
public final class ClusteredVertx {
  private final Vertx vertx;
  /** Null for a lone node. */
  private final HazelcastClusterManager manager;

  private ClusteredVertx(Vertx vertx, HazelcastClusterManager manager) {
    this.vertx = vertx;
    this.manager = manager;
  }

  /** Blocking: joins the cluster before returning. A Vert.x without metrics. */
  public static ClusteredVertx create(ServerConfig config) throws Exception {
    return create(config, new MetricsOptions(), null);
  }

  /**
   * Blocking: joins the cluster before returning. Vert.x metrics can only be switched on when the
   * instance is built, so the node's metrics options and factory (null: none) come in here.
   */
  public static ClusteredVertx create(ServerConfig config, MetricsOptions metricsOptions, VertxMetricsFactory metrics)
      throws Exception {
    VertxOptions options = new VertxOptions().setPreferNativeTransport(false).setMetricsOptions(metricsOptions);
    VertxBuilder builder = Vertx.builder();
    if (metrics != null) {
      builder.withMetrics(metrics);
    }
    if (!config.bool("cluster.enabled")) {
      return new ClusteredVertx(builder.with(options).build(), null);
    }
    String host = config.string("cluster.host");
    options.setEventBusOptions(new EventBusOptions().setHost(host).setPort(0).setClusterPublicHost(host));
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcastConfig(config));
    return new ClusteredVertx(builder.with(options).withClusterManager(manager).buildClustered().await(), manager);
  }

  /** Null for a lone node; else whether this node is still a running member of the cluster. */
  public BooleanSupplier joined() {
    if (manager == null) {
      return null;
    }
    return () -> manager.isActive() && manager.getHazelcastInstance().getLifecycleService().isRunning();
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * This node's Hazelcast member UUID (the id {@link #onNodeLeft} reports when it leaves), or null
   * for a lone node. Not Vert.x's getNodeId(), which in vertx-hazelcast 5 is an id of its own.
   */
  public String nodeId() {
    return manager == null ? null : manager.getHazelcastInstance().getCluster().getLocalMember().getUuid().toString();
  }

  /**
   * Calls {@code departed} on a Vert.x context with the member id of every node that leaves the
   * cluster (shut down, killed, or cut off long enough for Hazelcast to drop it). A Hazelcast
   * membership listener of our own: Vert.x's single NodeListener slot is taken by Vert.x itself.
   */
  public void onNodeLeft(Consumer<String> departed) {
    if (manager == null) {
      return;
    }
    manager.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {}

      @Override
      public void memberRemoved(MembershipEvent event) {
        String id = event.getMember().getUuid().toString();
        vertx.runOnContext(v -> departed.accept(id));
      }
    });
  }

  static Config hazelcastConfig(ServerConfig c) throws IOException {
    Config hz = load(c.string("cluster.config_file"));
    String host = c.string("cluster.host");
    int port = c.integer("cluster.port");
    hz.setClusterName(c.string("cluster.name"));
    hz.setProperty("hazelcast.local.localAddress", host);
    // Bind only the configured address (loopback in tests and local clusters), not every interface.
    hz.setProperty("hazelcast.socket.bind.any", "false");
    hz.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
    List<String> members = c.stringList("cluster.members");
    TcpIpConfig tcp = hz.getNetworkConfig().getJoin().getTcpIpConfig();
    if (tcp.isEnabled()) {
      tcp.setMembers(members.isEmpty() ? List.of(host + ":" + port) : members);
    }
    return hz;
  }

  private static Config load(String file) throws IOException {
    Path path = Path.of(file);
    if (Files.exists(path)) {
      return Config.loadFromFile(path.toFile());
    }
    // Outside the project folder: the copy shipped in the jar.
    try (InputStream in = ClusteredVertx.class.getResourceAsStream("/cluster-defaults/hazelcast.xml")) {
      if (in == null) {
        throw new ConfigException("cluster.config_file " + file + " does not exist");
      }
      return Config.loadFromStream(in);
    }
  }
}
