package com.aurous.server.cli;

import com.aurous.server.model.DiffusionModel;
import com.aurous.server.evaluation.DetectedObject;
import com.aurous.server.evaluation.EvalTally;
import com.aurous.server.evaluation.GuidedSampler;
import com.aurous.server.evaluation.ImageScore;
import com.aurous.server.evaluation.ModelEvaluation;
import com.aurous.server.evaluation.SampleGrid;
import com.aurous.server.evaluation.SceneEvaluator;
import com.aurous.server.model.scenes.Scene;
import com.aurous.server.model.scenes.SceneObject;
import com.aurous.server.model.tiny.AurousTinyExporter;
import com.aurous.server.output.PngWriter;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code model eval} (generate the held-out scene prompts and score what the model drew) and
 * {@code model eval-ae} (autoencoder reconstruction PSNR on held-out scenes). Without --model
 * they measure the built-in aurous-tiny.
 */
public final class ModelEvalCommands {
  private final PrintStream out;
  private final PrintStream progress;

  public ModelEvalCommands(PrintStream out, PrintStream progress) {
    this.out = out;
    this.progress = progress;
  }

  public void run(CliArgs cli) throws IOException {
    String what = cli.word(1);
    if (!"eval".equals(what) && !"eval-ae".equals(what)) {
      throw new CliArgs.CliException("unknown command: model " + what);
    }
    int[] size = size(cli.flag("size"));
    int threads = positive(cli, "threads", 2);
    String device = cli.flag("device") == null ? "CPU:0" : cli.flag("device");
    Path outDir = cli.flag("out") == null ? null : Path.of(cli.flag("out"));
    boolean png = "true".equals(cli.flag("png"));
    if (png && outDir == null) {
      throw new CliArgs.CliException("--png needs --out DIR");
    }
    Path builtIn = null;
    Path modelDir;
    if (cli.flag("model") == null) {
      builtIn = Files.createTempDirectory("aurous-eval-");
      modelDir = builtIn.resolve(AurousTinyExporter.MODEL_NAME);
      AurousTinyExporter.export(modelDir);
    } else {
      modelDir = Path.of(cli.flag("model"));
    }
    try (DiffusionModel model = DiffusionModel.load(modelDir, device, threads)) {
      int multiple = GuidedSampler.sizeMultiple(model.manifest());
      if (size[0] % multiple != 0 || size[1] % multiple != 0) {
        throw new CliArgs.CliException("--size must be a multiple of " + multiple + " for " + model.manifest().name());
      }
      if (outDir != null) {
        Files.createDirectories(png ? outDir.resolve("images") : outDir);
      }
      if ("eval".equals(what)) {
        evaluate(cli, model, size, outDir, png);
        if ("true".equals(cli.flag("psnr"))) {
          reconstruct(model, positive(cli, "psnr-count", 50), size, outDir, png);
        }
      } else {
        reconstruct(model, positive(cli, "count", 50), size, outDir, png);
      }
    } finally {
      if (builtIn != null) {
        deleteTree(builtIn);
      }
    }
  }

