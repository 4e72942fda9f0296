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
    String edge = cli.flag("edge-weight");
    if (edge != null) {
      float e;
      try {
        e = Float.parseFloat(edge);
      } catch (NumberFormatException ex) {
        e = Float.NaN;
      }
      if (!(e >= 0 && e <= 100)) {
        throw new CliArgs.CliException("--edge-weight must be a number in [0, 100], got '" + edge + "'");
      }
      cfg = cfg.withEdgeWeight(e);
    }
    ModelTrainer.onScenes(cfg, out).run();
  }

  /** {@code --lr}, if given, in (0, 1). */
  static TrainConfig withLearningRate(CliArgs cli, TrainConfig cfg) {
    String lr = cli.flag("lr");
    if (lr != null) {
      try {
        float v = Float.parseFloat(lr);
        if (!(v > 0 && v < 1)) {
          throw new NumberFormatException();
        }
        cfg = cfg.withLearningRate(v);
      } catch (NumberFormatException e) {
        throw new CliArgs.CliException("--lr must be a number in (0, 1), got '" + lr + "'");
      }
    }
    return cfg;
  }

  private static int positive(CliArgs cli, String flag, int dflt) {
    long v = cli.longFlag(flag, dflt);
    if (v < 1 || v > Integer.MAX_VALUE) {
      throw new CliArgs.CliException("--" + flag + " must be a positive whole number, got " + v);
    }
    return (int) v;
  }
}
