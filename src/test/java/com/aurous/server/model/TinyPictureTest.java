package com.aurous.server.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.aurous.server.engine.sampling.ClassifierFreeGuidance;
import com.aurous.server.engine.sampling.InitialNoise;
import com.aurous.server.engine.sampling.NoiseSchedule;
import com.aurous.server.engine.sampling.Sampler;
import com.aurous.server.engine.sampling.Samplers;
import com.aurous.server.model.tiny.AurousTinyExporter;

/**
 * What aurous-tiny's pictures look like through the server's real sampling path (the same calls
 * {@code StepLoop} makes: DDIM, seeded initial noise, cond + uncond stacked in one batch, guidance
 * with rescale, then decode). Untrained weights must still give varied abstract pictures: spread
 * of colour, seed- and prompt-dependent, no padding artefacts at the borders.
 *
 * <p>PNGs go to {@code target/tiny-pictures/}. {@code -Dtiny.size=1024} renders at 1024x1024
 * instead of 256x256 (and reports the time of each generation).
 */
class TinyPictureTest {

  @TempDir
  static Path tmp;

  static DiffusionModel model;
  static PromptTokenizer tokenizer;
  static final int SIZE = Integer.getInteger("tiny.size", 256);
  static final Path OUT = Path.of("target", "tiny-pictures");

  @BeforeAll
  static void exportAndLoad() throws Exception {
    Path dir = tmp.resolve("aurous-tiny");
    AurousTinyExporter.export(dir);
    model = DiffusionModel.load(dir, "CPU:0", 2);
    tokenizer = PromptTokenizer.of(model.manifest());
    Files.createDirectories(OUT);
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
  }

  /** One generation exactly as StepLoop drives the model (batch of one sample, 2 model rows). */
  static byte[] generate(String prompt, long seed, int size) {
    ModelManifest m = model.manifest();
    NoiseSchedule schedule = new NoiseSchedule(m.numTrainTimesteps(), m.betaStart(), m.betaEnd(),
        m.betaSchedule());
    int steps = m.defaults().steps();
    Sampler sampler = Samplers.create(Samplers.DEFAULT, schedule, steps);
    float g = (float) m.defaults().guidanceScale();
    float phi = (float) m.defaults().cfgRescale();
    int h = size / m.latentDownscale();
    int w = h;
    int n = h * w * m.latentChannels();
    float[] context = model.encodePrompt(tokenizer.encodeBatch(prompt, ""), 2);
    float[] latents = new float[n];
    InitialNoise.gaussian(seed, latents, 0, n);
    float sigma = sampler.initNoiseSigma();
    for (int k = 0; k < n; k++) {
      latents[k] *= sigma;
    }
    float[] x = new float[2 * n];
    for (int step = 0; step < steps; step++) {
      sampler.scaleModelInput(latents, 0, n, step, x, 0);
      System.arraycopy(x, 0, x, n, n);
      float t = sampler.timestep(step);
      float[] eps = model.denoise(x, 2, h, w, new float[] {t, t}, context);
      ClassifierFreeGuidance.combine(eps, 0, eps, n, n, g, phi, eps, 0);
      sampler.step(latents, 0, n, eps, 0, step);
    }
    long t0 = System.nanoTime();
    byte[] rgb = model.decode(latents, 1, h, w);
    lastDecodeNanos = System.nanoTime() - t0;
    return rgb;
  }

  static long lastDecodeNanos;

  @Test
  void picturesAreVariedAbstractAndClean() throws IOException {
    String[] prompts = {"a red fox in the snow", "calm blue ocean at dusk"};
    long[] seeds = {42L, 1234567L};
    byte[][][] img = new byte[2][2][];
    for (int p = 0; p < 2; p++) {
      for (int s = 0; s < 2; s++) {
        long t0 = System.nanoTime();
        img[p][s] = generate(prompts[p], seeds[s], SIZE);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        Path png = OUT.resolve("tiny-" + SIZE + "-p" + p + "-s" + seeds[s] + ".png");
        writePng(img[p][s], SIZE, SIZE, png);
        System.out.printf("%s: %d ms (decode %d ms), std %.1f, border %.1f vs interior %.1f%n", png, ms,
            lastDecodeNanos / 1_000_000, pixelStd(img[p][s]), borderMean(img[p][s], SIZE, 2), interiorMean(img[p][s], SIZE, 2));
      }
    }
    writeGrid(img, SIZE, OUT.resolve("tiny-" + SIZE + "-grid.png"));
    for (int p = 0; p < 2; p++) {
      for (int s = 0; s < 2; s++) {
        byte[] im = img[p][s];
        assertThat(pixelStd(im)).as("pixel std, prompt %d seed %d", p, s).isGreaterThan(20.0);
        // Per channel too: not one colour that merely varies in brightness.
        for (int c = 0; c < 3; c++) {
          assertThat(channelStd(im, c)).as("channel %d std", c).isGreaterThan(8.0);
        }
        assertBorderNotOutlier(im, SIZE);
      }
      double seedDiff = meanAbsDiff(img[p][0], img[p][1]);
      System.out.printf("prompt %d: seeds differ by %.1f%n", p, seedDiff);
      assertThat(seedDiff).as("seeds differ, prompt %d", p).isGreaterThan(10.0);
    }
    for (int s = 0; s < 2; s++) {
      double promptDiff = meanAbsDiff(img[0][s], img[1][s]);
      System.out.printf("seed %d: prompts differ by %.1f%n", seeds[s], promptDiff);
      assertThat(promptDiff).as("prompts differ, seed %d", seeds[s]).isGreaterThan(10.0);
    }
  }

