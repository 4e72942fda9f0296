package com.aurous.server.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class ModelManifestTest {

  private static final String GOOD = """
      {"name":"m","latent_channels":4,"latent_downscale":8,"resolution_multiple":32,
       "context_length":32,"context_dim":64,
       "tokenizer":{"type":"word-hash","vocab_size":4096,"max_length":32},
       "defaults":{"steps":11,"guidance_scale":4.3,"cfg_rescale":0.7},
       "num_train_timesteps":1000,"beta_start":0.00085,"beta_end":0.012,
       "beta_schedule":"scaled_linear","prediction_type":"epsilon"}
      """;

  private final ObjectMapper json = new ObjectMapper();

  private ObjectNode good() throws Exception {
    return (ObjectNode) json.readTree(GOOD);
  }

  @Test
  void parsesAllFields() throws Exception {
    ModelManifest m = ModelManifest.parse(good(), "test");
    assertThat(m.name()).isEqualTo("m");
    assertThat(m.latentChannels()).isEqualTo(4);
    assertThat(m.tokenizer().vocabSize()).isEqualTo(4096);
    assertThat(m.defaults().guidanceScale()).isEqualTo(4.3);
    assertThat(m.defaults().steps()).isEqualTo(11);
    assertThat(m.betaSchedule()).isEqualTo("scaled_linear");
    assertThat(m.predictionType()).isEqualTo("epsilon");
  }

  @Test
  void theScheduleOptionsDefaultToStableDiffusionsAndParseWhenGiven() throws Exception {
    ModelManifest plain = ModelManifest.parse(good(), "test");
    assertThat(plain.rescaleZeroTerminalSnr()).isFalse();
    assertThat(plain.timestepSpacing()).isEqualTo("leading");
    ObjectNode n = good();
    n.put("rescale_betas_zero_snr", true);
    n.put("timestep_spacing", "trailing");
    ModelManifest z = ModelManifest.parse(n, "test");
    assertThat(z.rescaleZeroTerminalSnr()).isTrue();
    assertThat(z.timestepSpacing()).isEqualTo("trailing");
    ObjectNode bad = good();
    bad.put("timestep_spacing", "linspace");
    assertThatThrownBy(() -> ModelManifest.parse(bad, "test"))
        .hasMessageContaining("field 'timestep_spacing' unknown spacing 'linspace'");
    ObjectNode wrongType = good();
    wrongType.put("rescale_betas_zero_snr", "yes");
    assertThatThrownBy(() -> ModelManifest.parse(wrongType, "test"))
        .hasMessageContaining("field 'rescale_betas_zero_snr' must be true or false");
  }

  @Test
  void namesMissingField() throws Exception {
    ObjectNode n = good();
    n.remove("latent_channels");
    assertThatThrownBy(() -> ModelManifest.parse(n, "test"))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("test: field 'latent_channels' is missing");
  }

  @Test
  void namesNestedAndWrongTypedFields() throws Exception {
    ObjectNode n = good();
    ((ObjectNode) n.get("defaults")).put("steps", "eleven");
    assertThatThrownBy(() -> ModelManifest.parse(n, "test"))
        .hasMessageContaining("field 'defaults.steps' must be an integer");

    ObjectNode n2 = good();
    n2.put("beta_schedule", "cosine");
    assertThatThrownBy(() -> ModelManifest.parse(n2, "test"))
        .hasMessageContaining("field 'beta_schedule' unknown schedule 'cosine'");

    ObjectNode n3 = good();
    ((ObjectNode) n3.get("tokenizer")).put("max_length", 77);
    assertThatThrownBy(() -> ModelManifest.parse(n3, "test"))
        .hasMessageContaining("field 'tokenizer.max_length' must equal context_length (32)");

    ObjectNode n4 = good();
    n4.put("beta_end", 0.0001);
    assertThatThrownBy(() -> ModelManifest.parse(n4, "test"))
        .hasMessageContaining("field 'beta_end'");
  }
}
