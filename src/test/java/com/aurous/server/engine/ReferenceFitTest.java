package com.aurous.server.engine;

import com.aurous.server.engine.ReferenceSource.ReferencePicture;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReferenceFitTest {

  /** Left third red, middle third green, right third blue. */
  static ReferencePicture bands(int w, int h) {
    byte[] rgb = new byte[w * h * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int band = x * 3 / w;
        rgb[(y * w + x) * 3 + band] = (byte) 255;
      }
    }
    return new ReferencePicture(w, h, rgb);
  }

  static int[] pixel(byte[] rgb, int w, int x, int y) {
    int i = (y * w + x) * 3;
    return new int[] {rgb[i] & 0xff, rgb[i + 1] & 0xff, rgb[i + 2] & 0xff};
  }

  @Test
  void aPictureOfTheOutputSizeIsKeptAsItIs() {
    ReferencePicture p = bands(64, 32);
    assertThat(ReferenceFit.fit(p, 64, 32)).isEqualTo(p.rgb());
  }

  @Test
  void aWiderPictureIsCroppedToTheOutputsAspectAroundItsCentreThenShrunk() {
    // 300x100 to a square: the centred 100x100 window is the green band alone.
    byte[] out = ReferenceFit.fit(bands(300, 100), 32, 32);
    assertThat(out).hasSize(32 * 32 * 3);
    for (int[] xy : new int[][] {{0, 0}, {31, 0}, {16, 16}, {0, 31}, {31, 31}}) {
      assertThat(pixel(out, 32, xy[0], xy[1])).containsExactly(0, 255, 0);
    }
  }

  @Test
  void aTallerPictureIsCroppedVerticallyAndALargeShrinkAveragesRatherThanSamples() {
    // 1200 wide, 3600 tall, to 64x64: the middle 1200x1200 rows; each band keeps its third.
    byte[] out = ReferenceFit.fit(bands(1200, 3600), 63, 63);
    assertThat(pixel(out, 63, 5, 30)).containsExactly(255, 0, 0);
    assertThat(pixel(out, 63, 31, 30)).containsExactly(0, 255, 0);
    assertThat(pixel(out, 63, 58, 30)).containsExactly(0, 0, 255);
  }

  @Test
  void aSmallPictureIsEnlargedAndFittingIsDeterministic() {
    ReferencePicture p = bands(30, 20);
    byte[] a = ReferenceFit.fit(p, 96, 64);
    assertThat(a).hasSize(96 * 64 * 3).isEqualTo(ReferenceFit.fit(p, 96, 64));
    assertThat(pixel(a, 96, 2, 30)).containsExactly(255, 0, 0);
    assertThat(pixel(a, 96, 93, 30)).containsExactly(0, 0, 255);
  }

  @Test
  void aPictureWhoseBytesDoNotMatchItsSizeIsRefused() {
    assertThatThrownBy(() -> ReferenceFit.fit(new ReferencePicture(10, 10, new byte[10]), 8, 8))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
