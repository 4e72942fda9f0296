package com.aurous.server.testing;

import com.aurous.server.Main;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A node in its own JVM (the real {@code Main serve}, configured through AUROUS_* variables), so
 * a test can kill it with SIGKILL the way a machine dies: no shutdown hook, no goodbye.
 */
public final class NodeProcess implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final String name;

  private NodeProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  public static NodeProcess start(String name, Map<String, String> env, String readyLine) throws IOException {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
        "-Xmx512m", "-cp", cp, Main.class.getName(), "serve"));
    Path log = Files.createTempFile("aurous-" + name, ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("AUROUS_"));
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "1");
    pb.environment().put("AUROUS_DATA_DIR", Files.createTempDirectory("aurous-" + name).toString());
    pb.environment().put("AUROUS_NODE_NAME", name);
    pb.environment().putAll(env);
    NodeProcess node = new NodeProcess(name, pb.start(), log);
    Polling.until(node::output, out -> out.contains(readyLine) || !node.process.isAlive(), Duration.ofSeconds(120),
        name + " to log '" + readyLine + "'");
    if (!node.process.isAlive()) {
      throw new IllegalStateException(name + " exited at start:\n" + node.output());
    }
    return node;
  }

  /**
   * Starts a cluster member configured by AUROUS_CLUSTER_PORT and AUROUS_CLUSTER_MEMBERS in
   * {@code env}; when its Hazelcast port was taken between picking and binding it (other builds
   * share the machine), again on a fresh port added to its member list (joining through any
   * listed member that runs is enough).
   */
  public static NodeProcess startClusterMember(String name, Map<String, String> env, String readyLine) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        return start(name, env, readyLine);
      } catch (IllegalStateException e) {
        if (attempt == 3 || e.getMessage() == null || !e.getMessage().contains("is already in use")) {
          throw e;
        }
        String port = Integer.toString(freePort());
        env.put("AUROUS_CLUSTER_PORT", port);
        env.put("AUROUS_CLUSTER_MEMBERS", env.get("AUROUS_CLUSTER_MEMBERS") + ",127.0.0.1:" + port);
      }
    }
  }

  public String name() {
    return name;
  }

  public String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  /** SIGKILL: the node vanishes mid-work, leases and all. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The exit code once the process ends by itself within {@code timeout}; fails the test otherwise. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " still runs after " + timeout + ":\n" + output());
    }
    return process.exitValue();
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(java.util.concurrent.TimeUnit.SECONDS.toMillis(20), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
