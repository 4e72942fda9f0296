package com.aurous.server.model.lora;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import com.aurous.server.model.ModelLoadException;
import com.aurous.server.model.ModelManifest;
import com.aurous.server.model.PackedAdapters;
import com.aurous.server.model.tiny.WeightFile;

/**
 * The LoRA adapters of a model directory: {@code <dir>/loras/<name>.weights} (weight files with
 * {@code lora/<target>/a} [in, r] and {@code lora/<target>/b} [r, out] per adapted projection),
 * checked against the targets the manifest's {@code adapters.targets} lists, and packed per call
 * into the model's slot layout. Immutable after load; thread-safe.
 *
 * <p>A bundle (several adapters with weights on one sample) becomes one slot whose rank is the sum
 * of its members' ranks: the members' A matrices side by side, their B matrices stacked with each
 * member's weight folded in, so {@code x [A1 A2] [w1 B1; w2 B2] = w1 x A1 B1 + w2 x A2 B2}.
 */
public final class AdapterLibrary {

  /** One member of a sample's adapter mix: an adapter name and its weight. */
  public record Weighted(String name, double weight) {}

  private record Target(String name, int in, int out, int offA, int offB) {}

  /** One adapter file: per target, A [in, r] and B [r, out] (null where the file has none). */
  private record Lora(int rank, float[][] a, float[][] b) {}

  private final List<Target> targets;
  private final int widthA;
  private final int widthB;
  private final Map<String, Lora> loras;

  private AdapterLibrary(List<Target> targets, int widthA, int widthB, Map<String, Lora> loras) {
    this.targets = targets;
    this.widthA = widthA;
    this.widthB = widthB;
    this.loras = loras;
  }

  /** A library with no adapters (a model without adapter inputs or without a loras directory). */
  public static AdapterLibrary empty() {
    return new AdapterLibrary(List.of(), 0, 0, Map.of());
  }

