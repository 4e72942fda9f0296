package com.aurous.server.model.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import com.aurous.server.model.tiny.WeightFile;

/**
 * Trains one LoRA adapter on a frozen aurous-tiny ({@code model train-lora}): the scenes of
 * {@code model train} re-coloured by a {@link LoraStyle}, same captions, same objective, same
 * progress bar, checkpoints, resume and {@code loss.csv}. Writes {@code OUT/<style>.weights}, a
 * file for a model directory's {@code loras/}.
 */
public final class LoraTrainer {

  /** Rank of the shipped adapters. */
  public static final int DEFAULT_RANK = 4;

  /** The shipped LoRAs' run: 200 steps of 8 scenes at the canonical 1024 px size. */
  public static TrainConfig defaults(Path out) {
    return TrainConfig.defaults(out).withSteps(0, 200).withBatch(1, 8).withLearningRate(5e-3f)
        .withCheckpointSeconds(60);
  }

  /** A few steps on one small fixed batch: the loss must fall (CI). */
  public static TrainConfig smoke(Path out) {
    return TrainConfig.smoke(out).withSteps(0, 15).withLearningRate(2e-2f);
  }

  public record Result(Path weights, Stage.Outcome outcome) {
    public double firstLoss() {
      return outcome.losses().get(0);
    }

    public double lastLoss() {
      return outcome.losses().get(outcome.losses().size() - 1);
    }

    public java.util.List<Double> losses() {
      return outcome.losses();
    }
  }

  private final TrainConfig cfg;
  private final LoraStyle style;
  private final WeightFile base;
  private final int rank;
  private final PrintStream log;

  public LoraTrainer(TrainConfig cfg, LoraStyle style, WeightFile base, int rank, PrintStream log) {
    this.cfg = cfg;
    this.style = style;
    this.base = base;
    this.rank = rank;
    this.log = log;
  }

  public Result run() throws IOException {
    Files.createDirectories(cfg.out());
    long t0 = System.nanoTime();
    log.printf(Locale.ROOT, "training LoRA '%s' (rank %d) into %s: seed %d, %d steps x %d scenes at "
        + "latent %d, lr %g, %d threads%n", style.slug(), rank, cfg.out().toAbsolutePath(),
        cfg.seed(), cfg.steps(), cfg.batch(), cfg.canonical(), cfg.learningRate(), cfg.threads());
    LoraStage stage = new LoraStage(cfg, new StyledScenes(cfg.seed(), style), base, rank, log);
    Stage.Outcome outcome = stage.run();
    Path out = cfg.out().resolve(style.slug() + ".weights");
    WeightFile.read(stage.weightFile()).write(out);
    log.printf(Locale.ROOT, "done in %s: %s%n", Progress.duration((System.nanoTime() - t0) / 1e9),
        out);
    return new Result(out, outcome);
  }
}
