package com.aurous.server.bench;

import com.aurous.server.engine.sampling.ClassifierFreeGuidance;
import com.aurous.server.engine.sampling.InitialNoise;
import com.aurous.server.engine.sampling.NoiseSchedule;
import com.aurous.server.engine.sampling.Sampler;
import com.aurous.server.engine.sampling.Samplers;
import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.ModelManifest;
import com.aurous.server.model.PromptTokenizer;
import com.aurous.server.model.scenes.HeldOutScenes;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

/**
 * The sample grid in benchmarks/: held-out prompts (never trained on) through the engine's
 * sampling path (DDIM, the manifest's default steps, guidance and rescale, cond + uncond in one
 * denoise call), each picture shrunk to a tile with its prompt and seed under it. A second sheet
 * shows one prompt at the API's other sizes.
 *
 * <p>Usage: {@code SampleGrid MODEL_DIR OUT_PREFIX [COUNT]} writes OUT_PREFIX-samples.png and
 * OUT_PREFIX-sizes.png.
 */
public final class SampleGrid {

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String prefix = args[1];
    int count = args.length > 2 ? Integer.parseInt(args[2]) : 12;
    try (DiffusionModel model = DiffusionModel.load(dir, "CPU:0", Runtime.getRuntime().availableProcessors())) {
      List<BufferedImage> tiles = new ArrayList<>();
      List<String> labels = new ArrayList<>();
      for (HeldOutScenes.Case c : HeldOutScenes.cases(count, 5000)) {
        byte[] rgb = generate(model, c.caption(), c.seed(), 1024, 1024,
            (float) model.manifest().defaults().guidanceScale());
        tiles.add(toImage(rgb, 1024, 1024));
        labels.add(c.caption() + "  (seed " + c.seed() + ")");
      }
      ImageIO.write(sheet(tiles, labels, 4, 300), "png", new File(prefix + "-samples.png"));

      String prompt = "a red circle at the left and a yellow star at the right, on a blue background";
      int[][] sizes = {{1024, 1024}, {2048, 1152}, {2048, 864}, {1024, 1536}, {2048, 2048}};
      List<BufferedImage> st = new ArrayList<>();
      List<String> sl = new ArrayList<>();
      for (int[] wh : sizes) {
        byte[] rgb = generate(model, prompt, 42, wh[0], wh[1],
            (float) model.manifest().defaults().guidanceScale());
        st.add(toImage(rgb, wh[0], wh[1]));
        sl.add(wh[0] + "x" + wh[1]);
      }
      byte[] g1 = generate(model, prompt, 42, 1024, 1024, 1.0f);
      st.add(toImage(g1, 1024, 1024));
      sl.add("1024x1024, guidance_scale 1.0");
      ImageIO.write(sheet(st, sl, 3, 420), "png", new File(prefix + "-sizes.png"));
      System.out.println("wrote " + prefix + "-samples.png and " + prefix + "-sizes.png; sizes sheet prompt: " + prompt);
    }
  }

  static byte[] generate(DiffusionModel model, String prompt, long seed, int width, int height,
      float guidance) {
    ModelManifest m = model.manifest();
    PromptTokenizer tokenizer = PromptTokenizer.of(m);
    Sampler sampler = Samplers.create(Samplers.DEFAULT, new NoiseSchedule(m.numTrainTimesteps(),
        m.betaStart(), m.betaEnd(), m.betaSchedule(), m.rescaleZeroTerminalSnr(), m.timestepSpacing()),
        m.defaults().steps());
    float phi = (float) m.defaults().cfgRescale();
    int h = height / m.latentDownscale();
    int w = width / m.latentDownscale();
    int n = h * w * m.latentChannels();
    float[] context = model.encodePrompt(tokenizer.encodeBatch(prompt, ""), 2);
    float[] latents = new float[n];
    InitialNoise.gaussian(seed, latents, 0, n);
    for (int k = 0; k < n; k++) {
      latents[k] *= sampler.initNoiseSigma();
    }
    float[] x = new float[2 * n];
    for (int step = 0; step < sampler.steps(); step++) {
      sampler.scaleModelInput(latents, 0, n, step, x, 0);
      System.arraycopy(x, 0, x, n, n);
      float t = sampler.timestep(step);
      float[] eps = model.denoise(x, 2, h, w, new float[] {t, t}, context);
      ClassifierFreeGuidance.combine(eps, 0, eps, n, n, guidance, phi, eps, 0);
      sampler.step(latents, 0, n, eps, 0, step);
    }
    return model.decode(latents, 1, h, w);
  }

  static BufferedImage toImage(byte[] rgb, int w, int h) {
    BufferedImage bi = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = (y * w + x) * 3;
        bi.setRGB(x, y, ((rgb[i] & 0xFF) << 16) | ((rgb[i + 1] & 0xFF) << 8) | (rgb[i + 2] & 0xFF));
      }
    }
    return bi;
  }

  /** Tiles fitted into tile x tile boxes, labels wrapped under each. */
  static BufferedImage sheet(List<BufferedImage> tiles, List<String> labels, int cols, int tile) {
    int labelH = 64;
    int gap = 8;
    int rows = (tiles.size() + cols - 1) / cols;
    int cw = tile + gap;
    int rh = tile + labelH + gap;
    BufferedImage out = new BufferedImage(cols * cw + gap, rows * rh + gap, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, out.getWidth(), out.getHeight());
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (int i = 0; i < tiles.size(); i++) {
      BufferedImage t = tiles.get(i);
      double s = Math.min((double) tile / t.getWidth(), (double) tile / t.getHeight());
      int w = (int) Math.round(t.getWidth() * s);
      int h = (int) Math.round(t.getHeight() * s);
      int x0 = gap + (i % cols) * cw;
      int y0 = gap + (i / cols) * rh;
      g.drawImage(t, x0 + (tile - w) / 2, y0 + (tile - h) / 2, w, h, null);
      g.setColor(Color.BLACK);
      int line = 0;
      for (String part : wrap(labels.get(i), g, tile)) {
        g.drawString(part, x0, y0 + tile + 14 + 14 * line++);
        if (line == 4) {
          break;
        }
      }
    }
    g.dispose();
    return out;
  }

  static List<String> wrap(String text, Graphics2D g, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String word : text.split(" ")) {
      String next = cur.length() == 0 ? word : cur + " " + word;
      if (g.getFontMetrics().stringWidth(next) > width && cur.length() > 0) {
        lines.add(cur.toString());
        cur = new StringBuilder(word);
      } else {
        cur = new StringBuilder(next);
      }
    }
    if (cur.length() > 0) {
      lines.add(cur.toString());
    }
    return lines;
  }
}