  /**
   * Reads the manifest's adapter targets and every {@code loras/*.weights} of {@code dir}.
   *
   * @throws ModelLoadException naming the file and what does not fit
   */
  public static AdapterLibrary load(Path dir) {
    String where = "model at " + dir;
    JsonNode adapters;
    try {
      adapters = new ObjectMapper().readTree(dir.resolve(ModelManifest.FILE_NAME).toFile())
          .get("adapters");
    } catch (IOException e) {
      throw new ModelLoadException(where + ": manifest cannot be read: " + e.getMessage(), e);
    }
    Path loraDir = dir.resolve("loras");
    if (adapters == null || adapters.isNull()) {
      return empty();
    }
    JsonNode list = adapters.get("targets");
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw new ModelLoadException(where + ": manifest field 'adapters.targets' must be a non-empty array");
    }
    List<Target> targets = new ArrayList<>();
    int offA = 0;
    int offB = 0;
    for (JsonNode t : list) {
      JsonNode name = t.get("name");
      JsonNode in = t.get("in");
      JsonNode out = t.get("out");
      if (name == null || !name.isTextual() || in == null || !in.canConvertToInt() || in.asInt() < 1
          || out == null || !out.canConvertToInt() || out.asInt() < 1) {
        throw new ModelLoadException(where + ": manifest 'adapters.targets' entry " + t
            + " needs a string 'name' and positive integers 'in' and 'out'");
      }
      targets.add(new Target(name.asText(), in.asInt(), out.asInt(), offA, offB));
      offA += in.asInt();
      offB += out.asInt();
    }
    Map<String, Lora> loras = new TreeMap<>();
    if (Files.isDirectory(loraDir)) {
      try (DirectoryStream<Path> files = Files.newDirectoryStream(loraDir, "*.weights")) {
        for (Path f : files) {
          String file = f.getFileName().toString();
          String name = file.substring(0, file.length() - ".weights".length());
          loras.put(name, read(f, targets));
        }
      } catch (IOException e) {
        throw new ModelLoadException(where + ": cannot read " + loraDir + ": " + e.getMessage(), e);
      }
    }
    return new AdapterLibrary(List.copyOf(targets), offA, offB, Collections.unmodifiableMap(loras));
  }

  private static Lora read(Path f, List<Target> targets) throws IOException {
    Map<String, WeightFile.Tensor> t = WeightFile.read(f).tensors();
    int rank = -1;
    float[][] a = new float[targets.size()][];
    float[][] b = new float[targets.size()][];
    int used = 0;
    for (int i = 0; i < targets.size(); i++) {
      Target target = targets.get(i);
      WeightFile.Tensor ta = t.get("lora/" + target.name() + "/a");
      WeightFile.Tensor tb = t.get("lora/" + target.name() + "/b");
      if (ta == null && tb == null) {
        continue;
      }
      if (ta == null || tb == null || ta.dims().length != 2 || tb.dims().length != 2
          || ta.dims()[0] != target.in() || tb.dims()[1] != target.out()
          || ta.dims()[1] != tb.dims()[0] || (rank >= 0 && ta.dims()[1] != rank)) {
        throw new ModelLoadException("LoRA " + f + ": target " + target.name() + " needs a ["
            + target.in() + ", r] and b [r, " + target.out() + "] with one rank r for the file");
      }
      rank = ta.dims()[1];
      a[i] = ta.values();
      b[i] = tb.values();
      used += 2;
    }
    if (rank < 1 || used != t.size()) {
      throw new ModelLoadException("LoRA " + f + ": " + (rank < 1 ? "adapts none of the model's "
          + "targets" : "has tensors for projections the model does not adapt"));
    }
    return new Lora(rank, a, b);
  }

  /** Adapter names, sorted. */
  public List<String> names() {
    return List.copyOf(loras.keySet());
  }

  public boolean has(String name) {
    return loras.containsKey(name);
  }

  /** Why {@code mix} cannot run on this model, or null when it can. */
  public String problem(List<Weighted> mix) {
    for (Weighted w : mix) {
      if (!loras.containsKey(w.name())) {
        return "the model has no LoRA adapter '" + w.name() + "' (it has " + names() + ")";
      }
      if (!Double.isFinite(w.weight())) {
        return "LoRA adapter '" + w.name() + "' has a weight that is not a finite number";
      }
    }
    return null;
  }

  /**
   * Packs one call: {@code slotMixes.get(k)} is slot {@code k + 1}'s mix, {@code sampleSlots[i]}
   * sample i's slot (0 = no adapter). With no mixes the result has rank 0.
   */
  public PackedAdapters pack(List<List<Weighted>> slotMixes, int[] sampleSlots) {
    return pack(slotMixes, sampleSlots, 1);
  }

  /** The one-adapter-per-call form: the batch's single mix (possibly empty) in slot 0. */
  public PackedAdapters packSingle(List<Weighted> mix, int batch) {
    int rank = rankOf(mix);
    float[] a = new float[rank * widthA];
    float[] b = new float[rank * widthB];
    fill(mix, a, b, 0, rank);
    return new PackedAdapters(new int[batch], a, b, 1, rank);
  }

  private PackedAdapters pack(List<List<Weighted>> slotMixes, int[] sampleSlots, int first) {
    int rank = 0;
    for (List<Weighted> m : slotMixes) {
      rank = Math.max(rank, rankOf(m));
    }
    int slots = slotMixes.size() + first;
    float[] a = new float[slots * rank * widthA];
    float[] b = new float[slots * rank * widthB];
    for (int k = 0; k < slotMixes.size(); k++) {
      fill(slotMixes.get(k), a, b, k + first, rank);
    }
    return new PackedAdapters(sampleSlots.clone(), a, b, slots, rank);
  }

  private int rankOf(List<Weighted> mix) {
    int r = 0;
    for (Weighted w : mix) {
      r += lora(w.name()).rank();
    }
    return r;
  }

  /** Writes a mix into slot {@code slot} of a [slots, rank, width] pair, members' ranks side by side. */
  private void fill(List<Weighted> mix, float[] a, float[] b, int slot, int rank) {
    int row = 0;
    for (Weighted w : mix) {
      Lora l = lora(w.name());
      float weight = (float) w.weight();
      for (int t = 0; t < targets.size(); t++) {
        if (l.a()[t] == null) {
          continue;
        }
        Target target = targets.get(t);
        float[] la = l.a()[t];
        float[] lb = l.b()[t];
        for (int r = 0; r < l.rank(); r++) {
          int baseA = (slot * rank + row + r) * widthA + target.offA();
          for (int i = 0; i < target.in(); i++) {
            a[baseA + i] = la[i * l.rank() + r];
          }
          int baseB = (slot * rank + row + r) * widthB + target.offB();
          for (int o = 0; o < target.out(); o++) {
            b[baseB + o] = weight * lb[r * target.out() + o];
          }
        }
      }
      row += l.rank();
    }
  }

  private Lora lora(String name) {
    Lora l = loras.get(name);
    if (l == null) {
      throw new IllegalArgumentException("unknown LoRA adapter '" + name + "'");
    }
    return l;
  }

  /** The packed widths this library fills; must equal the model's (checked by the engine). */
  public int[] widths() {
    return new int[] {widthA, widthB};
  }

  /** For messages. */
  @Override
  public String toString() {
    Map<String, Integer> ranks = new LinkedHashMap<>();
    loras.forEach((k, v) -> ranks.put(k, v.rank()));
    return "LoRA adapters " + ranks;
  }
}
