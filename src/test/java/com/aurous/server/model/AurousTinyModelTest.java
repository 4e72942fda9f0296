package com.aurous.server.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.aurous.server.model.tiny.AurousTinyExporter;

/** Exports aurous-tiny, loads it through the normal path and exercises every signature. */
class AurousTinyModelTest {

  @TempDir
  static Path tmp;

  static DiffusionModel model;
  static PromptTokenizer tokenizer;

  @BeforeAll
  static void exportAndLoad() throws Exception {
    long t0 = System.nanoTime();
    Path dir = tmp.resolve("aurous-tiny");
    AurousTinyExporter.export(dir);
    long t1 = System.nanoTime();
    model = DiffusionModel.load(dir, "CPU:0", 2);
    long t2 = System.nanoTime();
    tokenizer = PromptTokenizer.of(model.manifest());
    System.out.printf("aurous-tiny export %d ms, load %d ms%n", (t1 - t0) / 1_000_000,
        (t2 - t1) / 1_000_000);
    assertThat(dir.resolve("variables")).isDirectory();
    assertThat(Files.list(dir.resolve("variables")).count()).isGreaterThan(0);
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
  }

  @Test
  void manifestDescribesTheModel() {
    ModelManifest m = model.manifest();
    assertThat(m.name()).isEqualTo("aurous-tiny");
    assertThat(m.latentChannels()).isEqualTo(8);
    assertThat(m.latentDownscale()).isEqualTo(32);
    assertThat(m.resolutionMultiple()).isEqualTo(32);
    assertThat(m.defaults().steps()).isEqualTo(11);
    assertThat(m.predictionType()).isEqualTo("epsilon");
    assertThat(model.device()).isEqualTo("CPU:0");
  }

  @Test
  void encodePromptShapesAndPromptDependence() {
    int t = model.manifest().contextLength();
    int d = model.manifest().contextDim();
    float[] ctx = model.encodePrompt(tokenizer.encodeBatch("", "a red fox", "a blue fox"), 3);
    assertThat(ctx).hasSize(3 * t * d);
    assertFinite(ctx);
    float[] a = Arrays.copyOfRange(ctx, 0, t * d);
    float[] b = Arrays.copyOfRange(ctx, t * d, 2 * t * d);
    float[] c = Arrays.copyOfRange(ctx, 2 * t * d, 3 * t * d);
    assertThat(maxAbsDiff(a, b)).isGreaterThan(0.01f);
    assertThat(maxAbsDiff(b, c)).isGreaterThan(0.01f);
    float[] again = model.encodePrompt(tokenizer.encode("a red fox"), 1);
    assertThat(maxAbsDiff(again, b)).isLessThan(1e-6f);
  }

  @Test
  void denoisePerSampleTimestepsAndBatchIndependence() {
    int h = 16;
    int w = 24; // not square, not a power of two
    int c = model.manifest().latentChannels();
    int per = h * w * c;
    float[] x = gaussian(3 * per, 7);
    float[] ctx = model.encodePrompt(tokenizer.encodeBatch("sky", "sea", "stone"), 3);
    float[] ts = {999f, 500f, 1f};
    float[] eps = model.denoise(x, 3, h, w, ts, ctx);
    assertThat(eps).hasSize(3 * per);
    assertFinite(eps);
    assertThat(stddev(eps)).isGreaterThan(0.1);

    // sample 1 alone == sample 1 inside the batch
    int ctxPer = ctx.length / 3;
    float[] alone = model.denoise(Arrays.copyOfRange(x, per, 2 * per), 1, h, w,
        new float[] {500f}, Arrays.copyOfRange(ctx, ctxPer, 2 * ctxPer));
    assertThat(maxAbsDiff(alone, Arrays.copyOfRange(eps, per, 2 * per))).isLessThan(1e-4f);

    // the timestep and the prompt both matter
    float[] otherT = model.denoise(Arrays.copyOfRange(x, per, 2 * per), 1, h, w,
        new float[] {100f}, Arrays.copyOfRange(ctx, ctxPer, 2 * ctxPer));
    assertThat(maxAbsDiff(alone, otherT)).isGreaterThan(1e-3f);
    float[] otherPrompt = model.denoise(Arrays.copyOfRange(x, per, 2 * per), 1, h, w,
        new float[] {500f}, Arrays.copyOfRange(ctx, 0, ctxPer));
    assertThat(maxAbsDiff(alone, otherPrompt)).isGreaterThan(1e-3f);
  }

