package com.aurous.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.aurous.server.Main;
import com.aurous.server.testing.Subprocess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model eval} and {@code model eval-ae} on the built-in model, small and few so it is quick
 * (256x128 keeps even a x32 latent at 8x4).
 */
class ModelEvalCommandsTest {

  @TempDir
  Path tmp;

  @Test
  void modelEvalThroughTheJarsMainPrintsScoresAndWritesJsonCsvAndPngs() throws Exception {
    Path out = tmp.resolve("eval");
    Subprocess.Result r = Subprocess.run(Main.class, Map.of(), "model", "eval", "--count", "3",
        "--size", "256x128", "--steps", "2", "--batch", "2", "--out", out.toString(), "--png",
        "--grid", out.resolve("grid.png").toString(), "--psnr",
        "--psnr-count", "2");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output())
        .contains("3 held-out prompts at 256x128, 2 ddim steps")
        .containsPattern("scores over 3 images \\(\\d+ objects\\)")
        .containsPattern("background \\d+\\.\\d%  gradient \\d+\\.\\d%  count \\d+\\.\\d%  color \\d+\\.\\d%"
            + "  shape \\d+\\.\\d%  position \\d+\\.\\d%  all \\d+\\.\\d%")
        .containsPattern("shapes asked \\(objects\\): what the evaluator read\\R"
            + "(circle|square|triangle|star|ring) \\(\\d+\\):(  (circle|square|triangle|star|ring|none) \\d+%)+\\R")
        .containsPattern("autoencoder PSNR over 2 held-out scenes at 256x128: mean \\d+\\.\\d\\d dB");

    JsonObject report = new JsonObject(Files.readString(out.resolve("eval.json")));
    assertThat(report.getString("model")).isEqualTo("aurous-tiny");
    assertThat(report.getInteger("count")).isEqualTo(3);
    assertThat(report.getInteger("steps")).isEqualTo(2);
    assertThat(report.getJsonObject("scores").fieldNames())
        .containsExactly("background", "gradient", "count", "color", "shape", "position", "all");
    for (String k : report.getJsonObject("scores").fieldNames()) {
      assertThat(report.getJsonObject("scores").getDouble(k)).isBetween(0.0, 1.0);
    }
    JsonArray images = report.getJsonArray("images");
    assertThat(images).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonObject img = images.getJsonObject(i);
      assertThat(img.getInteger("index")).isEqualTo(i);
      assertThat(img.getLong("seed")).isEqualTo(i);
      assertThat(img.getLong("scene_seed")).isEqualTo(1_000_000_000L + i);
      assertThat(img.getString("prompt")).contains("background");
      int expected = img.getJsonObject("expected").getJsonArray("objects").size();
      assertThat(expected).isBetween(1, 3);
      assertThat(img.getJsonObject("right").getJsonArray("objects")).hasSize(expected);
      assertThat(img.getJsonObject("read").getString("background")).isNotBlank();
      BufferedImage png = ImageIO.read(out.resolve("images").resolve(String.format("%04d.png", i)).toFile());
      assertThat(png.getWidth()).isEqualTo(256);
      assertThat(png.getHeight()).isEqualTo(128);
    }
    BufferedImage grid = ImageIO.read(out.resolve("grid.png").toFile());
    assertThat(grid.getWidth()).isEqualTo(4 * 256 + 5 * 6);
    assertThat(r.output()).contains("grid.png (3 images with their prompts)");

    List<String> csv = Files.readAllLines(out.resolve("eval.csv"));
    assertThat(csv).hasSize(4);
    assertThat(csv.get(0)).startsWith("index,seed,scene_seed,prompt,background_right");
    assertThat(csv.get(1)).startsWith("0,0,1000000000,\"");

    JsonObject ae = new JsonObject(Files.readString(out.resolve("eval-ae.json")));
    assertThat(ae.getJsonArray("scenes")).hasSize(2);
    assertThat(ae.getDouble("mean_psnr_db")).isBetween(0.0, 99.0);
  }

  @Test
  void badArgumentsAreRefusedWithAClearMessageAndExitCodeTwo() throws Exception {
    assertThat(refusal("model", "eval", "--size", "banana")).contains("--size must be WIDTHxHEIGHT");
    assertThat(refusal("model", "eval", "--size", "20x20")).contains("--size");
    assertThat(refusal("model", "eval", "--count", "0")).contains("--count must be between 1");
    assertThat(refusal("model", "eval", "--steps", "x")).contains("--steps must be a whole number");
    assertThat(refusal("model", "eval", "--guidance", "-1")).contains("--guidance must be a number");
    assertThat(refusal("model", "eval", "--png")).contains("--png needs --out");
    for (String bad : new String[] {"0", "1.5", "-0.2", "half", "NaN"}) {
      assertThat(refusal("model", "eval", "--from-render", bad)).as(bad)
          .contains("--from-render must be a denoise strength in (0, 1]");
    }
    assertThat(refusal("model", "evaluate")).contains("unknown command: model evaluate");

    Subprocess.Result viaMain = Subprocess.run(Main.class, Map.of(), "model", "eval", "--size", "100x100",
        "--count", "1", "--steps", "1");
    assertThat(viaMain.exitCode()).as(viaMain.output()).isEqualTo(2);
    assertThat(viaMain.output()).contains("error: --size must be a multiple of").doesNotContain("Exception");
  }

  private static String refusal(String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    try {
      new ModelEvalCommands(ps, ps).run(new CliArgs(args));
    } catch (CliArgs.CliException e) {
      return e.getMessage();
    } catch (Exception e) {
      throw new AssertionError(String.join(" ", args) + " threw " + e, e);
    }
    throw new AssertionError(String.join(" ", args) + " was accepted: " + bytes);
  }
}
