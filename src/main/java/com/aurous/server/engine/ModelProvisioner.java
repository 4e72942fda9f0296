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

  /** Blocking: may export the built-in model (well under a second). */
  public static Path resolve(String configuredDir, Path dataDir) throws IOException {
    if (!configuredDir.isBlank()) {
      return Path.of(configuredDir).toAbsolutePath().normalize();
    }
    Path dir = dataDir.resolve("models").resolve(AurousTinyExporter.MODEL_NAME);
    if (Files.exists(dir.resolve(ModelManifest.FILE_NAME))) {
      return dir;
    }
    Files.createDirectories(dir.getParent());
    // Export beside it and rename, so a crash mid-export never leaves a half model behind.
    Path tmp = Files.createTempDirectory(dir.getParent(), "export-");
    AurousTinyExporter.export(tmp);
    try {
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
      // Another node on this data dir exported it first; theirs is identical (fixed seed).
    }
    return dir;
  }
}
