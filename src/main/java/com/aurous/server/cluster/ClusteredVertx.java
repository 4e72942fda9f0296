package com.aurous.server.cluster;

import com.aurous.server.config.ConfigException;
import com.aurous.server.config.ServerConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.TcpIpConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Creates the node's Vert.x: a plain one, or with cluster.enabled a clustered one whose event
 * bus spans every node through Hazelcast (cluster/hazelcast.xml, with name, bind address, port
 * and TCP/IP members taken from config so one file serves every node).
 */
public final class ClusteredVertx {
  private ClusteredVertx() {}

  /** Blocking: joins the cluster before returning. */
  public static Vertx create(ServerConfig config) throws Exception {
    VertxOptions options = new VertxOptions().setPreferNativeTransport(false);
    if (!config.bool("cluster.enabled")) {
      return Vertx.vertx(options);
    }
    String host = config.string("cluster.host");
    options.setEventBusOptions(new EventBusOptions().setHost(host).setPort(0).setClusterPublicHost(host));
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcastConfig(config));
    return Vertx.builder().with(options).withClusterManager(manager).buildClustered().await();
  }

  static Config hazelcastConfig(ServerConfig c) throws IOException {
    Config hz = load(c.string("cluster.config_file"));
    String host = c.string("cluster.host");
    int port = c.intIn("cluster.port", 1, 65535);
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
