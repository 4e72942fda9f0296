package com.aurous.server.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoublePredicate;

/** Positional words and --flag value pairs of one CLI call. */
public final class CliArgs {
  private final List<String> words = new ArrayList<>();
  private final Map<String, String> flags = new HashMap<>();

  public CliArgs(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.startsWith("--")) {
        String name = a.substring(2);
        int eq = name.indexOf('=');
        if (eq >= 0) {
          flags.put(name.substring(0, eq), name.substring(eq + 1));
        } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
          flags.put(name, args[++i]);
        } else {
          flags.put(name, "true");
        }
      } else {
        words.add(a);
      }
    }
  }

  public String word(int i) {
    return i < words.size() ? words.get(i) : null;
  }

  public String requireWord(int i, String what) {
    String w = word(i);
    if (w == null) {
      throw new CliException("missing " + what);
    }
    return w;
  }

  public String flag(String name) {
    return flags.get(name);
  }

  public String requireFlag(String name) {
    String v = flags.get(name);
    if (v == null) {
      throw new CliException("missing --" + name);
    }
    return v;
  }

  public long longFlag(String name, long dflt) {
    String v = flags.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new CliException("--" + name + " must be a whole number, got '" + v + "'");
    }
  }

  /**
   * The flag as a number {@code ok} accepts (NaN never is), {@code dflt} when absent; otherwise a
   * refusal saying it must be {@code what} ("--lr must be a number in (0, 1), got 'x'").
   */
  public double decimalFlag(String name, double dflt, DoublePredicate ok, String what) {
    String v = flags.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      double d = Double.parseDouble(v);
      if (!Double.isNaN(d) && ok.test(d)) {
        return d;
      }
    } catch (NumberFormatException e) {
      // falls through to the refusal below
    }
    throw new CliException("--" + name + " must be " + what + ", got '" + v + "'");
  }

  /** Thrown for a call whose words are wrong; Main prints it with the usage. */
  public static final class CliException extends RuntimeException {
    public CliException(String message) {
      super(message);
    }
  }
}
