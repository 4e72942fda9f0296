package com.aurous.server.model.tiny;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.tensorflow.EagerSession;
import org.tensorflow.ndarray.FloatNdArray;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class PositionFeaturesTest {

  @Test
  void everyCellGetsItsCanvasRelativeCoordinatesAtAnyAspect() {
    try (EagerSession session = EagerSession.create()) {
      Ops tf = Ops.create(session);
      // A 21:9-like latent: 3 rows, 7 columns.
      FloatNdArray f = TinyNet.positionFeatures(tf, tf.constant(3), tf.constant(7)).asTensor();
      assertArrayEquals(new long[] {1, 3, 7, TinyNet.POSITION_FEATURES}, f.shape().asArray());
      int yFirst = TinyNet.POSITION_FEATURES / 2;
      // x runs left to right over cell centres, whatever the row; y top to bottom.
      assertEquals(-6f / 7, f.getFloat(0, 1, 0, 0), 1e-6);
      assertEquals(0f, f.getFloat(0, 2, 3, 0), 1e-6);
      assertEquals(6f / 7, f.getFloat(0, 0, 6, 0), 1e-6);
      assertEquals(-2f / 3, f.getFloat(0, 0, 5, yFirst), 1e-6);
      assertEquals(2f / 3, f.getFloat(0, 2, 5, yFirst), 1e-6);
      // Two columns: the left cell's centre is x = -0.5, whose first sine is sin(-pi / 2) = -1.
      FloatNdArray g = TinyNet.positionFeatures(tf, tf.constant(1), tf.constant(2)).asTensor();
      assertEquals(-1f, g.getFloat(0, 0, 0, 1), 1e-6);
    }
  }

  @Test
  void theLeftAndRightOfACanvasCanBeToldApart() {
    try (EagerSession session = EagerSession.create()) {
      Ops tf = Ops.create(session);
      TFloat32 f = TinyNet.positionFeatures(tf, tf.constant(32), tf.constant(32)).asTensor();
      // Symmetric padding made mirrored cells identical to the network; their features differ.
      float left = f.getFloat(0, 16, 2, 0);
      float right = f.getFloat(0, 16, 29, 0);
      assertEquals(-right, left, 1e-6);
      org.junit.jupiter.api.Assertions.assertTrue(left < -0.8f);
    }
  }
}
