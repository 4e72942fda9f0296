package com.aurous.server.files;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Decides what an image's bytes are and whether they decode, never trusting a declared type:
 * the format comes from the magic bytes, the dimensions from the header (read before any pixel
 * is decoded, so a small file declaring a huge canvas is refused without allocating it), and
 * only then the whole picture is decoded; a decoder warning (a truncated JPEG decodes with a
 * grey tail and a warning) counts as a failure. Blocking and CPU-bound: call it off the event loop.
 */
public final class ImageInspector {
  static {
    // The WebP reader is an ImageIO plug-in found through the service loader.
    ImageIO.scanForPlugins();
    ImageIO.setUseCache(false);
  }

  /** The formats accepted, by their magic bytes. */
  public enum Format {
    PNG("image/png", "png"), JPEG("image/jpeg", "jpeg"), WEBP("image/webp", "webp");

    final String mimeType;
    final String readerName;

    Format(String mimeType, String readerName) {
      this.mimeType = mimeType;
      this.readerName = readerName;
    }

    public String mimeType() {
      return mimeType;
    }
  }

  /** A refusal, in words for the user; {@link #code} is the API's error code. */
  public static final class ImageRejected extends Exception {
    private final String code;

    ImageRejected(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  /** A decoded image: its format, size, and 8-bit RGB pixels (row-major, 3 bytes a pixel). */
  public record Decoded(Format format, int width, int height, byte[] rgb) {}

  private final long maxPixels;

  public ImageInspector(long maxPixels) {
    this.maxPixels = maxPixels;
  }

  /** The format the bytes begin with, or null. */
  public static Format sniff(byte[] b) {
    if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G'
        && b[4] == 0x0d && b[5] == 0x0a && b[6] == 0x1a && b[7] == 0x0a) {
      return Format.PNG;
    }
    if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) {
      return Format.JPEG;
    }
    if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F'
        && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
      return Format.WEBP;
    }
    return null;
  }

  public Decoded decode(byte[] bytes) throws ImageRejected {
    Format format = sniff(bytes);
    if (format == null) {
      throw new ImageRejected("unsupported_file_type", "The file is not a PNG, JPEG or WebP image (judged by its content).");
    }
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.readerName);
    if (!readers.hasNext()) {
      throw new IllegalStateException("no ImageIO reader for " + format);
    }
    ImageReader reader = readers.next();
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      AtomicReference<String> warning = new AtomicReference<>();
      reader.addIIOReadWarningListener((IIOReadWarningListener) (source, message) -> warning.compareAndSet(null, message));
      reader.setInput(in, true, true);
      int width = reader.getWidth(0);
      int height = reader.getHeight(0);
      if (width <= 0 || height <= 0) {
        throw new ImageRejected("invalid_image", "The image declares no pixels.");
      }
      if ((long) width * height > maxPixels) {
        throw new ImageRejected("image_too_large", "The image is " + width + "x" + height + " pixels; at most "
            + maxPixels + " pixels are accepted.");
      }
      BufferedImage image = reader.read(0);
      if (warning.get() != null) {
        throw new ImageRejected("invalid_image", "The " + format.name() + " image is damaged or truncated.");
      }
      return new Decoded(format, width, height, rgb(image));
    } catch (IOException | RuntimeException e) {
      throw new ImageRejected("invalid_image", "The " + format.name() + " image is damaged or truncated and could not be decoded.");
    } finally {
      reader.dispose();
    }
  }

  /** Alpha is dropped: a reference is a picture to start from, not a mask. */
  private static byte[] rgb(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    byte[] out = new byte[w * h * 3];
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      image.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int p = row[x];
        int o = (y * w + x) * 3;
        out[o] = (byte) (p >> 16);
        out[o + 1] = (byte) (p >> 8);
        out[o + 2] = (byte) p;
      }
    }
    return out;
  }
}
