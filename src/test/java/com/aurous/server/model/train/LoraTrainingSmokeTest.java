package com.aurous.server.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.aurous.server.model.tiny.Adapter;
import com.aurous.server.model.tiny.AurousTinyExporter;
import com.aurous.server.model.tiny.WeightFile;

/** A few train-lora steps on one small batch: the adapter's loss falls and its file fits the model. */
class LoraTrainingSmokeTest {

  @TempDir
  Path tmp;

  @Test
  void aFewLoraStepsLowerTheLossTrainOnlyTheAdapterAndResumeAsDone() throws Exception {
    TrainConfig cfg = LoraTrainer.smoke(tmp.resolve("run"));
    WeightFile base = AurousTinyExporter.builtInWeights();
    LoraTrainer.Result r = new LoraTrainer(cfg, LoraStyle.NEON, base, 2, System.out).run();
    ModelTrainingSmokeTest.assertFalls(r.losses());
    WeightFile lora = WeightFile.read(r.weights());
    assertThat(lora.tensors().keySet()).allMatch(k -> k.startsWith("lora/"));
    assertThat(lora.tensors()).hasSize(2 * Adapter.TARGETS.size());
    assertThat(lora.tensors().get("lora/unet/out/a").dims()).containsExactly(32, 2);
    assertThat(Files.readAllLines(cfg.out().resolve("loss.csv"))).hasSize(cfg.steps());

    // Rerunning the same command resumes: the stage is complete, nothing more is trained.
    LoraTrainer.Result again = new LoraTrainer(cfg, LoraStyle.NEON, base, 2, System.out).run();
    assertThat(again.losses()).isEmpty();
    assertThat(Files.readAllLines(cfg.out().resolve("loss.csv"))).hasSize(cfg.steps());
  }

  @Test
  void theStylesRecolourAPictureAsNamed() {
    byte[] px = {(byte) 214, 40, 40, 29, 78, (byte) 216};
    var bg = new com.aurous.server.model.scenes.Background(
        com.aurous.server.model.scenes.SceneColor.BLUE, false);
    byte[] mono = px.clone();
    LoraStyle.MONOCHROME.apply(mono, 2, 1, bg);
    assertThat(mono[0]).isEqualTo(mono[1]).isEqualTo(mono[2]);
    byte[] pastel = px.clone();
    LoraStyle.PASTEL.apply(pastel, 2, 1, bg);
    assertThat(pastel[1] & 0xFF).isGreaterThan(120);
    byte[] neon = px.clone();
    LoraStyle.NEON.apply(neon, 2, 1, bg); // the second pixel is the blue background: dark
    assertThat(neon[0] & 0xFF).isEqualTo(255);
    assertThat(Math.max(neon[3] & 0xFF, Math.max(neon[4] & 0xFF, neon[5] & 0xFF))).isLessThan(30);
  }
}
