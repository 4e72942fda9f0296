package com.aurous.server.model.train;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

import com.aurous.server.model.tiny.Adapter;
import com.aurous.server.model.tiny.Params;
import com.aurous.server.model.tiny.TinyNet;
import com.aurous.server.model.tiny.WeightFile;

/**
 * A LoRA on a trained aurous-tiny: every base weight is a graph constant, only the adapter's A and
 * B matrices ({@link Adapter#TARGETS}, rank {@code rank}) are variables, trained on the denoiser's
 * own objective over re-coloured scenes. Its weight file holds the {@code lora/...} tensors only.
 */
final class LoraStage extends Stage<VelocityObjective.Batch> {

  private final Params params;
  private final VelocityObjective objective;
  private final int rank;

  LoraStage(TrainConfig cfg, TrainingScenes scenes, WeightFile base, int rank, PrintStream log) {
    super("lora", cfg, log);
    Map<String, WeightFile.Tensor> frozen = new LinkedHashMap<>(base.tensors());
    frozen.keySet().removeIf(k -> k.startsWith("lora/"));
    this.params = new Params(cfg.seed() + 2, frozen, n -> !n.startsWith("lora/"));
    this.objective = new VelocityObjective(cfg, scenes);
    this.rank = rank;
  }

  @Override
  Operand<TFloat32> build(Ops tf, Params p) {
    return objective.loss(tf, new TinyNet(tf, p, Adapter.trainable(p, rank)));
  }

  @Override
  Params params() {
    return params;
  }

  @Override
  VelocityObjective.Batch batch(long index) {
    return objective.batch(index);
  }

  @Override
  int totalSteps() {
    return cfg.steps();
  }

  @Override
  float learningRate() {
    return cfg.learningRate();
  }

  @Override
  WeightFile weights(Params p, Session session) {
    Map<String, WeightFile.Tensor> m = new LinkedHashMap<>();
    p.variableValues(session).forEach((k, v) -> m.put(k, new WeightFile.Tensor(p.dims(k), v)));
    return new WeightFile(m);
  }
}
