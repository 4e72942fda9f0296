package com.aurous.server.cli;

import com.aurous.server.auth.Team;
import com.aurous.server.auth.TeamStore;
import com.aurous.server.catalog.LoraStore;
import com.aurous.server.catalog.Style;
import com.aurous.server.catalog.StyleDefinition;
import com.aurous.server.util.Ids;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code loras add FILE | list | remove ID_OR_SLUG}: the operator's side of the style catalog
 * (LoRAs and bundles alike; the file format is in README). Blocking (awaits).
 */
public final class LoraCommands {
  /** Larger files are refused before parsing: a catalog file is a few entries, not a data set. */
  private static final long MAX_FILE_BYTES = 1 << 20;

  private final LoraStore loras;
  private final TeamStore teams;
  private final PrintStream out;

  public LoraCommands(LoraStore loras, TeamStore teams, PrintStream out) {
    this.loras = loras;
    this.teams = teams;
    this.out = out;
  }

  public void run(CliArgs args) {
    String verb = args.requireWord(1, "loras sub-command (add, list or remove)");
    switch (verb) {
      case "add" -> add(Path.of(args.requireWord(2, "JSON file")));
      case "list" -> list();
      case "remove" -> remove(args.requireWord(2, "LoRA id, slug or UUID"));
      default -> throw new CliArgs.CliException("unknown command: loras " + verb);
    }
  }

  /** Every entry of the file is checked (and its members found) before the first is stored. */
  private void add(Path file) {
    List<StyleDefinition> defs;
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new CliArgs.CliException(file + " is larger than " + MAX_FILE_BYTES + " bytes");
      }
      defs = StyleDefinition.parseFile(Json.decodeValue(Files.readString(file)));
    } catch (IOException e) {
      throw new CliArgs.CliException("cannot read " + file + ": " + e.getMessage());
    } catch (DecodeException e) {
      throw new CliArgs.CliException(file + " is not valid JSON: " + e.getMessage());
    } catch (StyleDefinition.InvalidDefinition e) {
      throw new CliArgs.CliException(e.getMessage());
    }
    List<String> slugs = new ArrayList<>();
    for (StyleDefinition d : defs) {
      if (slugs.contains(d.slug())) {
        throw new CliArgs.CliException("slug " + d.slug() + " appears twice in " + file);
      }
      slugs.add(d.slug());
      for (String taken : new String[] {d.slug(), d.id(), d.uuid()}) {
        if (taken != null && loras.findAny(taken).await() != null) {
          throw new CliArgs.CliException("a catalog entry already answers to " + taken + "; remove it first");
        }
      }
      if (d.team() != null) {
        team(d.team());
      }
      for (StyleDefinition.Member m : d.members()) {
        // A member is in the catalog already, or a LoRA earlier in this file.
        boolean earlier = defs.stream().takeWhile(x -> x != d)
            .anyMatch(x -> x.slug().equals(m.lora()) && !x.kind().equals(Style.BUNDLE));
        if (!earlier && loras.findAny(m.lora()).await() == null) {
          throw new CliArgs.CliException(d.slug() + ": member " + m.lora() + " is not a LoRA in the catalog or earlier in the file");
        }
      }
    }
    for (StyleDefinition d : defs) {
      String teamId = d.team() == null ? null : team(d.team()).id();
      List<String> members = new ArrayList<>();
      for (StyleDefinition.Member m : d.members()) {
        Style member = loras.findAny(m.lora()).await();
        if (member == null || member.isBundle()) {
          throw new CliArgs.CliException(d.slug() + ": member " + m.lora() + " is not a LoRA in the catalog (add it first)");
        }
        if (member.teamId() != null && !member.teamId().equals(teamId)) {
          throw new CliArgs.CliException(d.slug() + ": member " + m.lora() + " is private to another team");
        }
        members.add(member.id());
      }
      String id = d.id() == null ? Ids.newId("lora") : d.id();
      loras.add(id, teamId, d, members).await();
      out.println("Added " + d.kind() + " " + d.slug() + " (" + id + ")" + (d.team() == null ? "" : " for team " + d.team()));
    }
  }

  private void list() {
    for (Style s : loras.listAll().await()) {
      out.printf("%-31s %-6s %-24s %-24s team=%s adapters=%s keywords=%s%n", s.id(), s.kind(), s.slug(), s.name(),
          s.teamId() == null ? "-" : s.teamId(),
          s.adapters().stream().map(a -> a.name() + "@" + a.weight()).collect(Collectors.joining(",", "[", "]")),
          s.keywords());
    }
  }

  private void remove(String ref) {
    Style s = loras.findAny(ref).await();
    if (s == null) {
      throw new CliArgs.CliException("no catalog entry answers to " + ref);
    }
    List<String> bundles = loras.bundlesContaining(s.id()).await();
    if (!bundles.isEmpty()) {
      throw new CliArgs.CliException(s.slug() + " is a member of bundle(s) " + bundles + "; remove those first");
    }
    loras.remove(s.id()).await();
    out.println("Removed " + s.kind() + " " + s.slug() + " (" + s.id() + "); generations made with it keep its name");
  }

  private Team team(String name) {
    Team t = teams.findByName(name).await();
    if (t == null) {
      throw new CliArgs.CliException("no team named " + name);
    }
    return t;
  }
}
