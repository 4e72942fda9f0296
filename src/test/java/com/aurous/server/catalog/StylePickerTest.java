package com.aurous.server.catalog;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The documented auto-pick rule: whole words, case-insensitive, first match in catalog order, or none. */
class StylePickerTest {
  private static Style style(String id, String... keywords) {
    return new Style(id, id, null, id, Style.LORA, null, null, null, null, null, null, null, List.of(keywords), List.of());
  }

  private static final List<Style> CATALOG = List.of(
      style("a", "neon"), style("b", "black and white", "noir"), style("c", "neon", "film"));

  @Test
  void aKeywordMatchesOnlyAsWholeWordsWhateverTheCase() {
    assertThat(StylePicker.pick("NEON lights", CATALOG).id()).isEqualTo("a");
    assertThat(StylePicker.pick("neon-lit street", CATALOG).id()).isEqualTo("a");
    assertThat(StylePicker.pick("a neonate", CATALOG)).isNull();
    assertThat(StylePicker.pick("xneon", CATALOG)).isNull();
  }

  @Test
  void aMultiWordKeywordNeedsItsWordsConsecutively() {
    assertThat(StylePicker.pick("Black-and-White photo", CATALOG).id()).isEqualTo("b");
    assertThat(StylePicker.pick("a black cat and white dog", CATALOG)).isNull();
  }

  @Test
  void theFirstStyleInCatalogOrderWinsNotTheFirstKeywordInThePrompt() {
    assertThat(StylePicker.pick("noir film with neon", CATALOG).id()).isEqualTo("a");
    assertThat(StylePicker.pick("a film", CATALOG).id()).isEqualTo("c");
  }

  @Test
  void noMatchOrNoCatalogMeansNoStyle() {
    assertThat(StylePicker.pick("a portrait", CATALOG)).isNull();
    assertThat(StylePicker.pick("neon", List.of())).isNull();
    assertThat(StylePicker.pick("", CATALOG)).isNull();
  }
}
