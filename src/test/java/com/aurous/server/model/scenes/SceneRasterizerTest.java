package com.aurous.server.model.scenes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SceneRasterizerTest {

  private static final int[][] SIZES = {{1024, 1024}, {2048, 1152}, {768, 1344}};

  @Test
  void objectsLandAtTheirCentresWithTheirAreaAtEveryAspectRatio() {
    for (int[] wh : SIZES) {
      int w = wh[0];
      int h = wh[1];
      for (long seed = 0; seed < 12; seed++) {
        Scene s = SceneGenerator.scene(seed);
        byte[] px = SceneRasterizer.render(s, w, h);
        for (SceneObject o : s.objects()) {
          if (s.objects().stream().filter(p -> p.color() == o.color()).count() > 1) {
            continue;
          }
          double r = o.radius(w, h);
          double cx = o.centerX(w);
          double cy = o.centerY(h);
          double reach = r * o.shape().extent() + 2;
          double sum = 0;
          double sx = 0;
          double sy = 0;
          for (int y = (int) (cy - reach); y <= cy + reach; y++) {
            for (int x = (int) (cx - reach); x <= cx + reach; x++) {
              double a = coverage(px, w, x, y, o.color().rgb(), rowBackground(s.background(), y, h));
              sum += a;
              sx += a * (x + 0.5);
              sy += a * (y + 0.5);
            }
          }
          String what = seed + " " + o + " at " + w + "x" + h;
          assertThat(sum / area(o.shape(), r)).as(what).isBetween(0.98, 1.02);
          assertThat(sx / sum).as(what).isCloseTo(cx, org.assertj.core.data.Offset.offset(1.0));
          assertThat(sy / sum).as(what).isCloseTo(cy, org.assertj.core.data.Offset.offset(1.0));
        }
      }
    }
  }

  @Test
  void justOutsideEachObjectIsTheBackgroundAndItsBodyIsItsColour() {
    for (int[] wh : SIZES) {
      int w = wh[0];
      int h = wh[1];
      for (long seed = 100; seed < 130; seed++) {
        Scene s = SceneGenerator.scene(seed);
        byte[] px = SceneRasterizer.render(s, w, h);
        for (SceneObject o : s.objects()) {
          int cx = (int) o.centerX(w);
          int cy = (int) o.centerY(h);
          double r = o.radius(w, h);
          int bodyY = o.shape() == SceneShape.RING ? (int) (cy - r * (1 + SceneShape.RING_INNER) / 2)
              : cy;
          assertThat(rgb(px, w, cx, bodyY)).as("%d %s", seed, o).isEqualTo(o.color().rgb());
          int out = (int) Math.ceil(r * (o.shape() == SceneShape.SQUARE
              ? SceneShape.SQUARE_HALF_SIDE : 1.0)) + 2;
          int[][] probes = {{cx - out, cy}, {cx + out, cy}, {cx, cy - out}, {cx, cy + out}};
          for (int[] p : probes) {
            assertThat(rgb(px, w, p[0], p[1])).as("%d %s probe %s", seed, o, Arrays.toString(p))
                .isEqualTo(rowBackground(s.background(), p[1], h));
          }
        }
      }
    }
  }

  @Test
  void aGradientRunsFromLighterAtTheTopToDarkerAtTheBottom() {
    Scene s = new Scene(0, new Background(SceneColor.BLUE, true),
        java.util.List.of(new SceneObject(SceneShape.CIRCLE, SceneColor.WHITE, SceneSize.SMALL,
            Anchor.CENTER, 0.5, 0.5)), "a white circle in the center on a blue gradient background");
    byte[] px = SceneRasterizer.render(s, 64, 640);
    int top = rgb(px, 64, 0, 0);
    int bottom = rgb(px, 64, 0, 639);
    assertThat(luma(top)).isGreaterThan(luma(SceneColor.BLUE.rgb()) + 20);
    assertThat(luma(bottom)).isLessThan(luma(SceneColor.BLUE.rgb()) - 10);
    assertThat(rgb(px, 64, 0, 320)).isEqualTo(rowBackground(s.background(), 320, 640));
  }

  @Test
  void aCropIsExactlyThatRegionOfTheFullCanvas() {
    Scene s = SceneGenerator.scene(3);
    int w = 2048;
    int h = 1152;
    byte[] full = SceneRasterizer.render(s, w, h);
    int[][] windows = {{0, 0, 256, 256}, {700, 300, 256, 256}, {1792, 896, 256, 256},
        {5, 7, 31, 17}};
    for (int[] win : windows) {
      byte[] crop = SceneRasterizer.renderCrop(s, w, h, win[0], win[1], win[2], win[3]);
      for (int y = 0; y < win[3]; y++) {
        int from = ((win[1] + y) * w + win[0]) * 3;
        assertThat(Arrays.copyOfRange(crop, y * win[2] * 3, (y + 1) * win[2] * 3))
            .as("row %d of %s", y, Arrays.toString(win))
            .isEqualTo(Arrays.copyOfRange(full, from, from + win[2] * 3));
      }
    }
    byte[] batch = new byte[2 * 16 * 16 * 3];
    SceneRasterizer.renderCrop(s, w, h, 700, 300, 16, 16, batch, 16 * 16 * 3);
    assertThat(Arrays.copyOfRange(batch, 16 * 16 * 3, batch.length))
        .isEqualTo(SceneRasterizer.renderCrop(s, w, h, 700, 300, 16, 16));
  }

  @Test
  void aCropOutsideTheCanvasIsRefused() {
    Scene s = SceneGenerator.scene(3);
    assertThatThrownBy(() -> SceneRasterizer.renderCrop(s, 256, 256, 200, 0, 64, 64))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SceneRasterizer.renderCrop(s, 256, 256, 0, 0, 64, 64, new byte[10], 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Fraction of the object colour in a pixel, from where it lies between background and colour. */
  private static double coverage(byte[] px, int w, int x, int y, int color, int bg) {
    int p = rgb(px, w, x, y);
    double num = 0;
    double den = 0;
    for (int shift = 0; shift <= 16; shift += 8) {
      double c = (color >> shift) & 0xFF;
      double b = (bg >> shift) & 0xFF;
      double v = (p >> shift) & 0xFF;
      num += (v - b) * (c - b);
      den += (c - b) * (c - b);
    }
    return Math.max(0, Math.min(1, num / den));
  }

  private static double area(SceneShape shape, double r) {
    switch (shape) {
      case CIRCLE:
        return Math.PI * r * r;
      case RING:
        return Math.PI * r * r * (1 - SceneShape.RING_INNER * SceneShape.RING_INNER);
      case SQUARE:
        return Math.pow(2 * SceneShape.SQUARE_HALF_SIDE * r, 2);
      case TRIANGLE:
        return 3 * Math.sqrt(3) / 4 * r * r;
      default:
        return 5 * r * (r * SceneShape.STAR_INNER) * Math.sin(Math.toRadians(36));
    }
  }

  private static int rowBackground(Background bg, int y, int h) {
    return SceneRasterizer.backgroundRgb(bg, y, h);
  }

  private static int rgb(byte[] px, int w, int x, int y) {
    int i = (y * w + x) * 3;
    return ((px[i] & 0xFF) << 16) | ((px[i + 1] & 0xFF) << 8) | (px[i + 2] & 0xFF);
  }

  private static int luma(int rgb) {
    return (((rgb >> 16) & 0xFF) * 3 + ((rgb >> 8) & 0xFF) * 6 + (rgb & 0xFF)) / 10;
  }
}
