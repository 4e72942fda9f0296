package com.aurous.server.cli;

import com.aurous.server.auth.Team;
import com.aurous.server.auth.TeamStore;
import com.aurous.server.auth.TeamStore.KeyLimitChange;
import io.vertx.sqlclient.Row;

import java.io.PrintStream;

/** teams and keys: what an operator runs against the node's database. Blocking (awaits). */
public final class AdminCommands {
  /** The largest per-key override: what rate_limits.requests_per_window allows in config. */
  private static final long MAX_LIMIT = 1_000_000_000L;

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
        KeyLimitChange requests = limitFlag(args, "requests");
        KeyLimitChange concurrent = limitFlag(args, "concurrent");
        TeamStore.CreatedKey k = teams.createKey(t.id()).await();
        if (requests.changes() || concurrent.changes()) {
          teams.limitKey(k.keyId(), requests, concurrent).await();
        }
        out.println("Created key " + k.keyId() + " for team " + t.name() + ". It is shown once:");
        out.println(k.key());
      }
      case "keys limit" -> {
        String key = args.requireWord(2, "key id or key");
        KeyLimitChange requests = limitFlag(args, "requests");
        KeyLimitChange concurrent = limitFlag(args, "concurrent");
        if (!requests.changes() && !concurrent.changes()) {
          throw new CliArgs.CliException("keys limit needs --requests and/or --concurrent (a number, 0 for unlimited, or default)");
        }
        if (!teams.limitKey(key, requests, concurrent).await()) {
          throw new CliArgs.CliException("no live key matches " + key);
        }
        out.println("Limits of " + key + ": requests " + describe(requests) + ", concurrent " + describe(concurrent));
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
          out.printf("%-32s %-16s created=%s requests=%s concurrent=%s%s%n", r.getString("id"), r.getString("key_prefix") + "...",
              r.getOffsetDateTime("created_at"), limit(r.getLong("rate_limit_requests")),
              limit(r.getLong("rate_limit_concurrent")), r.getOffsetDateTime("revoked_at") == null ? "" : " REVOKED");
        }
      }
      default -> throw new CliArgs.CliException("unknown command: " + group + " " + verb);
    }
  }

  /**
   * --requests / --concurrent: absent leaves the key's value as it is, "default" clears it (the
   * configured rate_limits value applies), a number is the key's own limit (0: unlimited).
   */
  private static KeyLimitChange limitFlag(CliArgs args, String name) {
    String v = args.flag(name);
    if (v == null) {
      return KeyLimitChange.UNCHANGED;
    }
    if (v.equals("default")) {
      return KeyLimitChange.DEFAULT;
    }
    long n = args.longFlag(name, 0);
    if (n < 0 || n > MAX_LIMIT) {
      throw new CliArgs.CliException("--" + name + " must be default or a whole number in [0, " + MAX_LIMIT + "], got '" + v + "'");
    }
    return KeyLimitChange.to(n);
  }

  private static String describe(KeyLimitChange c) {
    return !c.changes() ? "unchanged" : c.value() == null ? "default" : c.value() == 0 ? "unlimited" : c.value().toString();
  }

  private static String limit(Long value) {
    return value == null ? "default" : value == 0 ? "unlimited" : value.toString();
  }

  private Team team(String name) {
    Team t = teams.findByName(name).await();
    if (t == null) {
      throw new CliArgs.CliException("no team named " + name);
    }
    return t;
  }
}