  private void evaluate(CliArgs cli, DiffusionModel model, int[] size, Path outDir, boolean png)
      throws IOException {
    ModelEvaluation.Settings d = ModelEvaluation.Settings.defaults(model.manifest());
    ModelEvaluation.Settings s = new ModelEvaluation.Settings(positive(cli, "count", d.count()),
        size[0], size[1], positive(cli, "steps", d.steps()), number(cli, "guidance", d.guidanceScale()),
        number(cli, "cfg-rescale", d.cfgRescale()), cli.longFlag("seed-base", d.seedBase()),
        positive(cli, "batch", d.batch()), strength(cli, "from-render", d.fromRender()));
    out.printf(Locale.ROOT, "model eval: %s (%s), %d held-out prompts at %dx%d, %d %s steps, guidance %s,"
            + " cfg_rescale %s,%s seeds %d..%d%n", model.manifest().name(), model.dir(), s.count(), s.width(),
        s.height(), s.steps(), "ddim", s.guidanceScale(), s.cfgRescale(),
        s.fromRender() < 1 ? " from the scenes' renders at strength " + s.fromRender() + "," : "", s.seedBase(),
        s.seedBase() + s.count() - 1);
    JsonArray images = new JsonArray();
    StringBuilder csv = new StringBuilder("index,seed,scene_seed,prompt,background_right,gradient_right,"
        + "count_right,objects,colors_right,shapes_right,positions_right,all_right,read\n");
    PngWriter writer = new PngWriter(4);
    Path gridFile = cli.flag("grid") == null ? null : Path.of(cli.flag("grid"));
    int gridCount = positive(cli, "grid-count", 16);
    SampleGrid grid = new SampleGrid(4, 256);
    long t0 = System.nanoTime();
    EvalTally tally = ModelEvaluation.generateAndScore(model, s, g -> {
      ImageScore sc = g.score();
      if (gridFile != null && grid.size() < gridCount) {
        grid.add(g.rgb(), s.width(), s.height(), sc.scene().caption(), sc);
      }
      images.add(imageJson(g.index(), g.heldOut().seed(), sc));
      csv.append(g.index()).append(',').append(g.heldOut().seed()).append(',')
          .append(sc.scene().seed()).append(',').append(csvText(sc.scene().caption())).append(',')
          .append(sc.backgroundRight()).append(',').append(sc.gradientRight()).append(',')
          .append(sc.countRight()).append(',').append(sc.objects().size()).append(',')
          .append(sc.colorsRight()).append(',').append(sc.shapesRight()).append(',')
          .append(sc.positionsRight()).append(',').append(sc.allRight()).append(',')
          .append(csvText(readText(sc))).append('\n');
      if (png) {
        write(outDir.resolve("images").resolve(String.format(Locale.ROOT, "%04d.png", g.index())),
            writer.encode(g.rgb(), s.width(), s.height()));
      }
      if ((g.index() + 1) % s.batch() == 0 || g.index() + 1 == s.count()) {
        progress.printf(Locale.ROOT, "  %d/%d images, %.1f s%n", g.index() + 1, s.count(),
            (System.nanoTime() - t0) / 1e9);
      }
    });
    double seconds = (System.nanoTime() - t0) / 1e9;
    out.printf(Locale.ROOT, "scores over %d images (%d objects), %.1f s:%n", tally.images(), tally.objects(), seconds);
    out.println(tally.summary());
    out.print("shapes asked (objects): what the evaluator read\n" + tally.shapeConfusion());
    if (gridFile != null) {
      SampleGrid.Sheet sheet = grid.render();
      if (gridFile.toAbsolutePath().getParent() != null) {
        Files.createDirectories(gridFile.toAbsolutePath().getParent());
      }
      write(gridFile, writer.encode(sheet.rgb(), sheet.width(), sheet.height()));
      out.println("wrote " + gridFile + " (" + grid.size() + " images with their prompts)");
    }
    if (outDir != null) {
      JsonObject shares = new JsonObject();
      for (Map.Entry<String, Double> e : tally.shares().entrySet()) {
        shares.put(e.getKey(), e.getValue());
      }
      JsonObject report = new JsonObject()
          .put("model", model.manifest().name())
          .put("model_dir", model.dir().toString())
          .put("count", s.count())
          .put("width", s.width())
          .put("height", s.height())
          .put("sampler", "ddim")
          .put("steps", s.steps())
          .put("guidance_scale", s.guidanceScale())
          .put("cfg_rescale", s.cfgRescale())
          .put("from_render", s.fromRender() < 1 ? s.fromRender() : null)
          .put("seed_base", s.seedBase())
          .put("seconds", seconds)
          .put("images_evaluated", tally.images())
          .put("objects_evaluated", tally.objects())
          .put("scores", shares)
          .put("images", images);
      write(outDir.resolve("eval.json"), report.encodePrettily().getBytes(StandardCharsets.UTF_8));
      write(outDir.resolve("eval.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
      out.println("wrote " + outDir.resolve("eval.json") + " and " + outDir.resolve("eval.csv"));
    }
  }

  private void reconstruct(DiffusionModel model, int count, int[] size, Path outDir, boolean png)
      throws IOException {
    PngWriter writer = new PngWriter(4);
    JsonArray rows = new JsonArray();
    // The evaluator's reading of the renders and of their reconstructions: the ceiling a
    // generated picture can reach through this decoder.
    EvalTally renders = new EvalTally();
    EvalTally reconstructions = new EvalTally();
    double mean = ModelEvaluation.reconstruct(model, count, size[0], size[1], r -> {
      renders.add(SceneEvaluator.score(r.original(), size[0], size[1], r.heldOut().scene()));
      reconstructions.add(SceneEvaluator.score(r.rgb(), size[0], size[1], r.heldOut().scene()));
      rows.add(new JsonObject().put("index", r.index()).put("scene_seed", r.heldOut().scene().seed())
          .put("psnr_db", r.psnr()));
      if (png) {
        write(outDir.resolve("images").resolve(String.format(Locale.ROOT, "ae-%04d.png", r.index())),
            writer.encode(r.rgb(), size[0], size[1]));
      }
    });
    double min = rows.stream().mapToDouble(o -> ((JsonObject) o).getDouble("psnr_db")).min().orElse(0);
    out.printf(Locale.ROOT, "autoencoder PSNR over %d held-out scenes at %dx%d: mean %.2f dB, worst %.2f dB%n",
        count, size[0], size[1], mean, min);
    out.println("evaluator on the renders:         " + renders.summary());
    out.println("evaluator on the reconstructions: " + reconstructions.summary());
    if (outDir != null) {
      JsonObject report = new JsonObject().put("model", model.manifest().name()).put("count", count)
          .put("width", size[0]).put("height", size[1]).put("mean_psnr_db", mean)
          .put("min_psnr_db", min).put("scenes", rows);
      write(outDir.resolve("eval-ae.json"), report.encodePrettily().getBytes(StandardCharsets.UTF_8));
      out.println("wrote " + outDir.resolve("eval-ae.json"));
    }
  }

  private static JsonObject imageJson(int index, long seed, ImageScore sc) {
    Scene scene = sc.scene();
    JsonArray wanted = new JsonArray();
    for (SceneObject o : scene.objects()) {
      wanted.add(new JsonObject().put("shape", o.shape().word()).put("color", o.color().word())
          .put("size", o.size().word()).put("position", o.anchor().word()));
    }
    JsonArray found = new JsonArray();
    for (DetectedObject o : sc.reading().objects()) {
      found.add(new JsonObject().put("shape", o.shape().word()).put("color", o.color().word())
          .put("position", o.anchor().word()).put("cx", round(o.cx())).put("cy", round(o.cy()))
          .put("area", o.area()).put("features", new JsonObject()
              .put("hole_fraction", round(o.features().holeFraction()))
              .put("solidity", round(o.features().solidity()))
              .put("compactness", round(o.features().compactness()))
              .put("corners", o.features().corners())));
    }
    JsonArray verdicts = new JsonArray();
    for (ImageScore.ObjectVerdict v : sc.objects()) {
      verdicts.add(new JsonObject().put("matched", v.found() != null).put("color", v.colorRight())
          .put("shape", v.shapeRight()).put("position", v.positionRight()));
    }
    return new JsonObject()
        .put("index", index)
        .put("prompt", scene.caption())
        .put("seed", seed)
        .put("scene_seed", scene.seed())
        .put("expected", new JsonObject().put("background", scene.background().color().word())
            .put("gradient", scene.background().gradient()).put("objects", wanted))
        .put("read", new JsonObject().put("background", sc.reading().background().word())
            .put("gradient", sc.reading().gradient()).put("objects", found))
        .put("right", new JsonObject().put("background", sc.backgroundRight())
            .put("gradient", sc.gradientRight()).put("count", sc.countRight())
            .put("objects", verdicts).put("all", sc.allRight()));
  }

  /** "white background; red circle left, blue star top" (at most 5 objects, then "+N"). */
  private static String readText(ImageScore sc) {
    StringBuilder b = new StringBuilder(sc.reading().background().word())
        .append(sc.reading().gradient() ? " gradient" : "").append(" background;");
    int shown = 0;
    for (DetectedObject o : sc.reading().objects()) {
      if (shown++ == 5) {
        b.append(" +").append(sc.reading().objects().size() - 5);
        break;
      }
      b.append(shown > 1 ? ", " : " ").append(o.color().word()).append(' ').append(o.shape().word())
          .append(' ').append(o.anchor().word());
    }
    return b.toString();
  }

  private static double round(double v) {
    return Math.round(v * 1e4) / 1e4;
  }

  private static String csvText(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }

  private static void write(Path file, byte[] bytes) {
    try {
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  static int[] size(String text) {
    if (text == null) {
      return new int[] {1024, 1024};
    }
    String[] parts = text.toLowerCase(Locale.ROOT).split("x");
    try {
      if (parts.length == 2) {
        int w = Integer.parseInt(parts[0].trim());
        int h = Integer.parseInt(parts[1].trim());
        if (w >= 64 && h >= 64 && w <= 4096 && h <= 4096) {
          return new int[] {w, h};
        }
      }
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw new CliArgs.CliException("--size must be WIDTHxHEIGHT between 64 and 4096, got '" + text + "'");
  }

  private static int positive(CliArgs cli, String name, int dflt) {
    long v = cli.longFlag(name, dflt);
    if (v < 1 || v > 1_000_000) {
      throw new CliArgs.CliException("--" + name + " must be between 1 and 1000000, got " + v);
    }
    return (int) v;
  }

  private static double number(CliArgs cli, String name, double dflt) {
    return cli.decimalFlag(name, dflt, d -> d >= 0 && d <= 100, "a number between 0 and 100");
  }

  /** A denoise strength in (0, 1]. */
  private static double strength(CliArgs cli, String name, double dflt) {
    return cli.decimalFlag(name, dflt, d -> d > 0 && d <= 1, "a denoise strength in (0, 1]");
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
