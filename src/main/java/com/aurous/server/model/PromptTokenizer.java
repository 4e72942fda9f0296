package com.aurous.server.model;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The {@code word-hash} tokenizer: a deterministic, vocabulary-file-free prompt tokenizer.
 *
 * <p>Scheme (documented in {@code MODEL_FORMAT.md}, any exporter must match it):
 * <ol>
 *   <li>The prompt is lower-cased ({@link Locale#ROOT}).</li>
 *   <li>It is split into pieces: each maximal run of letters/digits (Unicode) is one piece, each
 *       other non-whitespace code point is a piece of its own, whitespace separates.</li>
 *   <li>A piece's id is {@code 4 + (fnv1a32(utf8(piece)) mod (vocab_size - 4))}, unsigned.</li>
 *   <li>The sequence is {@code BOS, ids..., EOS}, truncated so that EOS always fits (pieces past
 *       {@code max_length - 2} are dropped), then right-padded with PAD to {@code max_length}.</li>
 * </ol>
 * Reserved ids: PAD=0, BOS=1, EOS=2, 3 unused (reserved for UNK). The empty prompt {@code ""}
 * gives {@code BOS, EOS, PAD...}: the unconditional prompt of classifier-free guidance.
 *
 * <p>Immutable and thread-safe.
 */
public final class PromptTokenizer {

  public static final int PAD = 0;
  public static final int BOS = 1;
  public static final int EOS = 2;
  public static final int UNK = 3;
  public static final int FIRST_WORD_ID = 4;

  private final int vocabSize;
  private final int maxLength;

  public PromptTokenizer(int vocabSize, int maxLength) {
    if (vocabSize <= FIRST_WORD_ID) {
      throw new IllegalArgumentException("vocabSize must be > " + FIRST_WORD_ID);
    }
    if (maxLength < 2) {
      throw new IllegalArgumentException("maxLength must be >= 2");
    }
    this.vocabSize = vocabSize;
    this.maxLength = maxLength;
  }

  public static PromptTokenizer of(ModelManifest manifest) {
    return new PromptTokenizer(manifest.tokenizer().vocabSize(), manifest.contextLength());
  }

  public int maxLength() {
    return maxLength;
  }

  /** Token ids of one prompt, exactly {@link #maxLength()} long. Null counts as "". */
  public int[] encode(String prompt) {
    int[] ids = new int[maxLength]; // PAD = 0
    int n = 0;
    ids[n++] = BOS;
    String s = prompt == null ? "" : prompt.toLowerCase(Locale.ROOT);
    int i = 0;
    int len = s.length();
    while (i < len && n < maxLength - 1) {
      int cp = s.codePointAt(i);
      if (Character.isWhitespace(cp)) {
        i += Character.charCount(cp);
        continue;
      }
      int end = i + Character.charCount(cp);
      if (Character.isLetterOrDigit(cp)) {
        while (end < len && Character.isLetterOrDigit(s.codePointAt(end))) {
          end += Character.charCount(s.codePointAt(end));
        }
      }
      ids[n++] = pieceId(s.substring(i, end));
      i = end;
    }
    ids[n] = EOS;
    return ids;
  }

  /** Token ids of several prompts, flat row-major [prompts.length, maxLength]. */
  public int[] encodeBatch(String... prompts) {
    int[] out = new int[prompts.length * maxLength];
    for (int b = 0; b < prompts.length; b++) {
      System.arraycopy(encode(prompts[b]), 0, out, b * maxLength, maxLength);
    }
    return out;
  }

  int pieceId(String piece) {
    int h = 0x811C9DC5;
    for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xFF);
      h *= 0x01000193;
    }
    return FIRST_WORD_ID + (int) (Integer.toUnsignedLong(h) % (vocabSize - FIRST_WORD_ID));
  }
}
