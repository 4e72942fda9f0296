package com.aurous.server.evaluation;

import com.aurous.server.model.scenes.Anchor;
import com.aurous.server.model.scenes.Background;
import com.aurous.server.model.scenes.Cielab;
import com.aurous.server.model.scenes.Scene;
import com.aurous.server.model.scenes.SceneColor;
import com.aurous.server.model.scenes.SceneObject;
import com.aurous.server.model.scenes.SceneShape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Reads a generated RGB image (HWC uint8) back into a scene description and scores it against the
 * scene that was asked for. Procedural, no learned parts, so its verdicts can be trusted and
 * explained:
 *
 * <ol>
 *   <li>Background: the border strips (1.2% of the short side) give a per-row colour, fitted as
 *       a quadratic in the row with outlier rows (an object touching the edge) dropped, so
 *       vertical gradients are followed. Its name is the palette colour whose solid or gradient
 *       rendering is nearest to the measured top and bottom colours (CIELAB).</li>
 *   <li>Foreground: pixels more than {@link #FOREGROUND_DELTA_E} from their row's background;
 *       4-connected components smaller than {@link #MIN_AREA} of the short side squared are
 *       specks and ignored.</li>
 *   <li>Colour: the palette entry most interior pixels of the component are nearest to.</li>
 *   <li>Shape: a hole of at least 10% of the filled area is a ring; solidity below 0.78 a star;
 *       otherwise the filled area over the circle through its farthest point separates circle
 *       (1.0), square (0.64) and triangle (0.41), with the polar profile's corner count deciding
 *       near the thresholds.</li>
 *   <li>Position: the anchor nearest the centroid (canvas-relative, as the generator places
 *       them); count: the number of components.</li>
 * </ol>
 *
 * <p>Stateless and thread-safe.
 */
public final class SceneEvaluator {

  public static final double FOREGROUND_DELTA_E = 15.0;
  /** Smallest object, as a fraction of the short side squared (a small star is 0.013). */
  public static final double MIN_AREA = 0.0015;
  /** Farthest a found centroid may be from an asked anchor to be matched to it (relative units). */
  public static final double MATCH_RADIUS = 0.3;
  private static final double BORDER = 0.012;
  private static final int PROFILE_BINS = 72;
  /** Short side the image is box-averaged down to before reading (a small star is ~26 px). */
  static final int WORKING_SIZE = 256;

  private SceneEvaluator() {}

  /** Reads the image and scores it against {@code expected}. */
  public static ImageScore score(byte[] rgb, int width, int height, Scene expected) {
    return score(read(rgb, width, height), expected);
  }

  /** Scores a reading against the scene it should show. */
  public static ImageScore score(SceneReading reading, Scene expected) {
    List<SceneObject> want = expected.objects();
    List<DetectedObject> got = reading.objects().subList(0, Math.min(8, reading.objects().size()));
    int[] match = match(want, got);
    List<ImageScore.ObjectVerdict> verdicts = new ArrayList<>();
    for (int i = 0; i < want.size(); i++) {
      SceneObject o = want.get(i);
      DetectedObject d = match[i] < 0 ? null : got.get(match[i]);
      verdicts.add(new ImageScore.ObjectVerdict(o, d, d != null && d.color() == o.color(),
          d != null && d.shape() == o.shape(), d != null && d.anchor() == o.anchor()));
    }
    Background bg = expected.background();
    return new ImageScore(expected, reading, reading.background() == bg.color(),
        reading.gradient() == bg.gradient(), reading.objects().size() == want.size(), verdicts);
  }

  /** Reads the background and the objects of an image. */
  public static SceneReading read(byte[] image, int imageWidth, int imageHeight) {
    if (imageWidth <= 0 || imageHeight <= 0 || image.length != (long) imageWidth * imageHeight * 3) {
      throw new IllegalArgumentException("expected " + imageWidth + "x" + imageHeight + "x3 bytes, got "
          + image.length);
    }
    // Work at a short side of about WORKING_SIZE: averaging blocks of pixels damps pixel noise
    // (so noise does not break objects into specks) and makes every size cost about the same.
    int f = Math.max(1, Math.min(imageWidth, imageHeight) / WORKING_SIZE);
    int width = imageWidth / f;
    int height = imageHeight / f;
    byte[] rgb = f == 1 ? image : shrink(image, imageWidth, f, width, height);
    int n = width * height;
    float[] lab = new float[n * 3];
    double[] tmp = new double[3];
    for (int p = 0; p < n; p++) {
      Cielab.fromRgb(rgb[3 * p] & 0xFF, rgb[3 * p + 1] & 0xFF, rgb[3 * p + 2] & 0xFF, tmp);
      lab[3 * p] = (float) tmp[0];
      lab[3 * p + 1] = (float) tmp[1];
      lab[3 * p + 2] = (float) tmp[2];
    }
    int border = Math.max(2, (int) Math.round(BORDER * Math.min(width, height)));
    double[][] rowRgb = backgroundRows(rgb, width, height, border);
    float[] rowLab = new float[height * 3];
    for (int y = 0; y < height; y++) {
      Cielab.fromRgb(clamp(rowRgb[y][0]), clamp(rowRgb[y][1]), clamp(rowRgb[y][2]), tmp);
      rowLab[3 * y] = (float) tmp[0];
      rowLab[3 * y + 1] = (float) tmp[1];
      rowLab[3 * y + 2] = (float) tmp[2];
    }
    Background named = nameBackground(rowRgb, height, border);

    boolean[] fg = new boolean[n];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int p = y * width + x;
        double dl = lab[3 * p] - rowLab[3 * y];
        double da = lab[3 * p + 1] - rowLab[3 * y + 1];
        double db = lab[3 * p + 2] - rowLab[3 * y + 2];
        fg[p] = dl * dl + da * da + db * db > FOREGROUND_DELTA_E * FOREGROUND_DELTA_E;
      }
    }
    int minArea = (int) Math.ceil(MIN_AREA * Math.min(width, height) * (double) Math.min(width, height));
    List<DetectedObject> objects = new ArrayList<>();
    int[] labels = new int[n];
    int[] queue = new int[n];
    int next = 0;
    for (int start = 0; start < n; start++) {
      if (!fg[start] || labels[start] != 0) {
        continue;
      }
      int label = ++next;
      int count = flood(fg, labels, queue, start, label, width, height);
      if (count >= minArea) {
        objects.add(describe(Arrays.copyOf(queue, count), lab, fg, width, height));
      }
    }
    objects.sort(Comparator.comparingInt(DetectedObject::area).reversed());
    if (f > 1) {
      List<DetectedObject> scaled = new ArrayList<>();
      for (DetectedObject o : objects) {
        scaled.add(new DetectedObject(o.color(), o.shape(), o.anchor(), o.cx(), o.cy(), o.area() * f * f,
            o.features()));
      }
      objects = scaled;
    }
    return new SceneReading(named.color(), named.gradient(), objects);
  }

  /** Box average of f x f blocks (the right and bottom remainders are dropped). */
  private static byte[] shrink(byte[] rgb, int w, int f, int sw, int sh) {
    byte[] out = new byte[sw * sh * 3];
    int[] acc = new int[sw * 3];
    int area = f * f;
    for (int y = 0; y < sh; y++) {
      Arrays.fill(acc, 0);
      for (int dy = 0; dy < f; dy++) {
        int row = (y * f + dy) * w * 3;
        for (int x = 0; x < sw; x++) {
          int i = row + x * f * 3;
          for (int dx = 0; dx < f; dx++, i += 3) {
            acc[3 * x] += rgb[i] & 0xFF;
            acc[3 * x + 1] += rgb[i + 1] & 0xFF;
            acc[3 * x + 2] += rgb[i + 2] & 0xFF;
          }
        }
      }
      for (int k = 0; k < sw * 3; k++) {
        out[y * sw * 3 + k] = (byte) ((acc[k] + area / 2) / area);
      }
    }
    return out;
  }

  // ---- background ------------------------------------------------------------------------

  /**
   * Per-row background sRGB: the median of each row's left and right border strips, fitted with
   * a quadratic in the row (robustly: rows far from the first fit are dropped and it is refitted),
   * anchored by the top and bottom strips' medians.
   */
  private static double[][] backgroundRows(byte[] rgb, int w, int h, int border) {
    List<double[]> samples = new ArrayList<>(); // t, r, g, b
    int[] buf = new int[border * 2 * 3];
    for (int y = 0; y < h; y++) {
      int k = 0;
      for (int x = 0; x < border; x++) {
        k = put(rgb, (y * w + x) * 3, buf, k);
        k = put(rgb, (y * w + (w - 1 - x)) * 3, buf, k);
      }
      samples.add(new double[] {(y + 0.5) / h, median(buf, 0, k), median(buf, 1, k), median(buf, 2, k)});
    }
    int[] strip = new int[border * w * 3];
    for (int edge = 0; edge < 2; edge++) {
      int k = 0;
      for (int yy = 0; yy < border; yy++) {
        int y = edge == 0 ? yy : h - 1 - yy;
        for (int x = 0; x < w; x++) {
          k = put(rgb, (y * w + x) * 3, strip, k);
        }
      }
      double t = edge == 0 ? (border / 2.0) / h : 1 - (border / 2.0) / h;
      double[] s = {t, median(strip, 0, k), median(strip, 1, k), median(strip, 2, k)};
      // The top and bottom strips see the whole width: weigh them like many rows.
      for (int rep = 0; rep < Math.max(1, h / 8); rep++) {
        samples.add(s);
      }
    }
    double[][] coef = fit(samples);
    double[] resid = new double[samples.size()];
    for (int i = 0; i < samples.size(); i++) {
      resid[i] = distance(samples.get(i), coef);
    }
    double[] sorted = resid.clone();
    Arrays.sort(sorted);
    double cut = Math.max(6.0, 3 * sorted[sorted.length / 2]);
    List<double[]> kept = new ArrayList<>();
    for (int i = 0; i < samples.size(); i++) {
      if (resid[i] <= cut) {
        kept.add(samples.get(i));
      }
    }
    if (kept.size() >= 3) {
      coef = fit(kept);
    }
    double[][] rows = new double[h][3];
    for (int y = 0; y < h; y++) {
      double t = (y + 0.5) / h;
      for (int c = 0; c < 3; c++) {
        rows[y][c] = coef[c][0] + coef[c][1] * t + coef[c][2] * t * t;
      }
    }
    return rows;
  }

  private static int put(byte[] rgb, int i, int[] buf, int k) {
    buf[k] = rgb[i] & 0xFF;
    buf[k + 1] = rgb[i + 1] & 0xFF;
    buf[k + 2] = rgb[i + 2] & 0xFF;
    return k + 3;
  }

  private static double median(int[] buf, int channel, int len) {
    int[] hist = new int[256];
    int count = 0;
    for (int i = channel; i < len; i += 3) {
      hist[buf[i]]++;
      count++;
    }
    int half = (count + 1) / 2;
    int seen = 0;
    for (int v = 0; v < 256; v++) {
      seen += hist[v];
      if (seen >= half) {
        return v;
      }
    }
    return 255;
  }

  /** Least-squares quadratic per channel: coef[channel] = {a, b, c} of a + b t + c t^2. */
  private static double[][] fit(List<double[]> samples) {
    double[][] m = new double[3][3];
    double[][] rhs = new double[3][3];
    for (double[] s : samples) {
      double[] basis = {1, s[0], s[0] * s[0]};
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          m[i][j] += basis[i] * basis[j];
        }
        for (int c = 0; c < 3; c++) {
          rhs[c][i] += basis[i] * s[1 + c];
        }
      }
    }
    double[][] coef = new double[3][];
    for (int c = 0; c < 3; c++) {
      coef[c] = solve3(m, rhs[c]);
    }
    return coef;
  }

  private static double[] solve3(double[][] m, double[] b) {
    double[][] a = new double[3][4];
    for (int i = 0; i < 3; i++) {
      System.arraycopy(m[i], 0, a[i], 0, 3);
      a[i][3] = b[i];
      a[i][i] += 1e-9; // keeps a degenerate (constant) fit solvable
    }
    for (int col = 0; col < 3; col++) {
      int piv = col;
      for (int r = col + 1; r < 3; r++) {
        if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) {
          piv = r;
        }
      }
      double[] t = a[col];
      a[col] = a[piv];
      a[piv] = t;
      for (int r = 0; r < 3; r++) {
        if (r != col) {
          double f = a[r][col] / a[col][col];
          for (int k = col; k < 4; k++) {
            a[r][k] -= f * a[col][k];
          }
        }
      }
    }
    return new double[] {a[0][3] / a[0][0], a[1][3] / a[1][1], a[2][3] / a[2][2]};
  }

  private static double distance(double[] sample, double[][] coef) {
    double t = sample[0];
    double sum = 0;
    for (int c = 0; c < 3; c++) {
      double d = sample[1 + c] - (coef[c][0] + coef[c][1] * t + coef[c][2] * t * t);
      sum += d * d;
    }
    return Math.sqrt(sum);
  }

  /** The palette background (colour, solid or gradient) nearest to the fitted top and bottom. */
  private static Background nameBackground(double[][] rows, int h, int border) {
    int yt = Math.min(h - 1, border / 2);
    int yb = Math.max(0, h - 1 - border / 2);
    double[] top = Cielab.fromRgb(clamp(rows[yt][0]), clamp(rows[yt][1]), clamp(rows[yt][2]));
    double[] bottom = Cielab.fromRgb(clamp(rows[yb][0]), clamp(rows[yb][1]), clamp(rows[yb][2]));
    Background best = null;
    double bestCost = Double.MAX_VALUE;
    for (SceneColor c : SceneColor.values()) {
      for (boolean gradient : new boolean[] {false, true}) {
        Background b = new Background(c, gradient);
        double cost = Cielab.deltaE(top, Cielab.fromRgb(b.at((yt + 0.5) / h)))
            + Cielab.deltaE(bottom, Cielab.fromRgb(b.at((yb + 0.5) / h)));
        if (cost < bestCost) {
          bestCost = cost;
          best = b;
        }
      }
    }
    return best;
  }

  // ---- components --------------------------------------------------------------------------

  /** 4-connected flood fill; the component's pixel indices are left in queue[0, count). */
  private static int flood(boolean[] fg, int[] labels, int[] queue, int start, int label, int w, int h) {
    int head = 0;
    int tail = 0;
    queue[tail++] = start;
    labels[start] = label;
    while (head < tail) {
      int p = queue[head++];
      int x = p % w;
      int y = p / w;
      if (x > 0 && fg[p - 1] && labels[p - 1] == 0) {
        labels[p - 1] = label;
        queue[tail++] = p - 1;
      }
      if (x < w - 1 && fg[p + 1] && labels[p + 1] == 0) {
        labels[p + 1] = label;
        queue[tail++] = p + 1;
      }
      if (y > 0 && fg[p - w] && labels[p - w] == 0) {
        labels[p - w] = label;
        queue[tail++] = p - w;
      }
      if (y < h - 1 && fg[p + w] && labels[p + w] == 0) {
        labels[p + w] = label;
        queue[tail++] = p + w;
      }
    }
    return tail;
  }

  private static DetectedObject describe(int[] pixels, float[] lab, boolean[] fg, int w, int h) {
    int x0 = Integer.MAX_VALUE;
    int y0 = Integer.MAX_VALUE;
    int x1 = -1;
    int y1 = -1;
    for (int p : pixels) {
      int x = p % w;
      int y = p / w;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
    // Local grid with a 1-pixel frame: 1 = component, 2 = outside (reached from the frame).
    int gw = x1 - x0 + 3;
    int gh = y1 - y0 + 3;
    byte[] grid = new byte[gw * gh];
    for (int p : pixels) {
      grid[(p / w - y0 + 1) * gw + (p % w - x0 + 1)] = 1;
    }
    int[] stack = new int[gw * gh];
    int top = 0;
    stack[top++] = 0;
    grid[0] = 2;
    while (top > 0) {
      int q = stack[--top];
      int qx = q % gw;
      int qy = q / gw;
      int[] nb = {qx > 0 ? q - 1 : -1, qx < gw - 1 ? q + 1 : -1, qy > 0 ? q - gw : -1, qy < gh - 1 ? q + gw : -1};
      for (int r : nb) {
        if (r >= 0 && grid[r] == 0) {
          grid[r] = 2;
          stack[top++] = r;
        }
      }
    }
    // Filled shape = component + holes (grid cells not reached from outside).
    int filled = 0;
    double sx = 0;
    double sy = 0;
    for (int q = 0; q < grid.length; q++) {
      if (grid[q] != 2) {
        filled++;
        sx += q % gw;
        sy += q / gw;
      }
    }
    int holes = filled - pixels.length;
    double cxl = sx / filled;
    double cyl = sy / filled;

    // Outer boundary of the filled shape: filled cells with an outside 4-neighbour.
    List<double[]> boundary = new ArrayList<>();
    double rMax = 0;
    double[] profile = new double[PROFILE_BINS];
    for (int q = 0; q < grid.length; q++) {
      if (grid[q] == 2) {
        continue;
      }
      if (grid[q - 1] == 2 || grid[q + 1] == 2 || grid[q - gw] == 2 || grid[q + gw] == 2) {
        double bx = q % gw;
        double by = q / gw;
        boundary.add(new double[] {bx, by});
        double dx = bx - cxl;
        double dy = by - cyl;
        double r = Math.hypot(dx, dy) + 0.5;
        rMax = Math.max(rMax, r);
        int bin = (int) Math.floor((Math.atan2(dy, dx) + Math.PI) / (2 * Math.PI) * PROFILE_BINS) % PROFILE_BINS;
        profile[bin] = Math.max(profile[bin], r);
      }
    }
    double hullArea = hullArea(boundary);
    double solidity = Math.min(1.0, filled / Math.max(1.0, hullArea));
    double compactness = filled / (Math.PI * rMax * rMax);
    double holeFraction = holes / (double) filled;
    int corners = corners(profile);
    SceneShape shape = classify(holeFraction, solidity, compactness, corners);

    SceneColor color = dominantColor(pixels, lab, fg, w, h);
    double cx = (x0 - 1 + cxl + 0.5) / w;
    double cy = (y0 - 1 + cyl + 0.5) / h;
    return new DetectedObject(color, shape, Anchor.nearest(cx, cy), cx, cy, pixels.length,
        new DetectedObject.ShapeFeatures(holeFraction, solidity, compactness, corners));
  }

  static SceneShape classify(double holeFraction, double solidity, double compactness, int corners) {
    if (holeFraction >= 0.10) {
      return SceneShape.RING;
    }
    if (solidity < 0.78) {
      return SceneShape.STAR;
    }
    if (compactness >= 0.76 && compactness < 0.88) {
      return corners <= 2 ? SceneShape.CIRCLE : SceneShape.SQUARE;
    }
    if (compactness >= 0.465 && compactness < 0.585 && (corners == 3 || corners == 4)) {
      return corners == 3 ? SceneShape.TRIANGLE : SceneShape.SQUARE;
    }
    if (compactness >= 0.82) {
      return SceneShape.CIRCLE;
    }
    return compactness >= 0.525 ? SceneShape.SQUARE : SceneShape.TRIANGLE;
  }

  /** Peaks of the circular radius profile that stand out by 7% of the mean radius. */
  private static int corners(double[] profile) {
    int n = profile.length;
    double[] r = profile.clone();
    for (int i = 0; i < n; i++) {
      if (r[i] == 0) {
        for (int d = 1; d < n && r[i] == 0; d++) {
          r[i] = Math.max(profile[(i + d) % n], profile[(i - d + n) % n]);
        }
      }
    }
    double[] s = new double[n];
    double mean = 0;
    for (int i = 0; i < n; i++) {
      s[i] = (r[(i - 1 + n) % n] + r[i] + r[(i + 1) % n]) / 3;
      mean += s[i] / n;
    }
    int peaks = 0;
    for (int i = 0; i < n; i++) {
      boolean isMax = true;
      double low = s[i];
      for (int d = -4; d <= 4 && isMax; d++) {
        double v = s[(i + d + n) % n];
        // Ties count for the first bin of a plateau only.
        isMax = d == 0 || (d < 0 ? v < s[i] : v <= s[i]);
      }
      if (!isMax) {
        continue;
      }
      for (int d = -9; d <= 9; d++) {
        low = Math.min(low, s[(i + d + n) % n]);
      }
      if (s[i] - low > 0.07 * mean) {
        peaks++;
      }
    }
    return peaks;
  }

  /** Area of the convex hull of pixel centres grown by half a pixel (hull + perimeter / 2 + pi / 4). */
  private static double hullArea(List<double[]> pts) {
    if (pts.size() < 3) {
      return pts.size();
    }
    pts.sort((a, b) -> a[0] != b[0] ? Double.compare(a[0], b[0]) : Double.compare(a[1], b[1]));
    double[][] hull = new double[pts.size() * 2][];
    int k = 0;
    for (double[] p : pts) {
      while (k >= 2 && cross(hull[k - 2], hull[k - 1], p) <= 0) {
        k--;
      }
      hull[k++] = p;
    }
    for (int i = pts.size() - 2, lower = k + 1; i >= 0; i--) {
      double[] p = pts.get(i);
      while (k >= lower && cross(hull[k - 2], hull[k - 1], p) <= 0) {
        k--;
      }
      hull[k++] = p;
    }
    double area = 0;
    double perimeter = 0;
    for (int i = 0; i < k - 1; i++) {
      area += hull[i][0] * hull[i + 1][1] - hull[i + 1][0] * hull[i][1];
      perimeter += Math.hypot(hull[i + 1][0] - hull[i][0], hull[i + 1][1] - hull[i][1]);
    }
    return Math.abs(area) / 2 + perimeter / 2 + Math.PI / 4;
  }

  private static double cross(double[] o, double[] a, double[] b) {
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  }

  /** Votes of the component's interior pixels (all of it when it has none) for a palette entry. */
  private static SceneColor dominantColor(int[] pixels, float[] lab, boolean[] fg, int w, int h) {
    SceneColor[] palette = SceneColor.values();
    double[][] pl = new double[palette.length][];
    for (int i = 0; i < palette.length; i++) {
      pl[i] = palette[i].lab();
    }
    int[] votes = new int[palette.length];
    int interior = 0;
    for (int pass = 0; pass < 2 && interior == 0; pass++) {
      for (int p : pixels) {
        int x = p % w;
        int y = p / w;
        boolean inside = x > 0 && x < w - 1 && y > 0 && y < h - 1 && fg[p - 1] && fg[p + 1]
            && fg[p - w] && fg[p + w];
        if (pass == 0 && !inside) {
          continue;
        }
        interior++;
        int best = 0;
        double bestD = Double.MAX_VALUE;
        for (int i = 0; i < palette.length; i++) {
          double dl = lab[3 * p] - pl[i][0];
          double da = lab[3 * p + 1] - pl[i][1];
          double db = lab[3 * p + 2] - pl[i][2];
          double d = dl * dl + da * da + db * db;
          if (d < bestD) {
            bestD = d;
            best = i;
          }
        }
        votes[best]++;
      }
    }
    int win = 0;
    for (int i = 1; i < votes.length; i++) {
      if (votes[i] > votes[win]) {
        win = i;
      }
    }
    return palette[win];
  }

  // ---- matching ----------------------------------------------------------------------------

  /** For each expected object the index of its detected object, or -1; least total distance. */
  private static int[] match(List<SceneObject> want, List<DetectedObject> got) {
    int[] best = new int[want.size()];
    Arrays.fill(best, -1);
    double[] bestCost = {Double.MAX_VALUE};
    assign(want, got, 0, new int[want.size()], new boolean[got.size()], 0, best, bestCost);
    return best;
  }

  private static void assign(List<SceneObject> want, List<DetectedObject> got, int i, int[] cur,
      boolean[] used, double cost, int[] best, double[] bestCost) {
    if (cost >= bestCost[0]) {
      return;
    }
    if (i == want.size()) {
      bestCost[0] = cost;
      System.arraycopy(cur, 0, best, 0, cur.length);
      return;
    }
    Anchor a = want.get(i).anchor();
    for (int j = 0; j < got.size(); j++) {
      double d = Math.hypot(got.get(j).cx() - a.x(), got.get(j).cy() - a.y());
      if (!used[j] && d <= MATCH_RADIUS) {
        used[j] = true;
        cur[i] = j;
        assign(want, got, i + 1, cur, used, cost + d, best, bestCost);
        used[j] = false;
      }
    }
    cur[i] = -1;
    assign(want, got, i + 1, cur, used, cost + MATCH_RADIUS * 2, best, bestCost);
  }

  private static int clamp(double v) {
    return (int) Math.max(0, Math.min(255, Math.round(v)));
  }
}
