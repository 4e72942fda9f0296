package com.aurous.server.model.train;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

import com.aurous.server.model.tiny.Params;
import com.aurous.server.model.tiny.WeightFile;

/**
 * Stage 3 (optional, {@code --decoder-steps}): more training of the decoder alone, starting from
 * stage 1's weights, with the encoder frozen. The latents the denoiser learned stay exactly what
 * they were, so this sharpens pictures without touching the denoiser.
 */
final class DecoderStage extends Stage<AutoencoderStage.Batch> {

  private final AutoencoderStage crops;
  private final WeightFile base;
  private final Params params;

  DecoderStage(TrainConfig cfg, CroppedScenes scenes, WeightFile base, PrintStream log) {
    super("decoder", cfg, log);
    this.crops = new AutoencoderStage(cfg, scenes, log);
    this.base = base;
    this.params = new Params(cfg.seed() + 2, base.tensors(),
        n -> n.startsWith("encoder/") || n.startsWith("latent/"));
  }

  @Override
  Params params() {
    return params;
  }

  @Override
  int totalSteps() {
    return cfg.decoderSteps();
  }

  @Override
  float learningRate() {
    return cfg.aeLearningRate() * 0.5f;
  }

  @Override
  Operand<TFloat32> build(Ops tf, Params p) {
    return crops.build(tf, p);
  }

  @Override
  AutoencoderStage.Batch batch(long index) {
    // Crops the autoencoder stage never used (its indices stay far below).
    return crops.batch(50_000_000L + index);
  }

  @Override
  WeightFile weights(Params p, Session session) {
    Map<String, WeightFile.Tensor> m = new LinkedHashMap<>(base.tensors());
    m.putAll(p.snapshot(session).tensors());
    return new WeightFile(m);
  }
}