  // ---- image statistics ----

  /**
   * The 2-pixel frame must look like the rest of the picture: its mean within a fraction of the
   * picture's spread of the interior's, and not flat (a padding artefact is a band of one value).
   */
  static void assertBorderNotOutlier(byte[] im, int size) {
    double std = pixelStd(im);
    double border = borderMean(im, size, 2);
    double interior = interiorMean(im, size, 2);
    assertThat(Math.abs(border - interior)).as("border mean %.1f vs interior %.1f", border, interior)
        .isLessThan(0.5 * std);
    // Compare each side's strip with the strip just inside it (pixels 2..5 deep).
    for (int side = 0; side < 4; side++) {
      double outer = stripMean(im, size, side, 0, 2);
      double inner = stripMean(im, size, side, 2, 6);
      assertThat(Math.abs(outer - inner)).as("side %d strip %.1f vs inside %.1f", side, outer, inner)
          .isLessThan(Math.max(12.0, 0.35 * std));
    }
  }

  static double pixelStd(byte[] im) {
    double s = 0;
    double s2 = 0;
    for (byte b : im) {
      int v = b & 0xFF;
      s += v;
      s2 += (double) v * v;
    }
    double mean = s / im.length;
    return Math.sqrt(Math.max(0, s2 / im.length - mean * mean));
  }

  static double channelStd(byte[] im, int c) {
    double s = 0;
    double s2 = 0;
    int n = 0;
    for (int i = c; i < im.length; i += 3) {
      int v = im[i] & 0xFF;
      s += v;
      s2 += (double) v * v;
      n++;
    }
    double mean = s / n;
    return Math.sqrt(Math.max(0, s2 / n - mean * mean));
  }

  static double meanAbsDiff(byte[] a, byte[] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d += Math.abs((a[i] & 0xFF) - (b[i] & 0xFF));
    }
    return d / a.length;
  }

  static double borderMean(byte[] im, int size, int frame) {
    return regionMean(im, size, true, frame);
  }

  static double interiorMean(byte[] im, int size, int frame) {
    return regionMean(im, size, false, frame);
  }

  private static double regionMean(byte[] im, int size, boolean border, int frame) {
    double s = 0;
    long n = 0;
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        boolean inFrame = y < frame || x < frame || y >= size - frame || x >= size - frame;
        if (inFrame == border) {
          for (int c = 0; c < 3; c++) {
            s += im[(y * size + x) * 3 + c] & 0xFF;
          }
          n += 3;
        }
      }
    }
    return s / n;
  }

  /** Mean over the strip [from, to) pixels deep along one side (0 top, 1 right, 2 bottom, 3 left). */
  private static double stripMean(byte[] im, int size, int side, int from, int to) {
    double s = 0;
    long n = 0;
    for (int d = from; d < to; d++) {
      for (int i = 0; i < size; i++) {
        int y = switch (side) {
          case 0 -> d;
          case 2 -> size - 1 - d;
          default -> i;
        };
        int x = switch (side) {
          case 1 -> size - 1 - d;
          case 3 -> d;
          default -> i;
        };
        for (int c = 0; c < 3; c++) {
          s += im[(y * size + x) * 3 + c] & 0xFF;
        }
        n += 3;
      }
    }
    return s / n;
  }

  /** Rows are prompts, columns seeds, with a 4-pixel white gap. */
  static void writeGrid(byte[][][] img, int size, Path file) throws IOException {
    int gap = 4;
    int side = 2 * size + gap;
    byte[] all = new byte[side * side * 3];
    Arrays.fill(all, (byte) 255);
    for (int p = 0; p < 2; p++) {
      for (int s = 0; s < 2; s++) {
        for (int y = 0; y < size; y++) {
          System.arraycopy(img[p][s], y * size * 3, all,
              ((p * (size + gap) + y) * side + s * (size + gap)) * 3, size * 3);
        }
      }
    }
    writePng(all, side, side, file);
  }

  static void writePng(byte[] rgb, int w, int h, Path file) throws IOException {
    BufferedImage bi = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = (y * w + x) * 3;
        bi.setRGB(x, y, ((rgb[i] & 0xFF) << 16) | ((rgb[i + 1] & 0xFF) << 8) | (rgb[i + 2] & 0xFF));
      }
    }
    ImageIO.write(bi, "png", file.toFile());
  }

}
