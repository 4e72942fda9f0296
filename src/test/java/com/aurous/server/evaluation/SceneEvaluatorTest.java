package com.aurous.server.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import com.aurous.server.model.scenes.Anchor;
import com.aurous.server.model.scenes.Background;
import com.aurous.server.model.scenes.HeldOutScenes;
import com.aurous.server.model.scenes.Scene;
import com.aurous.server.model.scenes.SceneColor;
import com.aurous.server.model.scenes.SceneGenerator;
import com.aurous.server.model.scenes.SceneObject;
import com.aurous.server.model.scenes.SceneRasterizer;
import com.aurous.server.model.scenes.SceneShape;
import com.aurous.server.model.scenes.SceneSize;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SceneEvaluatorTest {

  @Test
  void cleanRendersOfHeldOutScenesScoreFullMarksAtSquareAndWideSizes() {
    for (int[] wh : new int[][] {{1024, 1024}, {2048, 1152}}) {
      EvalTally tally = new EvalTally();
      for (HeldOutScenes.Case c : HeldOutScenes.cases(80, 0)) {
        tally.add(SceneEvaluator.score(SceneRasterizer.render(c.scene(), wh[0], wh[1]), wh[0], wh[1],
            c.scene()));
      }
      assertThat(tally.shares().values()).as(wh[0] + "x" + wh[1] + ": " + tally.summary())
          .allSatisfy(v -> assertThat(v).isEqualTo(1.0));
    }
  }

  @Test
  void blurredNoisyRendersAreStillReadMostlyRight() {
    Random noise = new Random(5);
    EvalTally tally = new EvalTally();
    for (HeldOutScenes.Case c : HeldOutScenes.cases(60, 0)) {
      byte[] px = blur(SceneRasterizer.render(c.scene(), 512, 512), 512, 512, 5);
      for (int i = 0; i < px.length; i++) {
        px[i] = (byte) Math.max(0, Math.min(255, (px[i] & 0xFF) + noise.nextGaussian() * 12));
      }
      tally.add(SceneEvaluator.score(px, 512, 512, c.scene()));
    }
    assertThat(tally.share("all")).as(tally.summary()).isGreaterThanOrEqualTo(0.9);
  }

  @Test
  void aBlankImageHasNoObjectsAndOnlyItsBackgroundColour() {
    byte[] black = new byte[256 * 256 * 3];
    for (HeldOutScenes.Case c : HeldOutScenes.cases(20, 0)) {
      ImageScore s = SceneEvaluator.score(black, 256, 256, c.scene());
      assertThat(s.reading().objects()).isEmpty();
      assertThat(s.reading().background()).isEqualTo(SceneColor.BLACK);
      assertThat(s.countRight()).isFalse();
      assertThat(s.colorsRight() + s.shapesRight() + s.positionsRight()).isZero();
      assertThat(s.backgroundRight()).isEqualTo(c.scene().background().color() == SceneColor.BLACK);
      assertThat(s.allRight()).isFalse();
    }
  }

  @Test
  void aWrongColourIsCaughtWhileShapeAndPositionStayRight() {
    Scene asked = scene(new Background(SceneColor.WHITE, false),
        object(SceneShape.STAR, SceneColor.RED, Anchor.LEFT),
        object(SceneShape.SQUARE, SceneColor.BLUE, Anchor.RIGHT));
    Scene drawn = scene(new Background(SceneColor.WHITE, false),
        object(SceneShape.STAR, SceneColor.GREEN, Anchor.LEFT),
        object(SceneShape.SQUARE, SceneColor.BLUE, Anchor.RIGHT));
    ImageScore s = SceneEvaluator.score(SceneRasterizer.render(drawn, 640, 480), 640, 480, asked);
    assertThat(s.objects().get(0).colorRight()).isFalse();
    assertThat(s.objects().get(0).found().color()).isEqualTo(SceneColor.GREEN);
    assertThat(s.objects().get(0).shapeRight()).isTrue();
    assertThat(s.objects().get(0).positionRight()).isTrue();
    assertThat(s.objects().get(1).allRight()).isTrue();
    assertThat(s.countRight()).isTrue();
    assertThat(s.allRight()).isFalse();
  }

  @Test
  void wrongShapePositionCountAndBackgroundAreEachCaught() {
    Background white = new Background(SceneColor.WHITE, false);
    Scene asked = scene(white, object(SceneShape.CIRCLE, SceneColor.RED, Anchor.TOP));

    Scene triangle = scene(white, object(SceneShape.TRIANGLE, SceneColor.RED, Anchor.TOP));
    ImageScore shape = SceneEvaluator.score(SceneRasterizer.render(triangle, 512, 512), 512, 512, asked);
    assertThat(shape.objects().get(0).shapeRight()).isFalse();
    assertThat(shape.objects().get(0).colorRight()).isTrue();

    Scene moved = scene(white, object(SceneShape.CIRCLE, SceneColor.RED, Anchor.BOTTOM));
    ImageScore position = SceneEvaluator.score(SceneRasterizer.render(moved, 512, 512), 512, 512, asked);
    assertThat(position.objects().get(0).positionRight()).isFalse();

    Scene two = scene(white, object(SceneShape.CIRCLE, SceneColor.RED, Anchor.TOP),
        object(SceneShape.CIRCLE, SceneColor.RED, Anchor.BOTTOM));
    ImageScore count = SceneEvaluator.score(SceneRasterizer.render(two, 512, 512), 512, 512, asked);
    assertThat(count.countRight()).isFalse();
    assertThat(count.objects().get(0).allRight()).isTrue();

    Scene onGradient = scene(new Background(SceneColor.WHITE, true),
        object(SceneShape.CIRCLE, SceneColor.RED, Anchor.TOP));
    ImageScore gradient = SceneEvaluator.score(SceneRasterizer.render(onGradient, 512, 512), 512, 512, asked);
    assertThat(gradient.backgroundRight()).isTrue();
    assertThat(gradient.gradientRight()).isFalse();

    Scene onBlack = scene(new Background(SceneColor.BLACK, false),
        object(SceneShape.CIRCLE, SceneColor.RED, Anchor.TOP));
    assertThat(SceneEvaluator.score(SceneRasterizer.render(onBlack, 512, 512), 512, 512, asked)
        .backgroundRight()).isFalse();
  }

  @Test
  void everyShapeIsClassifiedAtEverySize() {
    for (SceneShape shape : SceneShape.values()) {
      for (SceneSize size : SceneSize.values()) {
        Scene s = new Scene(0, new Background(SceneColor.YELLOW, true), List.of(new SceneObject(shape,
            SceneColor.PURPLE, size, Anchor.CENTER, 0.5, 0.5)), "x");
        SceneReading r = SceneEvaluator.read(SceneRasterizer.render(s, 300, 200), 300, 200);
        assertThat(r.objects()).hasSize(1);
        assertThat(r.objects().get(0).shape()).as(shape + " " + size + " " + r).isEqualTo(shape);
      }
    }
  }

  @Test
  void specksAreNotObjects() {
    Scene s = SceneGenerator.scene(SceneGenerator.HELD_OUT_FIRST_SEED);
    byte[] px = SceneRasterizer.render(s, 512, 512);
    // A 6x6 smudge in a corner is 0.014% of the image: below the smallest object.
    for (int y = 30; y < 36; y++) {
      for (int x = 30; x < 36; x++) {
        px[(y * 512 + x) * 3] = (byte) (px[(y * 512 + x) * 3] ^ 0x80);
      }
    }
    assertThat(SceneEvaluator.read(px, 512, 512).objects()).hasSize(s.objects().size());
  }

  private static Scene scene(Background bg, SceneObject... objects) {
    return new Scene(0, bg, List.of(objects), "x");
  }

  private static SceneObject object(SceneShape shape, SceneColor color, Anchor anchor) {
    return new SceneObject(shape, color, SceneSize.MEDIUM, anchor, anchor.x(), anchor.y());
  }

  private static byte[] blur(byte[] p, int w, int h, int k) {
    byte[] a = p.clone();
    byte[] b = new byte[p.length];
    for (int pass = 0; pass < 2; pass++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          for (int c = 0; c < 3; c++) {
            int sum = 0;
            for (int d = -k; d <= k; d++) {
              int xx = pass == 0 ? Math.min(w - 1, Math.max(0, x + d)) : x;
              int yy = pass == 1 ? Math.min(h - 1, Math.max(0, y + d)) : y;
              sum += a[(yy * w + xx) * 3 + c] & 0xFF;
            }
            b[(y * w + x) * 3 + c] = (byte) (sum / (2 * k + 1));
          }
        }
      }
      byte[] t = a;
      a = b;
      b = t;
    }
    return a;
  }
}
