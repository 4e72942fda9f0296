package com.aurous.server.model.tiny;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * aurous-tiny's weights as a plain file: named float tensors in build order.
 *
 * <p>Layout (big-endian, {@link DataOutputStream}): magic {@code "AURW"}, version 1, tensor
 * count, then per tensor its name (modified UTF-8), rank, dimensions and float values. It is the
 * hand-off between the trainer (which writes it at every checkpoint) and the exporter (which bakes
 * it into the SavedModel's variables), and the committed built-in model is one of these.
 */
public final class WeightFile {

  private static final int MAGIC = 0x41555257; // "AURW"
  private static final int VERSION = 1;

  /** One tensor: its dimensions and row-major values. */
  public record Tensor(int[] dims, float[] values) {
    public Tensor {
      int n = Arrays.stream(dims).reduce(1, (a, b) -> a * b);
      if (n != values.length) {
        throw new IllegalArgumentException("dims " + Arrays.toString(dims) + " need " + n
            + " values, got " + values.length);
      }
    }
  }

  private final Map<String, Tensor> tensors;

  public WeightFile(Map<String, Tensor> tensors) {
    this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
  }

  public Map<String, Tensor> tensors() {
    return tensors;
  }

  public long parameterCount() {
    return tensors.values().stream().mapToLong(t -> t.values().length).sum();
  }

  public static WeightFile read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    }
  }

  public static WeightFile read(InputStream raw, String where) throws IOException {
    DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16));
    if (in.readInt() != MAGIC) {
      throw new IOException(where + ": not an aurous weight file (bad magic)");
    }
    int version = in.readInt();
    if (version != VERSION) {
      throw new IOException(where + ": weight file version " + version + ", expected " + VERSION);
    }
    int count = in.readInt();
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      String name = in.readUTF();
      int rank = in.readInt();
      int[] dims = new int[rank];
      int n = 1;
      for (int d = 0; d < rank; d++) {
        dims[d] = in.readInt();
        n *= dims[d];
      }
      float[] v = new float[n];
      for (int k = 0; k < n; k++) {
        v[k] = in.readFloat();
      }
      m.put(name, new Tensor(dims, v));
    }
    return new WeightFile(m);
  }

  /** Writes atomically (temp file + move), so a reader never sees half a file. */
  public void write(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
    try (OutputStream raw = Files.newOutputStream(tmp);
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16))) {
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      out.writeInt(tensors.size());
      for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
        out.writeUTF(e.getKey());
        int[] dims = e.getValue().dims();
        out.writeInt(dims.length);
        for (int d : dims) {
          out.writeInt(d);
        }
        for (float f : e.getValue().values()) {
          out.writeFloat(f);
        }
      }
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
