package com.aurous.server.api;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The served document passes Redocly's recommended-strict rules and Spectral's oas ruleset with
 * no warning. The linters are Node.js tools (pinned versions, fetched by npx from the npm registry
 * or its cache), so this runs them as a process; a machine without npx skips it, saying so.
 */
class OpenApiLintTest {
  @Test
  void theOpenApiDocumentPassesRedoclyAndSpectralWithoutAWarning() throws Exception {
    assumeTrue(onPath("npx"), "npx is not installed: the OpenAPI lint needs Node.js");
    Path script = Path.of("src/test/resources/openapi-lint/lint.sh").toAbsolutePath();
    Path log = Files.createTempFile("openapi-lint", ".log");
    Process p = new ProcessBuilder("bash", script.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    boolean ended = p.waitFor(660, TimeUnit.SECONDS);
    if (!ended) {
      p.destroyForcibly();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(ended).as("lint finished in time:%n%s", output).isTrue();
    assertThat(p.exitValue()).as("lint output:%n%s", output).isZero();
  }

  private static boolean onPath(String command) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }
}
