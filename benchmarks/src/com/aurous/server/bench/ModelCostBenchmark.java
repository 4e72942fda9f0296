package com.aurous.server.bench;

import com.aurous.server.model.DiffusionModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Issue 8's cost bar, side by side in one JVM: one 1024x1024 image at 11 DDIM steps with CFG
 * (guidance 4.3, rescale 0.7), model calls only (RawLoop at batch 1: encode_prompt, 11 denoise
 * calls at batch 2, one decode), for the previous random-weight aurous-tiny and the trained one.
 * Rounds alternate old/new/new/old so drift on the shared machine hits both alike; the median
 * seconds per image of each model and their ratio are reported.
 *
 * <p>Usage: {@code ModelCostBenchmark OLD_MODEL_DIR NEW_MODEL_DIR} (run.sh exports both).
 */
public final class ModelCostBenchmark {

  public static void main(String[] args) throws Exception {
    Path oldDir = Path.of(args[0]);
    Path newDir = Path.of(args[1]);
    int threads = Runtime.getRuntime().availableProcessors();
    int rounds = Integer.getInteger("bench.rounds", 6);
    int perRound = Integer.getInteger("bench.images", 4);
    try (DiffusionModel oldModel = DiffusionModel.load(oldDir, "CPU:0", threads);
        DiffusionModel newModel = DiffusionModel.load(newDir, "CPU:0", threads)) {
      RawLoop oldLoop = new RawLoop(oldModel, 11);
      RawLoop newLoop = new RawLoop(newModel, 11);
      for (int i = 0; i < 2; i++) { // warm-up
        oldLoop.oneBatch(1, 1024, false, 4.3f, 0.7f);
        newLoop.oneBatch(1, 1024, false, 4.3f, 0.7f);
      }
      List<Double> oldTimes = new ArrayList<>();
      List<Double> newTimes = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        boolean oldFirst = r % 2 == 0;
        for (int k = 0; k < 2; k++) {
          boolean old = (k == 0) == oldFirst;
          RawLoop loop = old ? oldLoop : newLoop;
          long t0 = System.nanoTime();
          for (int i = 0; i < perRound; i++) {
            loop.oneBatch(1, 1024, false, 4.3f, 0.7f);
          }
          double s = (System.nanoTime() - t0) / 1e9 / perRound;
          (old ? oldTimes : newTimes).add(s);
          System.out.printf(Locale.ROOT, "round %d %-7s %.3f s/image%n", r, old ? "old" : "trained", s);
        }
      }
      double o = median(oldTimes);
      double n = median(newTimes);
      System.out.printf(Locale.ROOT,
          "RESULT 1024x1024, 11 steps, CFG, batch 1: old (random weights, latent 128x128x4) %.3f s/image, "
          + "trained (latent 32x32x8) %.3f s/image, trained/old %.2fx%n", o, n, n / o);
    }
  }

  private static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    Collections.sort(s);
    int m = s.size() / 2;
    return s.size() % 2 == 1 ? s.get(m) : (s.get(m - 1) + s.get(m)) / 2;
  }
}
