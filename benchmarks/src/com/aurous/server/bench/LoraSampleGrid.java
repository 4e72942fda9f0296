package com.aurous.server.bench;

import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.lora.AdapterLibrary;
import com.aurous.server.model.lora.PictureStats;
import com.aurous.server.model.scenes.HeldOutScenes;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

/**
 * The LoRA sample grid in benchmarks/: held-out prompts (rows) on the same seeds, base model and
 * then each shipped adapter at weight 1 (columns), through the engine's sampling path (DDIM,
 * default steps / guidance / rescale, cond + uncond in one denoise call, both with the adapter).
 * Prints each column's mean colour statistics over the rows.
 *
 * <p>Usage: {@code LoraSampleGrid MODEL_DIR OUT.png [ROWS]}.
 */
public final class LoraSampleGrid {

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String out = args[1];
    int rows = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    List<String> columns = new ArrayList<>(List.of(""));
    columns.addAll(List.of("pastel", "neon", "monochrome"));
    AdapterLibrary lib = AdapterLibrary.load(dir);
    try (DiffusionModel model = DiffusionModel.load(dir, "CPU:0", Runtime.getRuntime().availableProcessors())) {
      List<BufferedImage> tiles = new ArrayList<>();
      List<String> labels = new ArrayList<>();
      Map<String, List<PictureStats>> stats = new LinkedHashMap<>();
      for (HeldOutScenes.Case c : HeldOutScenes.cases(rows, 5000)) {
        for (String col : columns) {
          List<AdapterLibrary.Weighted> mix = col.isEmpty() ? List.of() : List.of(new AdapterLibrary.Weighted(col, 1.0));
          byte[] rgb = generate(model, lib, mix, c.caption(), c.seed(), 1024, 1024);
          stats.computeIfAbsent(col.isEmpty() ? "base" : col, k -> new ArrayList<>()).add(PictureStats.of(rgb));
          tiles.add(SampleGrid.toImage(rgb, 1024, 1024));
          labels.add((col.isEmpty() ? "base" : "LoRA " + col) + ": " + c.caption() + " (seed " + c.seed() + ")");
        }
      }
      ImageIO.write(SampleGrid.sheet(tiles, labels, columns.size(), 240), "png", new File(out));
      stats.forEach((k, v) -> System.out.println(k + ": " + PictureStats.mean(v)));
      System.out.println("wrote " + out);
    }
  }

  static byte[] generate(DiffusionModel model, AdapterLibrary lib, List<AdapterLibrary.Weighted> mix, String prompt,
      long seed, int width, int height) {
    return com.aurous.server.model.lora.LoraPictures.generate(model, lib, mix, prompt, seed, width, height);
  }
}
