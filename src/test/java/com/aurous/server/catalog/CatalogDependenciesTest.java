package com.aurous.server.catalog;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The catalog answers in its own terms: no package it imports imports it back, directly or not. */
class CatalogDependenciesTest {
  private static final Path SOURCES = Path.of("src/main/java/com/aurous/server");
  private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?com\\.aurous\\.server\\.(\\w+)\\.", Pattern.MULTILINE);

  @Test
  void noPackageTheCatalogDependsOnDependsBackOnTheCatalog() throws IOException {
    Map<String, Set<String>> imports = packageImports();
    Set<String> fromCatalog = reachable(imports, "catalog");
    Set<String> inCycle = new TreeSet<>();
    for (String pkg : fromCatalog) {
      if (reachable(imports, pkg).contains("catalog")) {
        inCycle.add(pkg);
      }
    }
    assertThat(inCycle).as("packages in a cycle with catalog").isEmpty();
    assertThat(imports.getOrDefault("catalog", Set.of())).as("catalog imports").doesNotContain("api", "generation");
  }

  /** Package (first segment under com.aurous.server) to the packages its files import. */
  private static Map<String, Set<String>> packageImports() throws IOException {
    Map<String, Set<String>> out = new HashMap<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Path rel = SOURCES.relativize(f);
        if (rel.getNameCount() < 2) {
          continue; // the composition root may import everything
        }
        String pkg = rel.getName(0).toString();
        Matcher m = IMPORT.matcher(Files.readString(f));
        while (m.find()) {
          if (!m.group(1).equals(pkg)) {
            out.computeIfAbsent(pkg, k -> new HashSet<>()).add(m.group(1));
          }
        }
      }
    }
    return out;
  }

  private static Set<String> reachable(Map<String, Set<String>> imports, String from) {
    Set<String> seen = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>(imports.getOrDefault(from, Set.of()));
    while (!todo.isEmpty()) {
      String p = todo.pop();
      if (seen.add(p)) {
        todo.addAll(imports.getOrDefault(p, Set.of()));
      }
    }
    return seen;
  }
}
