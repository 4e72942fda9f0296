package com.aurous.server.engine;

import com.aurous.server.model.ModelManifest;
import com.aurous.server.model.tiny.AurousTinyExporter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Which model directory the workers load: engine.model_dir when set, else the built-in
 * aurous-tiny, exported once into the data dir and then loaded through the same path as any
 * other SavedModel.
 */
public final class ModelProvisioner {
  private ModelProvisioner() {}

  /** Written into a provisioned copy: what it was exported from (AurousTinyExporter.builtInFingerprint). */
  static final String FINGERPRINT_FILE = "aurous-export.sha256";

  private static String readFingerprint(Path dir) throws IOException {
    Path f = dir.resolve(FINGERPRINT_FILE);
    return Files.isRegularFile(f) ? Files.readString(f).trim() : "";
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Blocking: may export the built-in model (well under a second). */
  public static Path resolve(String configuredDir, Path dataDir) throws IOException {
    if (!configuredDir.isBlank()) {
      return Path.of(configuredDir).toAbsolutePath().normalize();
    }
    Path dir = dataDir.resolve("models").resolve(AurousTinyExporter.MODEL_NAME);
    String fingerprint = AurousTinyExporter.builtInFingerprint();
    if (Files.exists(dir.resolve(ModelManifest.FILE_NAME)) && fingerprint.equals(readFingerprint(dir))) {
      return dir;
    }
    Files.createDirectories(dir.getParent());
    // Export beside it and rename, so a crash mid-export never leaves a half model behind.
    Path tmp = Files.createTempDirectory(dir.getParent(), "export-");
    AurousTinyExporter.export(tmp);
    Files.writeString(tmp.resolve(FINGERPRINT_FILE), fingerprint);
    if (Files.exists(dir)) {
      // A copy from an older jar (other weights, no adapters): moved aside, then deleted.
      Path old = dir.resolveSibling(dir.getFileName() + ".old-" + System.nanoTime());
      try {
        Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
      } catch (java.nio.file.NoSuchFileException raced) {
        // another node on this data dir replaced it first
      }
    }
    try {
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
      // Another node on this data dir exported it first; theirs is identical (same jar).
      deleteTree(tmp);
    }
    return dir;
  }
}
