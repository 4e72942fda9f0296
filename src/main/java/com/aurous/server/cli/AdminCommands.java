package com.aurous.server.cli;

import com.aurous.server.auth.Team;
import com.aurous.server.auth.TeamStore;
import io.vertx.sqlclient.Row;

import java.io.PrintStream;

/** teams and keys: what an operator runs against the node's database. Blocking (awaits). */
public final class AdminCommands {
  private final TeamStore teams;
  private final PrintStream out;

  public AdminCommands(TeamStore teams, PrintStream out) {
    this.teams = teams;
    this.out = out;
  }

  public void run(CliArgs args) {
    String group = args.requireWord(0, "command");
    String verb = args.requireWord(1, group + " sub-command");
    switch (group + " " + verb) {
      case "teams create" -> {
        String name = args.requireWord(2, "team name");
        long credits = args.longFlag("credits", 0);
        if (credits < 0) {
          throw new CliArgs.CliException("--credits must not be negative");
        }
        if (name.isBlank()) {
          throw new CliArgs.CliException("team name must not be blank");
        }
        if (teams.findByName(name).await() != null) {
          throw new CliArgs.CliException("a team named " + name + " already exists");
        }
        Team t = teams.createTeam(name, credits).await();
        out.println("Created team " + t.name() + " (" + t.id() + ") with " + credits + " credits");
      }
      case "teams credit" -> {
        Team t = team(args.requireWord(2, "team name"));
        String rawAmount = args.requireWord(3, "credit amount");
        long amount;
        try {
          amount = Long.parseLong(rawAmount);
        } catch (NumberFormatException e) {
          throw new CliArgs.CliException("credit amount must be a whole number, got '" + rawAmount + "'");
        }
        if (amount <= 0) {
          throw new CliArgs.CliException("credit amount must be positive");
        }
        teams.grant(t.id(), amount).await();
        out.println("Granted " + amount + " credits to " + t.name() + "; balance " + teams.balance(t.id()).await());
      }
      case "teams pin" -> {
        Team t = team(args.requireWord(2, "team name"));
        String version = args.requireWord(3, "API version (YYYY-MM-DD)");
        if (!version.matches("^\\d{4}-\\d{2}-\\d{2}$")) {
          throw new CliArgs.CliException("version must look like YYYY-MM-DD");
        }
        teams.pinVersion(t.id(), version).await();
        out.println("Pinned " + t.name() + " to API version " + version);
      }
      case "teams list" -> {
        for (Row r : teams.listTeams().await()) {
          out.printf("%-32s %-28s balance=%d pinned=%s%n", r.getString("name"), r.getString("id"), r.getLong("balance"),
              r.getString("pinned_version"));
        }
      }
      case "keys create" -> {
        Team t = team(args.requireFlag("team"));
        TeamStore.CreatedKey k = teams.createKey(t.id()).await();
        out.println("Created key " + k.keyId() + " for team " + t.name() + ". It is shown once:");
        out.println(k.key());
      }
      case "keys revoke" -> {
        String key = args.requireWord(2, "key id or key");
        if (!teams.revoke(key).await()) {
          throw new CliArgs.CliException("no live key matches " + key);
        }
        out.println("Revoked " + key);
      }
      case "keys list" -> {
        Team t = team(args.requireFlag("team"));
        for (Row r : teams.listKeys(t.id()).await()) {
          out.printf("%-32s %-16s created=%s%s%n", r.getString("id"), r.getString("key_prefix") + "...",
              r.getOffsetDateTime("created_at"), r.getOffsetDateTime("revoked_at") == null ? "" : " REVOKED");
        }
      }
      default -> throw new CliArgs.CliException("unknown command: " + group + " " + verb);
    }
  }

  private Team team(String name) {
    Team t = teams.findByName(name).await();
    if (t == null) {
      throw new CliArgs.CliException("no team named " + name);
    }
    return t;
  }
}
