package com.aurous.server.model.train;

import java.util.SplittableRandom;

import com.aurous.server.model.scenes.Scene;
import com.aurous.server.model.scenes.SceneGenerator;
import com.aurous.server.model.scenes.SceneObject;
import com.aurous.server.model.scenes.SceneRasterizer;

/**
 * Training pictures from the synthetic scene generator. Sample {@code index} uses scene seed
 * {@code (first + index) mod 1e9}, never a held-out seed (those start at
 * {@link SceneGenerator#HELD_OUT_FIRST_SEED}).
 */
final class SceneTrainingData implements CroppedScenes {

  /** Canvas aspect ratios (width : height) for autoencoder crops. */
  private static final int[][] CANVASES = {{1, 1}, {16, 9}, {9, 16}, {3, 2}, {2, 3}, {21, 9}};

  private final long seed;
  private final long first;

  SceneTrainingData(long seed) {
    this.seed = seed;
    this.first = Math.floorMod(seed * 7_919L, SceneGenerator.HELD_OUT_FIRST_SEED);
  }

  Scene sceneOf(long index) {
    return SceneGenerator.scene(Math.floorMod(first + index, SceneGenerator.HELD_OUT_FIRST_SEED));
  }

  /**
   * A crop of a 1024-long-side canvas in a random aspect; 70% of crops are centred near an
   * object (edges are what the decoder must learn, flat background is easy).
   */
  @Override
  public void crop(long index, int crop, float[] dst, int offset) {
    Scene scene = sceneOf(index);
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
    int[] a = CANVASES[r.nextInt(CANVASES.length)];
    int long1024 = 1024 * crop / 256;
    int width = a[0] >= a[1] ? long1024 : long1024 * a[0] / a[1];
    int height = a[1] >= a[0] ? long1024 : long1024 * a[1] / a[0];
    width = Math.max(width, crop);
    height = Math.max(height, crop);
    int x0;
    int y0;
    if (r.nextDouble() < 0.7 && !scene.objects().isEmpty()) {
      SceneObject o = scene.objects().get(r.nextInt(scene.objects().size()));
      double rad = o.radius(width, height);
      double cx = o.centerX(width) + (r.nextDouble() * 2 - 1) * rad;
      double cy = o.centerY(height) + (r.nextDouble() * 2 - 1) * rad;
      x0 = clamp((int) Math.round(cx - crop / 2.0), width - crop);
      y0 = clamp((int) Math.round(cy - crop / 2.0), height - crop);
    } else {
      x0 = r.nextInt(width - crop + 1);
      y0 = r.nextInt(height - crop + 1);
    }
    byte[] px = SceneRasterizer.renderCrop(scene, width, height, x0, y0, crop, crop);
    toUnit(px, dst, offset);
  }

  @Override
  public String scene(long index, int width, int height, float[] dst, int offset) {
    Scene scene = sceneOf(index);
    toUnit(SceneRasterizer.render(scene, width, height), dst, offset);
    return scene.caption();
  }

  private static int clamp(int v, int max) {
    return Math.max(0, Math.min(max, v));
  }

  static void toUnit(byte[] px, float[] dst, int offset) {
    for (int i = 0; i < px.length; i++) {
      dst[offset + i] = (px[i] & 0xFF) / 127.5f - 1f;
    }
  }
}
