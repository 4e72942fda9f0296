package com.aurous.server.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

class PromptTokenizerTest {

  private final PromptTokenizer tok = new PromptTokenizer(4096, 8);

  @Test
  void emptyPromptIsBosEosThenPadding() {
    assertThat(tok.encode("")).containsExactly(1, 2, 0, 0, 0, 0, 0, 0);
    assertThat(tok.encode(null)).containsExactly(tok.encode(""));
    assertThat(tok.encode("   ")).containsExactly(tok.encode(""));
  }

  @Test
  void deterministicCaseInsensitiveAndInVocab() {
    int[] a = tok.encode("A Red Fox, jumping!");
    assertThat(a).containsExactly(tok.encode("a red fox ,jumping !"));
    // BOS a red fox , jumping ! EOS = 8 tokens
    assertThat(a[0]).isEqualTo(PromptTokenizer.BOS);
    assertThat(a[7]).isEqualTo(PromptTokenizer.EOS);
    for (int i = 1; i < 7; i++) {
      assertThat(a[i]).isBetween(4, 4095);
    }
    assertThat(a[1]).isNotEqualTo(a[2]);
  }

  @Test
  void truncatesButKeepsEos() {
    int[] ids = tok.encode("one two three four five six seven eight nine");
    assertThat(ids).hasSize(8);
    assertThat(ids[7]).isEqualTo(PromptTokenizer.EOS);
    assertThat(ids).doesNotContain(PromptTokenizer.PAD);
  }

  @Test
  void batchIsRowMajor() {
    int[] b = tok.encodeBatch("", "cat");
    assertThat(Arrays.copyOfRange(b, 0, 8)).containsExactly(tok.encode(""));
    assertThat(Arrays.copyOfRange(b, 8, 16)).containsExactly(tok.encode("cat"));
  }
}
