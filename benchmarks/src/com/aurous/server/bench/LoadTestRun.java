package com.aurous.server.bench;

import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of the project's load generator as its users run it, {@code java -jar
 * target/aurous-server.jar loadtest ...} in its own JVM, and the report it writes (--json).
 */
final class LoadTestRun {
  private LoadTestRun() {}

  static Path jar() {
    return Path.of(System.getenv().getOrDefault("BENCH_JAR", "target/aurous-server.jar"));
  }

  /**
   * How to start the server's main: {@code -jar} when the jar is built, else this JVM's class
   * path (under `mvn verify` the tests run before the package phase).
   */
  static List<String> launch(Path jar) {
    return jar != null && Files.isRegularFile(jar) ? List.of("-jar", jar.toString())
        : List.of("-cp", System.getProperty("java.class.path"), "com.aurous.server.Main");
  }

  /** The report's first stage; {@code args} are loadtest's flags after --url and --key. */
  static JsonObject stage(String url, String key, List<String> args, long timeoutSeconds) throws Exception {
    Path report = Files.createTempFile("aurous-loadtest", ".json");
    try {
      List<String> cmd = new ArrayList<>(List.of(ServerProcess.java(), "-Xmx512m", "-XX:+UseG1GC"));
      cmd.addAll(launch(jar()));
      cmd.addAll(List.of("loadtest", "--url", url, "--key", key));
      cmd.addAll(args);
      cmd.addAll(List.of("--json", report.toString(), "--quiet"));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("loadtest failed: " + String.join(" ", cmd) + "\n" + out);
      }
      return new JsonObject(Files.readString(report)).getJsonArray("stages").getJsonObject(0);
    } finally {
      Files.deleteIfExists(report);
    }
  }
}
