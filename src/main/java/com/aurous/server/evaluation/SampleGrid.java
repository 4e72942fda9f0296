package com.aurous.server.evaluation;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.ArrayList;
import java.util.List;

/**
 * A contact sheet: thumbnails of generated images, each with its prompt and the evaluator's
 * verdict under it, so a person can look at what the scores mean. Not thread-safe.
 */
public final class SampleGrid {
  private static final int CAPTION_LINES = 4;
  private static final int VERDICT_LINES = 2;
  private static final int TEXT_LINES = CAPTION_LINES + VERDICT_LINES;
  private static final int LINE = 13;

  private record Cell(BufferedImage thumb, String caption, String verdict, boolean allRight) {}

  private final int columns;
  private final int cellWidth;
  private final List<Cell> cells = new ArrayList<>();
  private int thumbHeight = -1;

  public SampleGrid(int columns, int cellWidth) {
    if (columns < 1 || cellWidth < 32) {
      throw new IllegalArgumentException("columns >= 1 and cellWidth >= 32");
    }
    this.columns = columns;
    this.cellWidth = cellWidth;
  }

  /** Adds one image (RGB HWC); all images of a grid must share one aspect ratio. */
  public void add(byte[] rgb, int width, int height, String caption, ImageScore score) {
    int th = Math.max(1, (int) Math.round(cellWidth * (double) height / width));
    if (thumbHeight < 0) {
      thumbHeight = th;
    }
    BufferedImage full = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int[] px = ((DataBufferInt) full.getRaster().getDataBuffer()).getData();
    for (int i = 0, j = 0; i < px.length; i++, j += 3) {
      px[i] = ((rgb[j] & 0xFF) << 16) | ((rgb[j + 1] & 0xFF) << 8) | (rgb[j + 2] & 0xFF);
    }
    BufferedImage thumb = new BufferedImage(cellWidth, thumbHeight, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = thumb.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
    g.drawImage(full.getScaledInstance(cellWidth, thumbHeight, java.awt.Image.SCALE_AREA_AVERAGING), 0, 0, null);
    g.dispose();
    cells.add(new Cell(thumb, caption, verdict(score), score.allRight()));
  }

  public int size() {
    return cells.size();
  }

  /** The sheet as RGB bytes (HWC) with its width and height. */
  public Sheet render() {
    int rows = Math.max(1, (cells.size() + columns - 1) / columns);
    int cellHeight = Math.max(thumbHeight, 1) + TEXT_LINES * LINE + 10;
    int w = columns * cellWidth + (columns + 1) * 6;
    int h = rows * cellHeight + (rows + 1) * 6;
    BufferedImage sheet = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = sheet.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(new Color(0x20, 0x20, 0x20));
    g.fillRect(0, 0, w, h);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    FontMetrics fm = g.getFontMetrics();
    for (int i = 0; i < cells.size(); i++) {
      Cell c = cells.get(i);
      int x = 6 + (i % columns) * (cellWidth + 6);
      int y = 6 + (i / columns) * (cellHeight + 6);
      g.drawImage(c.thumb(), x, y, null);
      g.setColor(new Color(0xE8, 0xE8, 0xE8));
      List<String> lines = wrap(c.caption(), fm, cellWidth, CAPTION_LINES);
      for (int k = 0; k < lines.size(); k++) {
        g.drawString(lines.get(k), x, y + thumbHeight + LINE * (k + 1));
      }
      g.setColor(c.allRight() ? new Color(0x6F, 0xD0, 0x6F) : new Color(0xF0, 0x90, 0x60));
      List<String> verdict = wrap(c.verdict(), fm, cellWidth, VERDICT_LINES);
      for (int k = 0; k < verdict.size(); k++) {
        g.drawString(verdict.get(k), x, y + thumbHeight + LINE * (CAPTION_LINES + k + 1));
      }
    }
    g.dispose();
    int[] px = ((DataBufferInt) sheet.getRaster().getDataBuffer()).getData();
    byte[] rgb = new byte[px.length * 3];
    for (int i = 0; i < px.length; i++) {
      rgb[3 * i] = (byte) (px[i] >> 16);
      rgb[3 * i + 1] = (byte) (px[i] >> 8);
      rgb[3 * i + 2] = (byte) px[i];
    }
    return new Sheet(rgb, w, h);
  }

  /** RGB bytes of a rendered sheet. */
  public record Sheet(byte[] rgb, int width, int height) {}

  private static String verdict(ImageScore s) {
    return String.format(java.util.Locale.ROOT, "background %s, count %s, colour %d/%d, shape %d/%d, position %d/%d",
        s.backgroundRight() ? "right" : "wrong", s.countRight() ? "right" : "wrong", s.colorsRight(),
        s.objects().size(), s.shapesRight(), s.objects().size(), s.positionsRight(), s.objects().size());
  }

  private static List<String> wrap(String text, FontMetrics fm, int width, int maxLines) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      String next = line.length() == 0 ? word : line + " " + word;
      if (fm.stringWidth(next) > width && line.length() > 0) {
        lines.add(line.toString());
        line = new StringBuilder(word);
      } else {
        line = new StringBuilder(next);
      }
    }
    if (line.length() > 0) {
      lines.add(line.toString());
    }
    if (lines.size() > maxLines) {
      List<String> cut = new ArrayList<>(lines.subList(0, maxLines));
      cut.set(maxLines - 1, cut.get(maxLines - 1) + " ...");
      return cut;
    }
    return lines;
  }
}
