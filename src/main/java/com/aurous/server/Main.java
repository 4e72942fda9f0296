package com.aurous.server;

import com.aurous.server.auth.TeamStore;
import com.aurous.server.cli.AdminCommands;
import com.aurous.server.catalog.LoraStore;
import com.aurous.server.cli.CliArgs;
import com.aurous.server.cli.LoraCommands;
import com.aurous.server.cli.WebhookCommands;
import com.aurous.server.config.ConfigException;
import com.aurous.server.config.ConfigLoader;
import com.aurous.server.config.ServerConfig;
import com.aurous.server.storage.DatabaseProvisioner;
import com.aurous.server.storage.Migrations;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;

/** The jar's entry point: {@code serve} (the default) or an operator command. */
public final class Main {
  private static final String USAGE = """
      usage: java -jar target/aurous-server.jar [command]
        serve                                   start a node (the default)
        teams create NAME [--credits N]         create a team
        teams credit NAME N                     grant N credits
        teams pin NAME YYYY-MM-DD               pin a team's default API version
        teams list
        keys create --team NAME [--requests N] [--concurrent N]
                                                create an API key (shown once), optionally with its own limits
        keys limit KEY_ID|KEY [--requests N|default] [--concurrent N|default]
                                                a key's own rate limits (0: unlimited; default: rate_limits config)
        keys revoke KEY_ID|KEY                  revoke a key
        keys list --team NAME
        loras add FILE.json                     add LoRAs and bundles described in a JSON file (see README)
        loras list                              every catalog entry, all teams
        loras remove ID|SLUG|UUID               remove a LoRA or bundle from the catalog
        webhooks secret --team NAME             show the team's webhook signing secret (created if absent)
        webhooks rotate --team NAME             replace the team's webhook signing secret
        model export --out DIR [--weights FILE] export aurous-tiny (the built-in weights, or FILE from model train) to DIR
        model train --out DIR [--seed N] [--ae-steps N] [--steps N] [--batch N] [--threads N] [--lr X] [--decoder-steps N] [--init WEIGHTS]
                   [--focus FROM-TO:SHARE] [--edge-weight X]
                                                train aurous-tiny on synthetic scenes into DIR (rerun to resume)
        model train-lora --out DIR --style pastel|neon|monochrome --base WEIGHTS [--seed N] [--steps N] [--batch N] [--rank N] [--lr X]
                                                train a LoRA adapter on a frozen model into DIR/<style>.weights (rerun to resume)
        model eval [--model DIR] [--count 200] [--size 1024x1024] [--steps N] [--guidance G]
                   [--seed-base S] [--batch 4] [--out DIR [--png]] [--grid FILE.png] [--psnr] [--from-render S]
                                                generate the held-out scene prompts and score the images
        model eval-ae [--model DIR] [--count 50] [--size 1024x1024] [--out DIR [--png]]
                                                autoencoder reconstruction PSNR on held-out scenes
        db serve                                run only the embedded PostgreSQL (a shared database for a local cluster)
        loadtest --url URL --key KEY ...        load-test a running server (loadtest --help for its flags)
      """;

  /** sysexits EX_UNAVAILABLE: the embedded PostgreSQL died and could not be restarted. */
  public static final int EXIT_DATABASE_LOST = 69;

  private Main() {}

