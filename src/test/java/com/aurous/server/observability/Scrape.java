package com.aurous.server.observability;

import com.aurous.server.testing.ApiClient;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** One scrape of /metrics, read as Prometheus text: series ("name{labels}") → value. */
record Scrape(Map<String, Double> series) {
  private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*\\})?) (\\S+)(?: \\d+)?$");

  static Scrape of(ApiClient client) {
    ApiClient.Response r = client.get("/metrics");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.header("Content-Type")).startsWith("text/plain");
    assertThat(r.header("Aurous-Request-Id")).startsWith("req_");
    Map<String, Double> out = new LinkedHashMap<>();
    for (String line : r.body().split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      assertThat(m.matches()).as("a Prometheus sample line: " + line).isTrue();
      out.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    return new Scrape(out);
  }

  /** The value of the one series named {@code name} whose labels include every {@code labels} pair (k="v"). */
  double value(String name, String... labels) {
    Map<String, Double> found = matching(name, labels);
    assertThat(found).as(name + " " + String.join(",", labels) + " among " + names()).hasSize(1);
    return found.values().iterator().next();
  }

  /** Sum over every series named {@code name} with these labels (0 when none). */
  double sum(String name, String... labels) {
    return matching(name, labels).values().stream().mapToDouble(Double::doubleValue).sum();
  }

  Map<String, Double> matching(String name, String... labels) {
    Map<String, Double> out = new LinkedHashMap<>();
    series.forEach((s, v) -> {
      String n = s.contains("{") ? s.substring(0, s.indexOf('{')) : s;
      if (!n.equals(name)) {
        return;
      }
      for (int i = 0; i < labels.length; i += 2) {
        if (!s.contains(labels[i] + "=\"" + labels[i + 1] + "\"")) {
          return;
        }
      }
      out.put(s, v);
    });
    return out;
  }

  long count(String namePrefix) {
    return series.keySet().stream().filter(s -> s.startsWith(namePrefix)).count();
  }

  private java.util.Set<String> names() {
    java.util.Set<String> out = new java.util.TreeSet<>();
    series.keySet().forEach(s -> out.add(s.contains("{") ? s.substring(0, s.indexOf('{')) : s));
    return out;
  }
}
