package com.aurous.server.model.scenes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Seeded synthetic scenes: 1-3 objects at distinct anchors on a solid or gradient background, each
 * with a caption. {@link #scene(long)} is a pure function of the scene seed; a generator hands out
 * the scenes of consecutive seeds starting at its own.
 *
 * <p>Held-out split: scene seeds {@code >= }{@link #HELD_OUT_FIRST_SEED} are evaluation-only. A
 * generator started below that seed refuses to cross into it, so training can never draw an
 * evaluation scene by running long.
 *
 * <p>Layout rules (checked on a square canvas, the tightest case: widening or heightening the
 * canvas only moves anchors further apart in short-side units): objects never touch (a gap of
 * {@link #MIN_GAP} of the short side), keep {@link #MIN_MARGIN} from the edges, and every object
 * colour differs from every shade of the background by at least {@link #MIN_CONTRAST} (CIE76).
 * When a drawn layout breaks a rule the jitter is halved, then sizes are stepped down, so a
 * centre object next to another is usually small.
 *
 * <p>Not thread-safe (it counts); {@link #scene(long)} is stateless and is.
 */
public final class SceneGenerator {

  /** First scene seed of the evaluation-only range. */
  public static final long HELD_OUT_FIRST_SEED = 1_000_000_000L;
  /** Largest anchor jitter, as a fraction of width (x) and height (y). */
  public static final double JITTER = 0.03;
  public static final double MIN_GAP = 0.03;
  public static final double MIN_MARGIN = 0.025;
  public static final double MIN_CONTRAST = 30.0;
  /** Probability of a gradient background. */
  public static final double GRADIENT_SHARE = 0.3;

  private final long first;
  private long nextSeed;

  public SceneGenerator(long seed) {
    this.first = seed;
    this.nextSeed = seed;
  }

  /** The scene of the next seed. */
  public Scene next() {
    if (first < HELD_OUT_FIRST_SEED && nextSeed >= HELD_OUT_FIRST_SEED) {
      throw new IllegalStateException("a training generator reached the held-out seeds");
    }
    return scene(nextSeed++);
  }

  /** True for scene seeds reserved for evaluation. */
  public static boolean isHeldOut(long sceneSeed) {
    return sceneSeed >= HELD_OUT_FIRST_SEED;
  }

  /** The scene of one seed, the same on every call and every JVM. */
  public static Scene scene(long sceneSeed) {
    SceneRandom rnd = new SceneRandom(sceneSeed);
    SceneColor[] colors = SceneColor.values();
    Background background = new Background(rnd.pick(colors), rnd.chance(GRADIENT_SHARE));
    List<SceneColor> allowed = contrasting(background);

    double roll = rnd.nextDouble();
    int count = roll < 0.4 ? 1 : roll < 0.75 ? 2 : 3;
    boolean alike = count > 1 && rnd.chance(0.2);

    List<Anchor> anchors = new ArrayList<>(Arrays.asList(Anchor.values()));
    for (int i = anchors.size() - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      Anchor t = anchors.get(i);
      anchors.set(i, anchors.get(j));
      anchors.set(j, t);
    }
    SceneShape[] shapes = new SceneShape[count];
    SceneColor[] objColors = new SceneColor[count];
    SceneSize[] sizes = new SceneSize[count];
    double[] jx = new double[count];
    double[] jy = new double[count];
    for (int i = 0; i < count; i++) {
      boolean copy = alike && i > 0;
      shapes[i] = copy ? shapes[0] : rnd.pick(SceneShape.values());
      objColors[i] = copy ? objColors[0] : rnd.pick(allowed);
      sizes[i] = copy ? sizes[0] : rnd.pick(SceneSize.values());
      jx[i] = (rnd.nextDouble() * 2 - 1) * JITTER;
      jy[i] = (rnd.nextDouble() * 2 - 1) * JITTER;
    }

    List<SceneObject> objects = layout(count, alike, anchors, shapes, objColors, sizes, jx, jy);
    String caption = CaptionWriter.write(rnd, background, objects, alike);
    return new Scene(sceneSeed, background, objects, caption);
  }

  /** Object colours with enough contrast against every shade of the background. */
  static List<SceneColor> contrasting(Background background) {
    List<SceneColor> out = new ArrayList<>();
    for (SceneColor c : SceneColor.values()) {
      boolean ok = true;
      for (double t = 0; t <= 1.0001 && ok; t += 0.125) {
        ok = c.deltaE(Cielab.fromRgb(background.at(t))) >= MIN_CONTRAST;
      }
      if (ok) {
        out.add(c);
      }
    }
    return out;
  }

  private static List<SceneObject> layout(int count, boolean alike, List<Anchor> anchors,
      SceneShape[] shapes, SceneColor[] colors, SceneSize[] sizes, double[] jx, double[] jy) {
    while (true) {
      for (double scale = 1; scale >= 0.1; scale /= 2) {
        List<SceneObject> objs = place(count, anchors, shapes, colors, sizes, jx, jy, scale);
        if (violation(objs) < 0) {
          return objs;
        }
      }
      List<SceneObject> still = place(count, anchors, shapes, colors, sizes, jx, jy, 0);
      int bad = violation(still);
      if (bad < 0) {
        return still;
      }
      // Shrink the offender (every object when they are alike, so the caption stays true).
      for (int i = 0; i < count; i++) {
        if ((alike || i == bad) && sizes[i] != SceneSize.SMALL) {
          sizes[i] = SceneSize.values()[sizes[i].ordinal() - 1];
        }
      }
      // Small objects always fit at exact anchors; this guards against a future rule change.
      if (Arrays.stream(sizes).allMatch(s -> s == SceneSize.SMALL) && violation(
          place(count, anchors, shapes, colors, sizes, jx, jy, 0)) >= 0) {
        throw new IllegalStateException("scene layout rules cannot be met");
      }
    }
  }

  private static List<SceneObject> place(int count, List<Anchor> anchors, SceneShape[] shapes,
      SceneColor[] colors, SceneSize[] sizes, double[] jx, double[] jy, double scale) {
    List<SceneObject> objs = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Anchor a = anchors.get(i);
      objs.add(new SceneObject(shapes[i], colors[i], sizes[i], a, a.x() + jx[i] * scale,
          a.y() + jy[i] * scale));
    }
    return objs;
  }

  /**
   * Index of an object breaking a layout rule on the unit square (the larger of a touching
   * pair), or -1 when all hold. Overlap uses each shape's support distance along the line between
   * the centres, so an axis-aligned square next to a neighbour counts with its half side.
   */
  static int violation(List<SceneObject> objs) {
    for (int i = 0; i < objs.size(); i++) {
      SceneObject o = objs.get(i);
      double r = o.size().radius();
      if (o.cx() - support(o, -1, 0) * r < MIN_MARGIN || o.cx() + support(o, 1, 0) * r > 1 - MIN_MARGIN
          || o.cy() - support(o, 0, -1) * r < MIN_MARGIN || o.cy() + support(o, 0, 1) * r > 1 - MIN_MARGIN) {
        return i;
      }
      for (int j = 0; j < i; j++) {
        SceneObject p = objs.get(j);
        double dx = p.cx() - o.cx();
        double dy = p.cy() - o.cy();
        double d = Math.hypot(dx, dy);
        double ux = dx / d;
        double uy = dy / d;
        double reach = support(o, ux, uy) * r + support(p, -ux, -uy) * p.size().radius();
        if (reach + MIN_GAP > d) {
          return o.size().ordinal() >= p.size().ordinal() ? i : j;
        }
      }
    }
    return -1;
  }

  /** How far the shape reaches from its centre along unit direction (ux, uy), in radii. */
  private static double support(SceneObject o, double ux, double uy) {
    if (o.shape() == SceneShape.SQUARE) {
      return SceneShape.SQUARE_HALF_SIDE * (Math.abs(ux) + Math.abs(uy));
    }
    return 1.0;
  }
}
