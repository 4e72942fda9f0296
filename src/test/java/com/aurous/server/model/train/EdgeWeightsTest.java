package com.aurous.server.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

import com.aurous.server.model.scenes.Anchor;
import com.aurous.server.model.scenes.Background;
import com.aurous.server.model.scenes.Scene;
import com.aurous.server.model.scenes.SceneColor;
import com.aurous.server.model.scenes.SceneObject;
import com.aurous.server.model.scenes.SceneRasterizer;
import com.aurous.server.model.scenes.SceneShape;
import com.aurous.server.model.scenes.SceneSize;
import com.aurous.server.model.tiny.AurousTinyExporter;

class EdgeWeightsTest {

  @TempDir
  Path tmp;

  @Test
  void onlyTheCellsAnObjectsOutlineCrossesWeighMoreInsideAndOutsideWeighOne() {
    // A large red square in the middle of a blue quarter-size picture: 32 x 32 cells of 8 px.
    SceneObject square = new SceneObject(SceneShape.SQUARE, SceneColor.RED, SceneSize.LARGE,
        Anchor.CENTER, 0.5, 0.5);
    Scene scene = new Scene(1, new Background(SceneColor.BLUE, false), List.of(square), "a red square");
    int side = 256;
    float[] px = new float[side * side * 3];
    SceneTrainingData.toUnit(SceneRasterizer.render(scene, side, side), px, 0);
    float[] w = new float[32 * 32];
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      var weights = VelocityObjective.edgeWeights(tf,
          tf.constant(org.tensorflow.ndarray.Shape.of(1, side, side, 3), DataBuffers.of(px)), 8f);
      try (Result r = s.runner().fetch(weights).run()) {
        ((TFloat32) r.get(0)).copyTo(DataBuffers.of(w, false, false));
      }
    }
    // The square spans pixels 128 +- 43, i.e. cells 10.6 to 21.4 on each axis.
    assertThat(w[16 * 32 + 16]).as("inside").isCloseTo(1f, within(0.001f));
    assertThat(w[2 * 32 + 2]).as("background").isCloseTo(1f, within(0.001f));
    assertThat(w[16 * 32 + 10]).as("left edge").isEqualTo(9f);
    assertThat(w[21 * 32 + 16]).as("bottom edge").isEqualTo(9f);
    int edges = 0;
    for (float v : w) {
      assertThat(v).isBetween(1f, 9f);
      edges += v > 1.5f ? 1 : 0;
    }
    assertThat(edges).as("the outline's cells, about 4 x 11").isBetween(36, 48);
  }

  @Test
  void theEdgeWeightedObjectiveTrainsAndItsLossFallsOnAFixedBatch() throws Exception {
    // A LoRA is the cheapest trainer on the denoiser's objective: a few steps on one repeated batch.
    TrainConfig cfg = LoraTrainer.smoke(tmp.resolve("run")).withEdgeWeight(8f);
    LoraTrainer.Result r = new LoraTrainer(cfg, LoraStyle.NEON,
        AurousTinyExporter.builtInWeights(), 2, System.out).run();
    ModelTrainingSmokeTest.assertFalls(r.losses());
  }
}
