package com.aurous.server.generation;

/**
 * A generation has finished {@code step} of its {@code steps} denoising steps. On the event bus it
 * travels as {@code "<id> <step> <steps>"}: every API node receives every one, so it stays tiny.
 */
public record GenerationProgress(String id, int step, int steps) {
  public String encode() {
    return id + ' ' + step + ' ' + steps;
  }

  /** Null for anything that is not an encoded progress. */
  public static GenerationProgress parse(Object body) {
    if (!(body instanceof String s)) {
      return null;
    }
    String[] parts = s.split(" ", -1);
    if (parts.length != 3) {
      return null;
    }
    try {
      return new GenerationProgress(parts[0], Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
