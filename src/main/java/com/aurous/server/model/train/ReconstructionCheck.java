package com.aurous.server.model.train;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.scenes.HeldOutScenes;
import com.aurous.server.model.scenes.SceneRasterizer;

/**
 * The autoencoder's quality: held-out scenes rendered at width x height go through the model's
 * {@code encode_image} and {@code decode} signatures (as image-to-image will), and the PSNR of
 * the round trip is measured against the render ({@code model psnr}).
 */
public final class ReconstructionCheck {

  /** Mean PSNR over the scenes (dB), and the PSNR of the pooled squared error. */
  public record Psnr(double meanDb, double pooledDb, double worstDb, int scenes) {}

  private ReconstructionCheck() {}

  public static Psnr measure(DiffusionModel model, int count, int width, int height) {
    List<HeldOutScenes.Case> cases = HeldOutScenes.cases(count, 0);
    double sumDb = 0;
    double sumMse = 0;
    double worst = Double.POSITIVE_INFINITY;
    int ds = model.manifest().latentDownscale();
    for (HeldOutScenes.Case c : cases) {
      byte[] rgb = SceneRasterizer.render(c.scene(), width, height);
      float[] z = model.encodeImage(rgb, 1, height, width);
      byte[] back = model.decode(z, 1, height / ds, width / ds);
      double se = 0;
      for (int i = 0; i < rgb.length; i++) {
        double d = (rgb[i] & 0xFF) - (back[i] & 0xFF);
        se += d * d;
      }
      double mse = se / rgb.length;
      double db = psnr(mse);
      sumDb += db;
      sumMse += mse;
      worst = Math.min(worst, db);
    }
    return new Psnr(sumDb / count, psnr(sumMse / count), worst, count);
  }

  static double psnr(double mse) {
    return 10 * Math.log10(255.0 * 255.0 / Math.max(mse, 1e-12));
  }

  /** {@code model psnr --model DIR [--count N] [--width W] [--height H]}. */
  public static void run(Path dir, int count, int width, int height, PrintStream out) {
    try (DiffusionModel m = DiffusionModel.load(dir, "CPU:0", 2)) {
      Psnr p = measure(m, count, width, height);
      out.printf(Locale.ROOT, "autoencoder round trip on %d held-out scenes at %dx%d: mean PSNR %.2f dB, "
          + "pooled %.2f dB, worst %.2f dB%n", p.scenes(), width, height, p.meanDb(), p.pooledDb(),
          p.worstDb());
    }
  }
}
