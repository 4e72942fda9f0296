package com.aurous.server.model;

/**
 * LoRA adapters of one denoise call in the model's packed layout (MODEL_FORMAT.md, "Adapters"):
 * {@code index} [batch] is each sample's slot (0 = no adapter); {@code loraA} [slots, rank,
 * width A] and {@code loraB} [slots, rank, width B] hold every slot's matrices, zero-padded to the
 * call's largest rank. Slot 0 is never read by a per-sample model; a per-call model (one
 * adapter for the whole call) gets exactly one slot, used by every sample.
 */
public record PackedAdapters(int[] index, float[] loraA, float[] loraB, int slots, int rank) {

  /** No adapter for any of {@code batch} samples: one empty slot of rank 0. */
  public static PackedAdapters none(int batch) {
    return new PackedAdapters(new int[batch], new float[0], new float[0], 1, 0);
  }

  /** True when some sample uses an adapter (the packer gives rank 0 when none does). */
  public boolean any() {
    return rank > 0;
  }
}
