package com.aurous.server.model.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import com.aurous.server.model.tiny.AurousTinyExporter;
import com.aurous.server.model.tiny.WeightFile;

/**
 * Trains aurous-tiny from synthetic scenes ({@code model train}): stage 1 the autoencoder, stage 2
 * the prompt encoder and denoiser on the frozen autoencoder's latents. Writes
 * {@code OUT/aurous-tiny.weights} (all weights, at every denoiser checkpoint too) and, at the end,
 * the exported SavedModel in {@code OUT/model}. Rerunning the same command resumes.
 */
public final class ModelTrainer {

  /** What a run produced. */
  public record Result(Path weights, Path model, Stage.Outcome autoencoder, Stage.Outcome denoiser,
      Stage.Outcome decoder) {}

  private final TrainConfig cfg;
  private final CroppedScenes scenes;
  private final PrintStream log;

  ModelTrainer(TrainConfig cfg, CroppedScenes scenes, PrintStream log) {
    this.cfg = cfg;
    this.scenes = scenes;
    this.log = log;
  }

  public static ModelTrainer onScenes(TrainConfig cfg, PrintStream log) {
    return new ModelTrainer(cfg, new SceneTrainingData(cfg.seed()), log);
  }

  public Path weightsFile() {
    return cfg.out().resolve("aurous-tiny.weights");
  }

  public Result run() throws IOException {
    Files.createDirectories(cfg.out());
    long t0 = System.nanoTime();
    log.printf(Locale.ROOT, "training aurous-tiny into %s: seed %d, autoencoder %d steps x %d crops "
        + "of %d px, denoiser %d steps x %d scenes, lr %g, %d threads%n", cfg.out().toAbsolutePath(),
        cfg.seed(), cfg.aeSteps(), cfg.aeBatch(), cfg.aeCrop(), cfg.steps(), cfg.batch(),
        cfg.learningRate(), cfg.threads());
    if (cfg.decoderSteps() > 0) {
      log.printf(Locale.ROOT, "then %d decoder-only steps%n", cfg.decoderSteps());
    }
    AutoencoderStage ae = new AutoencoderStage(cfg, scenes, log);
    WeightFile init = cfg.init() == null ? null : WeightFile.read(cfg.init());
    if (init != null && !Files.isRegularFile(ae.weightFile())) {
      ae.adopt(init);
      log.printf(Locale.ROOT, "[autoencoder] taken from %s%n", cfg.init());
    }
    Stage.Outcome aeOutcome = null;
    if (ae.completedSteps() >= cfg.aeSteps() && Files.isRegularFile(ae.weightFile())
        && AutoencoderStage.hasScale(WeightFile.read(ae.weightFile()))) {
      log.println("[autoencoder] already trained, kept");
    } else {
      aeOutcome = ae.run();
    }
    WeightFile aeWeights = WeightFile.read(ae.weightFile());
    DenoiserStage dn = new DenoiserStage(cfg, scenes, aeWeights, init, log);
    Stage.Outcome dnOutcome = dn.run();
    WeightFile all = WeightFile.read(dn.weightFile());
    Stage.Outcome decOutcome = null;
    if (cfg.decoderSteps() > 0) {
      DecoderStage dec = new DecoderStage(cfg, scenes, aeWeights, log);
      decOutcome = dec.run();
      java.util.Map<String, WeightFile.Tensor> m = new java.util.LinkedHashMap<>(all.tensors());
      WeightFile.read(dec.weightFile()).tensors().forEach((k, v) -> {
        if (k.startsWith("decoder/")) {
          m.put(k, v);
        }
      });
      all = new WeightFile(m);
    }
    all.write(weightsFile());
    Path model = cfg.out().resolve("model");
    AurousTinyExporter.export(model, WeightFile.read(weightsFile()));
    log.printf(Locale.ROOT, "done in %s: weights %s, model %s%n",
        Progress.duration((System.nanoTime() - t0) / 1e9), weightsFile(), model);
    return new Result(weightsFile(), model, aeOutcome, dnOutcome, decOutcome);
  }
}
