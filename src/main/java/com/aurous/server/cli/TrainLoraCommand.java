package com.aurous.server.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import com.aurous.server.model.tiny.WeightFile;
import com.aurous.server.model.train.LoraStyle;
import com.aurous.server.model.train.LoraTrainer;
import com.aurous.server.model.train.TimestepFocus;
import com.aurous.server.model.train.TrainConfig;

/**
 * {@code model train-lora --out DIR --style pastel|neon|monochrome --base WEIGHTS [--seed N]
 * [--steps N] [--batch N] [--rank N] [--lr X] [--threads N] [--canonical N]}.
 */
public final class TrainLoraCommand {

  private TrainLoraCommand() {}

  public static void run(CliArgs cli, PrintStream out) throws Exception {
    TrainConfig d = LoraTrainer.defaults(Path.of(cli.requireFlag("out")));
    String styleName = cli.requireFlag("style");
    LoraStyle style;
    try {
      style = LoraStyle.parse(styleName);
    } catch (IllegalArgumentException e) {
      throw new CliArgs.CliException("--style: " + e.getMessage());
    }
    Path base = Path.of(cli.requireFlag("base"));
    if (!Files.isRegularFile(base)) {
      throw new CliArgs.CliException("--base must name a weight file, got '" + base + "'");
    }
    TrainConfig cfg = d.withSeed(cli.longFlag("seed", d.seed()))
        .withSteps(0, positive(cli, "steps", d.steps(), 1_000_000))
        .withBatch(1, positive(cli, "batch", d.batch(), 256))
        .withThreads(positive(cli, "threads", d.threads(), 256));
    int canonical = positive(cli, "canonical", d.canonical(), 64);
    cfg = new TrainConfig(cfg.out(), cfg.seed(), 0, 1, cfg.aeCrop(), cfg.steps(), cfg.batch(),
        canonical, cfg.learningRate(), cfg.aeLearningRate(), cfg.promptDropout(), cfg.threads(),
        cfg.checkpointSeconds(), 0, false, null, TimestepFocus.UNIFORM, 0f);
    cfg = TrainCommand.withLearningRate(cli, cfg);
    int rank = positive(cli, "rank", LoraTrainer.DEFAULT_RANK, 64);
    new LoraTrainer(cfg, style, WeightFile.read(base), rank, out).run();
  }

  private static int positive(CliArgs cli, String flag, int dflt, int max) {
    long v = cli.longFlag(flag, dflt);
    if (v < 1 || v > max) {
      throw new CliArgs.CliException("--" + flag + " must be a whole number in [1, " + max + "], got " + v);
    }
    return (int) v;
  }
}
