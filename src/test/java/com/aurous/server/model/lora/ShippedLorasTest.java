package com.aurous.server.model.lora;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.aurous.server.model.DiffusionModel;
import com.aurous.server.model.scenes.HeldOutScenes;
import com.aurous.server.model.tiny.AurousTinyExporter;

/**
 * Each shipped LoRA changes the built-in model's pictures the way its name says, on the same
 * held-out prompts and seeds as the base model (mean colour statistics, wide margins so a retrained
 * base or adapter still passes).
 */
class ShippedLorasTest {

  @TempDir
  static Path tmp;

  static DiffusionModel model;
  static AdapterLibrary lib;
  static PictureStats base;

  @BeforeAll
  static void exportAndRenderTheBase() throws Exception {
    Path dir = tmp.resolve("aurous-tiny");
    AurousTinyExporter.export(dir);
    model = DiffusionModel.load(dir, "CPU:0", 2);
    lib = AdapterLibrary.load(dir);
    base = stats(List.of());
    System.out.println("base: " + base);
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
  }

  static PictureStats stats(List<AdapterLibrary.Weighted> mix) {
    List<PictureStats> all = new ArrayList<>();
    for (HeldOutScenes.Case c : HeldOutScenes.cases(3, 5000)) {
      all.add(PictureStats.of(LoraPictures.generate(model, lib, mix, c.caption(), c.seed(), 512, 512)));
    }
    return PictureStats.mean(all);
  }

  static PictureStats with(String name) {
    PictureStats s = stats(List.of(new AdapterLibrary.Weighted(name, 1.0)));
    System.out.println(name + ": " + s);
    return s;
  }

  @Test
  void theBuiltInModelShipsThePastelNeonAndMonochromeAdapters() {
    assertThat(lib.names()).containsExactlyInAnyOrder("pastel", "neon", "monochrome");
  }

  @Test
  void monochromeDrainsTheColour() {
    PictureStats s = with("monochrome");
    assertThat(s.saturation()).isLessThan(base.saturation() * 0.4);
    assertThat(Math.abs(s.luminance() - base.luminance())).isLessThan(0.15);
  }

  @Test
  void pastelLightensAndSoftens() {
    PictureStats s = with("pastel");
    assertThat(s.luminance()).isGreaterThan(base.luminance() + 0.08);
    assertThat(s.saturation()).isLessThan(base.saturation() - 0.1);
    assertThat(s.contrast()).isLessThan(base.contrast());
  }

  @Test
  void neonPutsSaturatedColourOnADarkBackground() {
    PictureStats s = with("neon");
    // On the position-aware base the backgrounds go deep but seldom below 0.1 at 512 px (mean
    // luminance 0.44 -> 0.21), so the measure is the darkening itself plus some near-black pixels.
    assertThat(s.darkShare()).isGreaterThan(base.darkShare() + 0.01);
    assertThat(s.luminance()).isLessThan(base.luminance() - 0.15);
    assertThat(s.brightSaturation()).isGreaterThan(base.brightSaturation());
  }

  @Test
  void halfAWeightHasAboutHalfTheEffect() {
    PictureStats half = stats(List.of(new AdapterLibrary.Weighted("pastel", 0.5)));
    PictureStats full = with("pastel");
    assertThat(half.luminance()).isBetween(base.luminance(), full.luminance());
  }
}
