package com.aurous.server.cli;

import java.io.PrintStream;
import java.nio.file.Path;

import com.aurous.server.model.train.ModelTrainer;
import com.aurous.server.model.train.TimestepFocus;
import com.aurous.server.model.train.TrainConfig;

/** {@code model train --out DIR [--seed N] [--ae-steps N] [--steps N] [--batch N] [--threads N] [--lr X] [--decoder-steps N] [--init WEIGHTS] [--focus FROM-TO:SHARE] [--edge-weight X]}. */
public final class TrainCommand {

  private TrainCommand() {}

  public static void run(CliArgs cli, PrintStream out) throws Exception {
    TrainConfig d = TrainConfig.defaults(Path.of(cli.requireFlag("out")));
    TrainConfig cfg = d.withSeed(cli.longFlag("seed", d.seed()))
        .withSteps(positive(cli, "ae-steps", d.aeSteps()), positive(cli, "steps", d.steps()))
        .withBatch(d.aeBatch(), positive(cli, "batch", d.batch()))
        .withThreads(positive(cli, "threads", d.threads()))
        .withDecoderSteps((int) Math.max(0, Math.min(Integer.MAX_VALUE,
            cli.longFlag("decoder-steps", d.decoderSteps()))));
    cfg = withLearningRate(cli, cfg);
    String init = cli.flag("init");
    if (init != null) {
      if (!java.nio.file.Files.isRegularFile(Path.of(init))) {
        throw new CliArgs.CliException("--init must name a weight file, got '" + init + "'");
      }
      cfg = cfg.withInit(Path.of(init));
    }
    String focus = cli.flag("focus");
    if (focus != null) {
      try {
        cfg = cfg.withFocus(TimestepFocus.parse(focus));
      } catch (IllegalArgumentException e) {
        throw new CliArgs.CliException("--focus: " + e.getMessage());
      }
    }
    cfg = cfg.withEdgeWeight((float) cli.decimalFlag("edge-weight", cfg.edgeWeight(),
        e -> e >= 0 && e <= 100, "a number in [0, 100]"));
    ModelTrainer.onScenes(cfg, out).run();
  }

  /** {@code --lr}, if given, in (0, 1). */
  static TrainConfig withLearningRate(CliArgs cli, TrainConfig cfg) {
    if (cli.flag("lr") == null) {
      return cfg;
    }
    // Judged as the float it becomes, so 1e-50 (0 as a float) is refused like 0.
    return cfg.withLearningRate((float) cli.decimalFlag("lr", 0,
        v -> (float) v > 0 && (float) v < 1, "a number in (0, 1)"));
  }

  private static int positive(CliArgs cli, String flag, int dflt) {
    long v = cli.longFlag(flag, dflt);
    if (v < 1 || v > Integer.MAX_VALUE) {
      throw new CliArgs.CliException("--" + flag + " must be a positive whole number, got " + v);
    }
    return (int) v;
  }
}
