package com.aurous.server.loadtest;

import com.aurous.server.cli.CliArgs.CliException;
import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** {@code loadtest}: drives a running server's public API and reports what it saw. */
public final class LoadTestCommand {
  public static final String USAGE = """
      usage: java -jar target/aurous-server.jar loadtest --url URL --key KEY (--rate R[:END:STEP] | --concurrency C[:END:STEP])
               [--workload FILE.json] [--arrival constant|poisson] [--mix estimate=70,create=20,get=10,create_wait=0]
               [--duration S] [--warmup S] [--max-requests N] [--max-in-flight N] [--until accepted|succeeded]
               [--wait S] [--poll-ms MS] [--request-timeout S] [--drain S] [--sizes 1024x1024,2k_1_1] [--steps 11]
               [--count N] [--prompt TEXT] [--seed N] [--get-id ID] [--json FILE] [--html DIR] [--quiet]
      """;

  private LoadTestCommand() {}

  /** Runs the command; the exit code: 0 done, 1 the server could not be used, 2 bad arguments. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (java.util.Arrays.asList(args).contains("--help")) {
      out.print(USAGE);
      return 0;
    }
    LoadTestPlan plan;
    try {
      plan = LoadTestPlan.parse(flags(args));
    } catch (CliException e) {
      err.println("error: " + e.getMessage());
      err.print(USAGE);
      return 2;
    }
    try {
      return execute(plan, out, err);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    } catch (IOException e) {
      err.println("error: cannot write the report: " + e.getMessage());
      return 1;
    }
  }

  private static Map<String, String> flags(String[] args) {
    Map<String, String> f = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i == 0 && a.equals("loadtest")) {
        continue;
      }
      if (!a.startsWith("--") || a.length() == 2) {
        throw new CliException("unexpected argument '" + a + "'");
      }
      String name = a.substring(2);
      int eq = name.indexOf('=');
      if (eq >= 0) {
        f.put(name.substring(0, eq), name.substring(eq + 1));
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        f.put(name, args[++i]);
      } else {
        f.put(name, "true");
      }
    }
    return f;
  }

  private static int execute(LoadTestPlan plan, PrintStream out, PrintStream err) throws InterruptedException, IOException {
    int maxLevel = (int) Math.ceil(plan.levels().stream().mapToDouble(Double::doubleValue).max().orElse(1));
    int pool = plan.openLoop() ? plan.maxInFlight() : maxLevel;
    Vertx vertx = Vertx.vertx();
    try {
      WebClient client = WebClient.create(vertx,
          new WebClientOptions().setKeepAlive(true).setUserAgentEnabled(false).setConnectTimeout(10_000),
          new PoolOptions().setHttp1MaxSize(pool).setMaxWaitQueueSize(-1));
      ImagesApi api = new ImagesApi(vertx, client, plan);
      AtomicLong seq = new AtomicLong(plan.seed() * 1_000_000L);
      Outcome check = api.estimate(seq.incrementAndGet()).await();
      if (!check.succeeded()) {
        err.println("error: the first estimate against " + plan.url() + " failed: " + check.errorKey());
        return 1;
      }
      if (plan.mix().includes(RequestKind.GET) && plan.getId() == null) {
        Outcome seeded = api.create(seq.incrementAndGet(), false).await();
        if (!seeded.succeeded()) {
          err.println("error: the generation created for the get kind failed: " + seeded.errorKey());
          return 1;
        }
      }
      StageRunner runner = new StageRunner(plan, api, seq);
      Progress progress = new Progress(err, plan.progress() && err == System.err && System.console() != null);
      long timer = plan.progress() ? vertx.setPeriodic(1000, id -> {
        StageRecorder r = runner.current;
        if (r != null) {
          progress.line(r.progress(System.nanoTime()));
        }
      }) : -1;
      String started = Instant.now().toString();
      JsonArray stages = new JsonArray();
      int n = plan.levels().size();
      for (int i = 0; i < n; i++) {
        double level = plan.levels().get(i);
        String label = (n > 1 ? "[" + (i + 1) + "/" + n + "] " : "")
            + (plan.openLoop() ? "rate " + TextReport.fmt(level) + "/s" : "c=" + TextReport.fmt(level));
        stages.add(runner.run(label, level).toJson(plan.openLoop()));
      }
      vertx.cancelTimer(timer);
      progress.end();
      JsonObject report = new JsonObject().put("tool", "aurous-server loadtest").put("started_at", started)
          .put("plan", plan.describe()).put("stages", stages);
      TextReport.print(report, out);
      if (plan.jsonOut() != null) {
        if (plan.jsonOut().toAbsolutePath().getParent() != null) {
          Files.createDirectories(plan.jsonOut().toAbsolutePath().getParent());
        }
        Files.writeString(plan.jsonOut(), report.encodePrettily());
      }
      if (plan.htmlDir() != null) {
        HtmlReport.write(report, plan.htmlDir());
        out.println("HTML report: " + plan.htmlDir().resolve("index.html"));
      }
      return 0;
    } finally {
      vertx.close().await();
    }
  }
}