  @Test
  void decodeAndEncodeImageShapes() {
    int h = 8;
    int w = 12;
    int c = model.manifest().latentChannels();
    int ds = model.manifest().latentDownscale();
    float[] lat = gaussian(2 * h * w * c, 3);
    byte[] rgb = model.decode(lat, 2, h, w);
    assertThat(rgb).hasSize(2 * h * ds * w * ds * 3);
    int per = rgb.length / 2;
    assertThat(distinctValues(rgb)).isGreaterThan(16); // not a constant picture
    assertThat(Arrays.equals(Arrays.copyOfRange(rgb, 0, per), Arrays.copyOfRange(rgb, per, 2 * per)))
        .as("different latents give different pictures").isFalse();

    float[] back = model.encodeImage(rgb, 2, h * ds, w * ds);
    assertThat(back).hasSize(2 * h * w * c);
    assertFinite(back);
    assertThat(stddev(back)).isGreaterThan(1e-3);
  }

  @Test
  void exportIsDeterministic() throws Exception {
    Path again = tmp.resolve("again");
    AurousTinyExporter.export(again);
    Path first = model.dir();
    assertThat(Files.readAllBytes(again.resolve("variables/variables.data-00000-of-00001")))
        .isEqualTo(Files.readAllBytes(first.resolve("variables/variables.data-00000-of-00001")));
    assertThat(Files.readString(again.resolve(ModelManifest.FILE_NAME)))
        .isEqualTo(Files.readString(first.resolve(ModelManifest.FILE_NAME)));
  }

  @Test
  void gpuDeviceStringLoadsOnCpuOnlyBuild() {
    // "GPU:n" means "use the GPU if this process has one"; the CPU build simply has none.
    try (DiffusionModel gpu = DiffusionModel.load(model.dir(), "GPU:0", 1)) {
      assertThat(gpu.device()).isEqualTo("GPU:0");
      float[] ctx = gpu.encodePrompt(tokenizer.encode("x"), 1);
      assertThat(maxAbsDiff(ctx, model.encodePrompt(tokenizer.encode("x"), 1))).isLessThan(1e-6f);
    }
  }

  /** 1024x1024, 11 steps, CFG (batch 2), one decode: a full picture; the time is printed, not asserted. */
  @Test
  void a1024ElevenStepGuidedGenerationDecodesToAFullPicture() {
    int h = 1024 / model.manifest().latentDownscale();
    int w = h;
    int c = model.manifest().latentChannels();
    int per = h * w * c;
    float[] ctx = model.encodePrompt(tokenizer.encodeBatch("", "an abstract landscape"), 2);
    float[] lat = gaussian(per, 11);
    long best = Long.MAX_VALUE;
    long bestDecode = Long.MAX_VALUE;
    byte[] rgb = null;
    for (int rep = 0; rep < 3; rep++) {
      float[] x = lat.clone();
      long t0 = System.nanoTime();
      float[] both = new float[2 * per];
      for (int step = 0; step < 11; step++) {
        System.arraycopy(x, 0, both, 0, per);
        System.arraycopy(x, 0, both, per, per);
        float t = 999f * (10 - step) / 10f;
        float[] eps = model.denoise(both, 2, h, w, new float[] {t, t}, ctx);
        for (int i = 0; i < per; i++) {
          float guided = eps[i] + 4.3f * (eps[per + i] - eps[i]);
          x[i] -= 0.1f * guided; // a stand-in update; the real sampler lives elsewhere
        }
      }
      long t1 = System.nanoTime();
      rgb = model.decode(x, 1, h, w);
      long t2 = System.nanoTime();
      best = Math.min(best, t2 - t0);
      bestDecode = Math.min(bestDecode, t2 - t1);
      System.out.printf("1024x1024 11-step CFG generation: %d ms (denoise %d ms, decode %d ms)%n",
          (t2 - t0) / 1_000_000, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
    }
    System.out.printf("best: generation %d ms, decode %d ms%n", best / 1_000_000,
        bestDecode / 1_000_000);
    assertThat(rgb).hasSize(1024 * 1024 * 3);
    assertThat(distinctValues(rgb)).isGreaterThan(16);
    // No time limit here: speed is measured in benchmarks/ (ModelCostBenchmark), not asserted on a shared machine.
  }

  // ---- helpers ----

  static float[] gaussian(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  static void assertFinite(float[] v) {
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        throw new AssertionError("value " + i + " is " + v[i]);
      }
    }
  }

  static float maxAbsDiff(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    float m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  static double stddev(float[] v) {
    double s = 0;
    double s2 = 0;
    for (float x : v) {
      s += x;
      s2 += (double) x * x;
    }
    double mean = s / v.length;
    return Math.sqrt(Math.max(0, s2 / v.length - mean * mean));
  }

  static int distinctValues(byte[] v) {
    boolean[] seen = new boolean[256];
    int n = 0;
    for (byte b : v) {
      if (!seen[b & 0xFF]) {
        seen[b & 0xFF] = true;
        n++;
      }
    }
    return n;
  }
}
