package com.aurous.server.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.aurous.server.model.FakeModels.Defect;

/** Broken model directories must fail in {@link DiffusionModel#load}, naming the problem. */
class DiffusionModelLoadFailureTest {

  @TempDir
  Path tmp;

  private Path fake(Defect defect) throws Exception {
    Path dir = tmp.resolve(defect.name().toLowerCase());
    FakeModels.export(dir, defect);
    writeTinyManifest(dir);
    return dir;
  }

  /** The fakes share aurous-tiny's sizes, so they reuse its manifest. */
  private static void writeTinyManifest(Path dir) throws Exception {
    Files.writeString(dir.resolve(ModelManifest.FILE_NAME), """
        {"name":"fake","latent_channels":4,"latent_downscale":8,"resolution_multiple":32,
         "context_length":32,"context_dim":64,
         "tokenizer":{"type":"word-hash","vocab_size":4096,"max_length":32},
         "defaults":{"steps":11,"guidance_scale":4.3,"cfg_rescale":0.7},
         "num_train_timesteps":1000,"beta_start":0.00085,"beta_end":0.012,
         "beta_schedule":"scaled_linear","prediction_type":"epsilon"}
        """);
  }

  @Test
  void wellFormedFakeLoads() throws Exception {
    try (DiffusionModel m = DiffusionModel.load(fake(Defect.NONE), "CPU:0", 1)) {
      assertThat(m.manifest().name()).isEqualTo("fake");
      assertThat(m.device()).isEqualTo("CPU:0");
    }
  }

  @Test
  void missingSignature() throws Exception {
    Path dir = fake(Defect.NO_DECODE);
    assertThatThrownBy(() -> DiffusionModel.load(dir, "CPU:0", 1))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("model at " + dir + ": signature 'decode' is missing");
  }

  @Test
  void wrongInputDtype() throws Exception {
    Path dir = fake(Defect.TIMESTEPS_INT32);
    assertThatThrownBy(() -> DiffusionModel.load(dir, "CPU:0", 1))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("model at " + dir
            + ": signature 'denoise' input 'timesteps' has dtype int32, expected float32");
  }

  @Test
  void fixedBatchDimension() throws Exception {
    Path dir = fake(Defect.FIXED_BATCH);
    assertThatThrownBy(() -> DiffusionModel.load(dir, "CPU:0", 1))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("model at " + dir
            + ": signature 'denoise' input 'latents' has fixed dimension 0 = 2");
  }

  @Test
  void wrongOutputName() throws Exception {
    Path dir = fake(Defect.WRONG_OUTPUT_NAME);
    assertThatThrownBy(() -> DiffusionModel.load(dir, "CPU:0", 1))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("model at " + dir
            + ": signature 'denoise' output 'noise_pred' is missing");
  }

  @Test
  void manifestDisagreesWithGraph() throws Exception {
    Path dir = fake(Defect.NONE);
    String json = Files.readString(dir.resolve(ModelManifest.FILE_NAME))
        .replace("\"context_dim\":64", "\"context_dim\":768");
    Files.writeString(dir.resolve(ModelManifest.FILE_NAME), json);
    assertThatThrownBy(() -> DiffusionModel.load(dir, "CPU:0", 1))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("model at " + dir
            + ": signature 'encode_prompt' output 'context' has dimension 2 = 64");
  }

  @Test
  void badManifest() throws Exception {
    Path dir = fake(Defect.NONE);
    String json = Files.readString(dir.resolve(ModelManifest.FILE_NAME))
        .replace("\"prediction_type\":\"epsilon\"", "\"prediction_type\":\"sample\"");
    Files.writeString(dir.resolve(ModelManifest.FILE_NAME), json);
    assertThatThrownBy(() -> DiffusionModel.load(dir, "CPU:0", 1))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("model at " + dir + ": manifest aurous-model.json: field "
            + "'prediction_type' unknown prediction type 'sample'");

    Files.writeString(dir.resolve(ModelManifest.FILE_NAME), "{ not json");
    assertThatThrownBy(() -> DiffusionModel.load(dir, "CPU:0", 1))
        .hasMessageContaining("aurous-model.json is not valid JSON");

    Files.delete(dir.resolve(ModelManifest.FILE_NAME));
    assertThatThrownBy(() -> DiffusionModel.load(dir, "CPU:0", 1))
        .hasMessage("model at " + dir + ": manifest aurous-model.json is missing");
  }

  @Test
  void notASavedModel() throws Exception {
    Path dir = tmp.resolve("empty");
    Files.createDirectories(dir);
    writeTinyManifest(dir);
    assertThatThrownBy(() -> DiffusionModel.load(dir, "CPU:0", 1))
        .hasMessage("model at " + dir + ": saved_model.pb is missing");

    Files.write(dir.resolve("saved_model.pb"), new byte[] {1, 2, 3, 4, 5});
    assertThatThrownBy(() -> DiffusionModel.load(dir, "CPU:0", 1))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("model at " + dir + ": cannot load SavedModel");
  }

  @Test
  void badDevice() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("any"));
    assertThatThrownBy(() -> DiffusionModel.load(dir, "TPU:0", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("device must be CPU:n or GPU:n, got 'TPU:0'");
  }
}
