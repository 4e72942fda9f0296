package com.aurous.server.testing;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.CRC32;

/** Test pictures made here with ImageIO (PNG, JPEG) or shipped under src/test/resources/files (WebP). */
public final class Pictures {
  private Pictures() {}

  /** A smooth colour gradient with a few shapes: compresses well, far from noise. */
  public static BufferedImage gradient(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int r = 255 * x / Math.max(1, w - 1);
        int g = 255 * y / Math.max(1, h - 1);
        int b = ((x / Math.max(1, w / 4)) + (y / Math.max(1, h / 4))) % 2 == 0 ? 200 : 40;
        img.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    return img;
  }

  public static byte[] png(int w, int h) {
    return encode(gradient(w, h), "png");
  }

  public static byte[] jpeg(int w, int h) {
    return encode(gradient(w, h), "jpeg");
  }

  public static byte[] encode(BufferedImage img, String format) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (!ImageIO.write(img, format, out)) {
        throw new IllegalStateException("no writer for " + format);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A lossless (or, with lossy, a lossy) 48x32 WebP made with cwebp. */
  public static byte[] webp(boolean lossy) {
    String name = lossy ? "/files/gradient-48x32-lossy.webp" : "/files/gradient-48x32.webp";
    try (InputStream in = Pictures.class.getResourceAsStream(name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A real small PNG whose header claims {@code w} x {@code h} pixels (its CRC fixed, so only
   * the pixel count gives it away): a decompression bomb as far as the header goes.
   */
  public static byte[] bombPng(int w, int h) {
    byte[] png = png(8, 8).clone();
    // Signature (8) + IHDR length (4) + "IHDR" (4): width at 16, height at 20, CRC after the 13 data bytes at 29.
    putInt(png, 16, w);
    putInt(png, 20, h);
    CRC32 crc = new CRC32();
    crc.update(png, 12, 17);
    putInt(png, 29, (int) crc.getValue());
    return png;
  }

  public static byte[] truncated(byte[] image) {
    return Arrays.copyOf(image, image.length / 2);
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  public static BufferedImage read(byte[] bytes) {
    try {
      return ImageIO.read(new java.io.ByteArrayInputStream(bytes));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
