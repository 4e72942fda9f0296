package com.aurous.server.loadtest;

import com.aurous.server.cli.CliArgs.CliException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything one load-test run does, from flags and an optional workload file (a JSON object
 * whose keys are the flag names; flags on the command line win). Every value is checked here once.
 */
record LoadTestPlan(
    URI url, String key, boolean openLoop, boolean poisson, List<Double> levels, RequestMix mix,
    double warmupSeconds, double durationSeconds, long maxRequests, int maxInFlight,
    boolean untilSucceeded, int preferWaitSeconds, int pollMillis, double requestTimeoutSeconds,
    double drainSeconds, List<JsonObject> shapes, List<Integer> steps, int count, String prompt,
    long seed, Path jsonOut, Path htmlDir, boolean progress, String getId) {

  static final Set<String> FLAGS = Set.of("url", "key", "workload", "rate", "concurrency", "arrival",
      "mix", "warmup", "duration", "max-requests", "max-in-flight", "until", "wait", "poll-ms",
      "request-timeout", "drain", "sizes", "steps", "count", "prompt", "seed", "json", "html", "quiet", "get-id");

  static LoadTestPlan parse(Map<String, String> flags) {
    Map<String, String> f = new HashMap<>();
    if (flags.containsKey("workload")) {
      f.putAll(readWorkload(Path.of(flags.get("workload"))));
    }
    f.putAll(flags);
    for (String name : f.keySet()) {
      if (!FLAGS.contains(name)) {
        throw new CliException("unknown option --" + name);
      }
    }
    URI url = parseUrl(require(f, "url"));
    String key = require(f, "key");
    if (f.containsKey("rate") == f.containsKey("concurrency")) {
      throw new CliException("give exactly one of --rate R[:END:STEP] (open loop) or --concurrency C[:END:STEP] (closed loop)");
    }
    boolean open = f.containsKey("rate");
    List<Double> levels = open ? range("rate", f.get("rate"), false) : range("concurrency", f.get("concurrency"), true);
    String arrival = f.getOrDefault("arrival", "constant");
    if (!arrival.equals("constant") && !arrival.equals("poisson")) {
      throw new CliException("--arrival must be constant or poisson, got '" + arrival + "'");
    }
    String until = f.getOrDefault("until", "accepted");
    if (!until.equals("accepted") && !until.equals("succeeded")) {
      throw new CliException("--until must be accepted or succeeded, got '" + until + "'");
    }
    List<Integer> steps = new ArrayList<>();
    for (String s : f.getOrDefault("steps", "11").split(",")) {
      steps.add((int) whole("steps", s.trim(), 1, 100));
    }
    return new LoadTestPlan(url, key, open, arrival.equals("poisson"), levels,
        RequestMix.parse(f.getOrDefault("mix", "estimate=70,create=20,get=10")),
        seconds("warmup", f.getOrDefault("warmup", "2"), 0),
        seconds("duration", f.getOrDefault("duration", "10"), 0.1),
        whole("max-requests", f.getOrDefault("max-requests", String.valueOf(Long.MAX_VALUE)), 1, Long.MAX_VALUE),
        (int) whole("max-in-flight", f.getOrDefault("max-in-flight", "256"), 1, 10_000),
        until.equals("succeeded"),
        (int) whole("wait", f.getOrDefault("wait", "10"), 1, 600),
        (int) whole("poll-ms", f.getOrDefault("poll-ms", "100"), 1, 60_000),
        seconds("request-timeout", f.getOrDefault("request-timeout", "60"), 0.1),
        seconds("drain", f.getOrDefault("drain", "30"), 0),
        shapes(f.getOrDefault("sizes", "1024x1024")), steps,
        (int) whole("count", f.getOrDefault("count", "1"), 1, 10),
        f.getOrDefault("prompt", "a lighthouse at dusk"),
        whole("seed", f.getOrDefault("seed", "1"), 0, Long.MAX_VALUE),
        f.containsKey("json") ? Path.of(f.get("json")) : null,
        f.containsKey("html") ? Path.of(f.get("html")) : null,
        !f.containsKey("quiet"),
        getId(f.get("get-id")));
  }

  /** --get-id: the "get" kind reads this one generation (or any server's route) instead of ones the run created. */
  private static String getId(String s) {
    if (s == null) {
      return null;
    }
    if (!s.matches("[A-Za-z0-9_-]{1,128}")) {
      throw new CliException("--get-id must be a generation id (letters, digits, _ and -), got '" + s + "'");
    }
    return s;
  }

  /** The workload file as flag values: arrays join with commas, a mix object as kind=weight. */
  private static Map<String, String> readWorkload(Path file) {
    JsonObject json;
    try {
      json = new JsonObject(Files.readString(file));
    } catch (IOException e) {
      throw new CliException("cannot read workload file " + file + ": " + e.getMessage());
    } catch (DecodeException | ClassCastException e) {
      throw new CliException("workload file " + file + " is not a JSON object");
    }
    Map<String, String> m = new HashMap<>();
    for (String name : json.fieldNames()) {
      Object v = json.getValue(name);
      if (v instanceof JsonObject o) {
        StringBuilder sb = new StringBuilder();
        o.forEach(e -> sb.append(sb.isEmpty() ? "" : ",").append(e.getKey()).append('=').append(e.getValue()));
        m.put(name, sb.toString());
      } else if (v instanceof JsonArray a) {
        m.put(name, String.join(",", a.stream().map(String::valueOf).toList()));
      } else if (v != null) {
        m.put(name, String.valueOf(v));
      }
    }
    return m;
  }

  private static String require(Map<String, String> f, String name) {
    String v = f.get(name);
    if (v == null || v.isBlank() || v.equals("true")) {
      throw new CliException("missing --" + name);
    }
    return v;
  }

  private static URI parseUrl(String s) {
    try {
      URI u = new URI(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
      if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
        throw new CliException("--url must be an http(s)://host[:port] URL, got '" + s + "'");
      }
      return u;
    } catch (java.net.URISyntaxException e) {
      throw new CliException("--url must be an http(s)://host[:port] URL, got '" + s + "'");
    }
  }

  /** "R" or "START:END:STEP" (inclusive), each level positive; at most 100 stages. */
  static List<Double> range(String name, String spec, boolean integral) {
    String[] p = spec.split(":");
    if (p.length != 1 && p.length != 3) {
      throw new CliException("--" + name + " must be N or START:END:STEP, got '" + spec + "'");
    }
    double[] v = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      try {
        v[i] = Double.parseDouble(p[i].trim());
      } catch (NumberFormatException e) {
        throw new CliException("--" + name + " must be N or START:END:STEP, got '" + spec + "'");
      }
      if (!(v[i] > 0) || Double.isInfinite(v[i]) || (integral && v[i] != Math.rint(v[i]))) {
        throw new CliException("--" + name + " values must be positive" + (integral ? " whole numbers" : "") + ", got '" + spec + "'");
      }
    }
    List<Double> levels = new ArrayList<>();
    if (p.length == 1) {
      levels.add(v[0]);
      return levels;
    }
    if (v[1] < v[0]) {
      throw new CliException("--" + name + " range " + spec + " ends before it starts");
    }
    long n = (long) Math.floor((v[1] - v[0]) / v[2] + 1e-9) + 1;
    if (n > 100) {
      throw new CliException("--" + name + " range " + spec + " has " + n + " stages; at most 100");
    }
    for (long i = 0; i < n; i++) {
      levels.add(v[0] + i * v[2]);
    }
    return levels;
  }

  private static double seconds(String name, String s, double min) {
    try {
      double d = Double.parseDouble(s);
      if (d >= min && d <= 86_400) {
        return d;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new CliException("--" + name + " must be seconds in [" + min + ", 86400], got '" + s + "'");
  }

  private static long whole(String name, String s, long min, long max) {
    try {
      long v = Long.parseLong(s);
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new CliException("--" + name + " must be a whole number in [" + min + ", " + max + "], got '" + s + "'");
  }

  /** Each entry a size preset name ("2k_1_1") or WIDTHxHEIGHT, as create/estimate body fields. */
  private static List<JsonObject> shapes(String spec) {
    List<JsonObject> out = new ArrayList<>();
    for (String s : spec.split(",")) {
      String t = s.trim();
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,5})x(\\d{1,5})").matcher(t);
      if (m.matches()) {
        out.add(new JsonObject().put("width", Integer.parseInt(m.group(1))).put("height", Integer.parseInt(m.group(2))));
      } else if (t.matches("[a-z0-9_]{1,32}")) {
        out.add(new JsonObject().put("size", t));
      } else {
        throw new CliException("--sizes entries are WIDTHxHEIGHT or a size name, got '" + t + "'");
      }
    }
    return out;
  }

  JsonObject describe() {
    return new JsonObject()
        .put("url", url.toString())
        .put("mode", openLoop ? "open_loop" : "closed_loop")
        .put("arrival", openLoop ? (poisson ? "poisson" : "constant") : null)
        .put("levels", new JsonArray(levels))
        .put("mix", new JsonObject(new HashMap<>(mix.asMap())))
        .put("warmup_s", warmupSeconds).put("duration_s", durationSeconds)
        .put("max_requests", maxRequests == Long.MAX_VALUE ? null : maxRequests)
        .put("max_in_flight", openLoop ? maxInFlight : null)
        .put("until", untilSucceeded ? "succeeded" : "accepted")
        .put("prefer_wait_s", preferWaitSeconds).put("poll_ms", pollMillis)
        .put("request_timeout_s", requestTimeoutSeconds).put("drain_s", drainSeconds)
        .put("sizes", new JsonArray(new ArrayList<>(shapes))).put("steps", new JsonArray(steps))
        .put("count", count).put("seed", seed).put("get_id", getId);
  }
}
