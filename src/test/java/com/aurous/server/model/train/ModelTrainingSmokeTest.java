package com.aurous.server.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.aurous.server.model.DiffusionModel;

/** A few training steps on small shapes: keeps the training path (and its export) alive. */
class ModelTrainingSmokeTest {

  @TempDir
  Path tmp;

  @Test
  void aFewStepsOnOneBatchLowerBothLossesAndExportALoadableModel() throws Exception {
    TrainConfig cfg = TrainConfig.smoke(tmp.resolve("run"));
    ModelTrainer.Result r = ModelTrainer.onScenes(cfg, System.out).run();
    assertFalls(r.autoencoder().losses());
    assertFalls(r.denoiser().losses());
    try (DiffusionModel m = DiffusionModel.load(r.model(), "CPU:0", 1)) {
      assertThat(m.manifest().name()).isEqualTo("aurous-tiny");
    }
  }

  static void assertFalls(List<Double> losses) {
    double first = losses.get(0);
    double lastMin = losses.subList(losses.size() - 3, losses.size()).stream()
        .mapToDouble(Double::doubleValue).min().orElseThrow();
    System.out.println("losses " + losses);
    assertThat(lastMin).as("loss at the end vs the start").isLessThan(first * 0.9);
  }
}
