package com.aurous.server.output;

import com.pngencoder.PngEncoder;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;

/**
 * RGB bytes from the decoder to PNG, through pngencoder (multi-threaded deflate, far faster than
 * ImageIO). PNG's per-row predictors (filters) are on: for the smooth pictures a diffusion model
 * makes they shrink a 1024x1024 image about 2.5x (1.5-1.9 MB unfiltered at any level to
 * 0.7-0.8 MB at level 1) at about the same encoding time; higher levels with filters buy a
 * little size for much more time (level 6: 0.55 MB at 3-4x the time; level 9: 30-50x).
 */
public final class PngWriter {
  private final int compressionLevel;

  public PngWriter(int compressionLevel) {
    this.compressionLevel = compressionLevel;
  }

  public byte[] encode(byte[] rgb, int width, int height) {
    if (rgb.length != width * height * 3) {
      throw new IllegalArgumentException("expected " + (width * height * 3) + " RGB bytes, got " + rgb.length);
    }
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int[] px = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
    for (int i = 0, j = 0; i < px.length; i++, j += 3) {
      px[i] = ((rgb[j] & 0xff) << 16) | ((rgb[j + 1] & 0xff) << 8) | (rgb[j + 2] & 0xff);
    }
    return new PngEncoder().withBufferedImage(img).withCompressionLevel(compressionLevel)
        .withPredictorEncoding(true).toBytes();
  }
}
