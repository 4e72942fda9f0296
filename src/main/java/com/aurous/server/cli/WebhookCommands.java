package com.aurous.server.cli;

import com.aurous.server.auth.Team;
import com.aurous.server.auth.TeamStore;
import com.aurous.server.webhook.WebhookSecrets;
import io.vertx.sqlclient.Pool;

import java.io.PrintStream;

/** {@code webhooks secret|rotate --team NAME}: show (creating if absent) or replace a team's signing secret. Blocking. */
public final class WebhookCommands {
  private final TeamStore teams;
  private final Pool pool;
  private final PrintStream out;

  public WebhookCommands(TeamStore teams, Pool pool, PrintStream out) {
    this.teams = teams;
    this.pool = pool;
    this.out = out;
  }

  public void run(CliArgs args) {
    String verb = args.requireWord(1, "webhooks sub-command (secret or rotate)");
    switch (verb) {
      case "secret" -> {
        Team t = team(args.requireFlag("team"));
        out.println("Webhook signing secret of " + t.name() + ":");
        out.println(WebhookSecrets.ensure(pool, t.id()).await());
      }
      case "rotate" -> {
        Team t = team(args.requireFlag("team"));
        String secret = WebhookSecrets.rotate(pool, t.id()).await();
        out.println("Rotated the webhook signing secret of " + t.name() + "; attempts from now on are signed with:");
        out.println(secret);
      }
      default -> throw new CliArgs.CliException("unknown command: webhooks " + verb);
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
