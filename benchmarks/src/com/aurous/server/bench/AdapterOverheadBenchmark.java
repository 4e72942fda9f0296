package com.aurous.server.bench;

import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.PackedAdapters;
import com.aurous.server.model.tiny.AurousTinyExporter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * What the adapter inputs cost a batch without LoRA: one denoise call of 32 rows (16 images, cond +
 * uncond) at 1024x1024 on aurous-tiny exported without adapter inputs vs with them (rank 0),
 * interleaved call by call. Usage: {@code AdapterOverheadBenchmark [CALLS]}.
 */
public final class AdapterOverheadBenchmark {

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    Path dir = Files.createTempDirectory("adapter-overhead");
    AurousTinyExporter.export(dir.resolve("none"), AurousTinyExporter.builtInWeights(),
        AurousTinyExporter.AdapterInputs.NONE);
    AurousTinyExporter.export(dir.resolve("lora"));
    int threads = Runtime.getRuntime().availableProcessors();
    try (DiffusionModel none = DiffusionModel.load(dir.resolve("none"), "CPU:0", threads);
        DiffusionModel lora = DiffusionModel.load(dir.resolve("lora"), "CPU:0", threads)) {
      int b = 32;
      int h = 32;
      int w = 32;
      int c = none.manifest().latentChannels();
      float[] x = new float[b * h * w * c];
      Random r = new Random(1);
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) r.nextGaussian();
      }
      float[] ts = new float[b];
      java.util.Arrays.fill(ts, 500f);
      float[] ctx = new float[b * none.manifest().contextLength() * none.manifest().contextDim()];
      long tn = 0;
      long tl = 0;
      for (int i = 0; i <= calls; i++) {
        long t0 = System.nanoTime();
        none.denoise(x, b, h, w, ts, ctx);
        long t1 = System.nanoTime();
        lora.denoise(x, b, h, w, ts, ctx, PackedAdapters.none(b));
        long t2 = System.nanoTime();
        if (i > 0) { // the first call of each is warm-up
          tn += t1 - t0;
          tl += t2 - t1;
        }
      }
      System.out.printf(Locale.ROOT, "denoise 32 x 32x32 latents, %d calls each: without adapter inputs %.1f ms, "
          + "with them (rank 0) %.1f ms per call, ratio %.3f%n", calls, tn / 1e6 / calls, tl / 1e6 / calls,
          (double) tl / tn);
    }
  }
}
