package com.aurous.server.engine;

import com.aurous.server.engine.ReferenceSource.ReferencePicture;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * Brings a reference picture to a generation's output size, the rule image-to-image documents:
 * <ol>
 *   <li>center-crop it to the output's aspect ratio (the largest centred window of that aspect;
 *       nothing is stretched, no bars are added);</li>
 *   <li>resize the window to the output size: shrinking halves it with bilinear filtering while it
 *       is more than twice the target (each halving is an exact 2x2 average, so a large picture is
 *       area-averaged rather than aliased), then one bilinear step to the exact size; growing is one
 *       bilinear step.</li>
 * </ol>
 * A picture already of the output size is returned as it is. Pure Java2D on RGB bytes, so it is
 * deterministic: the same picture always gives the same pixels. Runs off the event loop (it is
 * CPU work proportional to the picture).
 */
public final class ReferenceFit {

  private ReferenceFit() {}

  /** RGB bytes of {@code width * height * 3}, row-major. */
  public static byte[] fit(ReferencePicture picture, int width, int height) {
    if (picture.rgb().length != (long) picture.width() * picture.height() * 3) {
      throw new IllegalArgumentException("reference picture holds " + picture.rgb().length + " bytes, expected "
          + picture.width() + "x" + picture.height() + "x3");
    }
    if (picture.width() == width && picture.height() == height) {
      return picture.rgb().clone();
    }
    BufferedImage image = crop(toImage(picture), width, height);
    while (image.getWidth() >= 2 * width && image.getHeight() >= 2 * height) {
      image = scale(image, image.getWidth() / 2, image.getHeight() / 2);
    }
    if (image.getWidth() != width || image.getHeight() != height) {
      image = scale(image, width, height);
    }
    return toRgb(image);
  }

  /** The centred window of the target's aspect; both sides rounded to whole pixels, at least 1. */
  private static BufferedImage crop(BufferedImage image, int width, int height) {
    int w = image.getWidth();
    int h = image.getHeight();
    int cw = w;
    int ch = h;
    if ((long) w * height > (long) h * width) {
      cw = (int) Math.max(1, Math.round((double) h * width / height));
    } else {
      ch = (int) Math.max(1, Math.round((double) w * height / width));
    }
    return cw == w && ch == h ? image : image.getSubimage((w - cw) / 2, (h - ch) / 2, cw, ch);
  }

  private static BufferedImage scale(BufferedImage image, int width, int height) {
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.drawImage(image, 0, 0, width, height, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  private static BufferedImage toImage(ReferencePicture p) {
    BufferedImage image = new BufferedImage(p.width(), p.height(), BufferedImage.TYPE_3BYTE_BGR);
    byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
    byte[] rgb = p.rgb();
    for (int i = 0; i < rgb.length; i += 3) {
      bgr[i] = rgb[i + 2];
      bgr[i + 1] = rgb[i + 1];
      bgr[i + 2] = rgb[i];
    }
    return image;
  }

  private static byte[] toRgb(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    byte[] rgb = new byte[w * h * 3];
    int at = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int p = image.getRGB(x, y);
        rgb[at++] = (byte) (p >> 16);
        rgb[at++] = (byte) (p >> 8);
        rgb[at++] = (byte) p;
      }
    }
    return rgb;
  }
}
