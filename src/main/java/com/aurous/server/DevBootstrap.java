package com.aurous.server;

import com.aurous.server.auth.TeamStore;
import com.aurous.server.config.ServerConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * First start of the embedded default: with no team at all, create one with credits and a key,
 * print the key once and keep it in {@code <data_dir>/dev-api-key} (mode 600) so a new user can
 * curl straight away.
 */
final class DevBootstrap {
  private DevBootstrap() {}

  /** Blocking (awaits futures); returns the new key, or null when teams already exist. */
  static String ensureDefaultTeam(ServerConfig config, TeamStore teams) throws Exception {
    if (teams.countTeams().await() > 0) {
      return null;
    }
    String name = config.string("bootstrap.default_team");
    long credits = config.longInteger("bootstrap.default_credits");
    var team = teams.createTeam(name, credits).await();
    var key = teams.createKey(team.id()).await();
    Path file = config.dataDir().resolve("dev-api-key");
    Files.deleteIfExists(file);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, key.key() + "\n");
    System.out.println();
    System.out.println("  Created team '" + name + "' with " + credits + " credits. Its API key (shown once; also in " + file + "):");
    System.out.println("    " + key.key());
    System.out.println();
    return key.key();
  }
}
