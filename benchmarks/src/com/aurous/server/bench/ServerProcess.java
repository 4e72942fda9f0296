package com.aurous.server.bench;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A server the HTTP benchmark measures, each in its own JVM so that none shares a heap or a JIT
 * with another or with the load generator: a node from a jar ({@code java -jar}, API role only,
 * its own embedded PostgreSQL in a temp dir, the dev key with a large balance) or the bare Vert.x
 * reference ({@link BareServer}'s main on this JVM's class path). Loopback only.
 */
final class ServerProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final int port;
  private final String key;
  private final Path dir;

  private ServerProcess(String name, Process process, int port, String key, Path dir) {
    this.name = name;
    this.process = process;
    this.port = port;
    this.key = key;
    this.dir = dir;
  }

  String name() {
    return name;
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** The node's dev key; any string for the bare server, which checks none. */
  String key() {
    return key;
  }

  static ServerProcess bare(int instances) throws Exception {
    int port = freePort();
    Path dir = Stats.tempDir("aurous-bare");
    List<String> cmd = List.of(java(), "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        BareServer.class.getName(), String.valueOf(port), String.valueOf(instances));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("bare.log").toFile()).start();
    ServerProcess s = new ServerProcess("bare", p, port, "bare-checks-no-key", dir);
    s.awaitUp("/v1/images/img_probe", Duration.ofSeconds(60));
    return s;
  }

  /** {@code env} adds AUROUS_* overrides (e.g. the pool size) to the defaults set here. */
  static ServerProcess node(String name, Path jar, Map<String, String> env) throws Exception {
    int port = freePort();
    Path dir = Stats.tempDir("aurous-node-" + name);
    List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx1g", "-XX:+UseG1GC"));
    cmd.addAll(LoadTestRun.launch(jar));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("node.log").toFile());
    pb.environment().put("AUROUS_DATA_DIR", dir.resolve("data").toString());
    pb.environment().put("AUROUS_HTTP_HOST", "127.0.0.1");
    pb.environment().put("AUROUS_HTTP_PORT", String.valueOf(port));
    pb.environment().put("AUROUS_NODE_ROLES", "[\"api\"]");
    pb.environment().put("AUROUS_BOOTSTRAP_DEFAULT_CREDITS", "10000000");
    // A shared, loaded machine can take PostgreSQL longer than the default 5 s to answer at start.
    pb.environment().put("AUROUS_DATABASE_ACQUIRE_TIMEOUT_MS", "60000");
    pb.environment().putAll(env);
    Process p = pb.start();
    ServerProcess s = new ServerProcess(name, p, port, null, dir);
    s.awaitUp("/healthz", Duration.ofSeconds(600));
    Path keyFile = dir.resolve("data").resolve("dev-api-key");
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!(Files.exists(keyFile) && Files.size(keyFile) > 0) && System.nanoTime() < until) {
      Thread.sleep(100);
    }
    return new ServerProcess(name, p, port, Files.readString(keyFile).trim(), dir);
  }

  /** POST /v1/images with the dev key; the new generation's id. */
  String create(String prompt) throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url() + "/v1/images"))
        .header("X-Api-Key", key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("prompt", prompt).encode())));
    if (r.statusCode() != 201) {
      throw new IllegalStateException(name + ": create answered " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body()).getString("id");
  }

  /** Cancels it: a terminal generation on a node without workers. */
  void cancel(String id) throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url() + "/v1/images/" + id + "/cancel"))
        .header("X-Api-Key", key).POST(HttpRequest.BodyPublishers.noBody()));
    if (r.statusCode() != 200) {
      throw new IllegalStateException(name + ": cancel answered " + r.statusCode() + " " + r.body());
    }
  }

  private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
        .send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private void awaitUp(String path, Duration limit) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    long until = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < until) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited at start:\n" + log());
      }
      try {
        if (client.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() < 500) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(name + " did not come up within " + limit + ":\n" + log());
  }

  private String log() throws IOException {
    List<String> out = new ArrayList<>();
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".log")).toList()) {
        out.add(Files.readString(f));
      }
    }
    return String.join("\n", out);
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