  public static void main(String[] args) throws Exception {
    CliArgs cli = new CliArgs(args);
    String command = cli.word(0) == null ? "serve" : cli.word(0);
    try {
      switch (command) {
        case "serve" -> serve();
        case "teams", "keys", "webhooks", "loras" -> admin(cli);
        case "db" -> serveDatabase(cli);
        case "model" -> model(cli);
        case "loadtest" -> System.exit(com.aurous.server.loadtest.LoadTestCommand.run(args, System.out, System.err));
        case "help", "--help", "-h" -> System.out.print(USAGE);
        default -> throw new CliArgs.CliException("unknown command: " + command);
      }
    } catch (CliArgs.CliException e) {
      System.err.println("error: " + e.getMessage());
      System.err.print(USAGE);
      System.exit(2);
    } catch (RuntimeException e) {
      // A broken config or model stops the node with one line naming what is wrong, not a trace.
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof ConfigException || t instanceof com.aurous.server.model.ModelLoadException) {
          System.err.println((t instanceof ConfigException ? "configuration error: " : "model error: ") + t.getMessage());
          System.exit(78);
        }
      }
      throw e;
    }
  }

  private static void serve() throws Exception {
    AurousNode node = AurousNode.start(new JsonObject(), Main::databaseLost);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close();
      } catch (Exception ignored) {
        // Shutting down anyway.
      }
    }, "aurous-shutdown"));
  }

  /** One line saying why, then the exit code; the shutdown hook stops the node's verticles. */
  private static void databaseLost(String reason) {
    System.err.println("fatal: " + reason + "; stopping (exit code " + EXIT_DATABASE_LOST + ")");
    System.exit(EXIT_DATABASE_LOST);
  }

  /** Model commands: export the built-in aurous-tiny, train it, evaluate a model. */
  private static void model(CliArgs cli) throws Exception {
    String sub = cli.word(1);
    if ("export".equals(sub)) {
      java.nio.file.Path out = java.nio.file.Path.of(cli.requireFlag("out"));
      String weights = cli.flag("weights");
      if (weights == null) {
        com.aurous.server.model.tiny.AurousTinyExporter.export(out);
      } else {
        com.aurous.server.model.tiny.AurousTinyExporter.export(out,
            com.aurous.server.model.tiny.WeightFile.read(java.nio.file.Path.of(weights)));
      }
      System.out.println("Exported aurous-tiny to " + out.toAbsolutePath());
    } else if ("eval".equals(sub) || "eval-ae".equals(sub)) {
      new com.aurous.server.cli.ModelEvalCommands(System.out, System.err).run(cli);
    } else if ("train".equals(sub)) {
      com.aurous.server.cli.TrainCommand.run(cli, System.out);
    } else if ("train-lora".equals(sub)) {
      com.aurous.server.cli.TrainLoraCommand.run(cli, System.out);
    } else {
      throw new CliArgs.CliException("unknown command: model " + sub);
    }
  }

  /** The embedded PostgreSQL on its own, so several nodes (cluster/local-cluster.sh) can share it. */
  private static void serveDatabase(CliArgs cli) throws Exception {
    if (!"serve".equals(cli.word(1))) {
      throw new CliArgs.CliException("unknown command: db " + cli.word(1));
    }
    ServerConfig config = AurousNode.loadConfig(new JsonObject());
    DatabaseProvisioner db = DatabaseProvisioner.open(config);
    if (!db.isEmbedded()) {
      throw new CliArgs.CliException("db serve runs the embedded database; database.url is set or one already runs on this data dir");
    }
    db.watchEmbedded(config.integer("database.embedded_watchdog_interval_ms"),
        config.integer("database.embedded_restart_attempts"), Main::databaseLost);
    Migrations.apply(db.target());
    System.out.println("PostgreSQL ready: postgresql://postgres:postgres@127.0.0.1:" + db.target().port() + "/postgres");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        db.close();
      } catch (Exception ignored) {
        // Exiting anyway.
      }
    }, "aurous-db-shutdown"));
    Thread.currentThread().join();
  }

  private static void admin(CliArgs cli) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      ServerConfig config = ConfigLoader.load(vertx, new JsonObject()).await();
      try (DatabaseProvisioner db = DatabaseProvisioner.open(config)) {
        Migrations.apply(db.target());
        Pool pool = PgBuilder.pool().connectingTo(db.target().connectOptions()).using(vertx).build();
        if (cli.word(0).equals("webhooks")) {
          new WebhookCommands(new TeamStore(pool), pool, System.out).run(cli);
        } else if (cli.word(0).equals("loras")) {
          new LoraCommands(new LoraStore(pool), new TeamStore(pool), System.out).run(cli);
        } else {
          new AdminCommands(new TeamStore(pool), System.out).run(cli);
        }
        pool.close().await();
      }
    } finally {
      vertx.close().await();
    }
  }
}
