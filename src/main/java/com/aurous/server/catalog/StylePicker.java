package com.aurous.server.catalog;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The auto-pick rule for a request without lora_id: the first style, in catalog order (id
 * ascending, so the oldest entry first), one of whose keywords occurs in the prompt as whole
 * words, case-insensitively; none when no keyword matches. "Whole words": prompt and keyword are
 * both split into runs of letters and digits, and the keyword's words must appear consecutively
 * in the prompt's ("black and white" matches "a Black-and-White cat", "neon" does not match
 * "neonate"). Pure, so the rule is tested without a database.
 */
public final class StylePicker {
  private static final Pattern NOT_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

  private StylePicker() {}

  public static Style pick(String prompt, List<Style> catalogOrder) {
    List<String> words = words(prompt);
    for (Style s : catalogOrder) {
      for (String keyword : s.keywords()) {
        List<String> k = words(keyword);
        if (!k.isEmpty() && Collections.indexOfSubList(words, k) >= 0) {
          return s;
        }
      }
    }
    return null;
  }

  static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    for (String w : NOT_WORD.split(text.toLowerCase(Locale.ROOT))) {
      if (!w.isEmpty()) {
        out.add(w);
      }
    }
    return out;
  }

}
