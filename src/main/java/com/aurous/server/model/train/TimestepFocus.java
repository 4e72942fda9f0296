package com.aurous.server.model.train;

import java.util.SplittableRandom;

import com.aurous.server.model.tiny.TinyNet;

/**
 * How the denoiser stage draws a sample's timestep: a share {@code share} of the samples from
 * {@code [from, to]}, the rest uniformly from all timesteps. A focused fine-tune spends the
 * steps where the model is weakest without starving the rest of the schedule: sampling from real
 * latents noised to t = 300 turned most circles into squares while t = 100 kept them, so shape is
 * decided in the middle of the schedule, not at the noisy end where layout and colour are.
 */
public record TimestepFocus(int from, int to, double share) {

  public static final TimestepFocus UNIFORM = new TimestepFocus(0, TinyNet.NUM_TRAIN_TIMESTEPS - 1, 0);

  public TimestepFocus {
    if (from < 0 || to < from || to >= TinyNet.NUM_TRAIN_TIMESTEPS || !(share >= 0 && share <= 1)) {
      throw new IllegalArgumentException("focus needs 0 <= from <= to < "
          + TinyNet.NUM_TRAIN_TIMESTEPS + " and a share in [0, 1]");
    }
  }

  /** Parses {@code FROM-TO:SHARE}, e.g. {@code 100-600:0.6}. */
  public static TimestepFocus parse(String text) {
    try {
      String[] range = text.split(":", 2)[0].split("-", 2);
      return new TimestepFocus(Integer.parseInt(range[0].trim()), Integer.parseInt(range[1].trim()),
          Double.parseDouble(text.split(":", 2)[1].trim()));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("expected FROM-TO:SHARE with 0 <= FROM <= TO < "
          + TinyNet.NUM_TRAIN_TIMESTEPS + " and SHARE in [0, 1], e.g. 100-600:0.6; got '" + text + "'");
    }
  }

  int draw(SplittableRandom r) {
    if (share > 0 && r.nextDouble() < share) {
      return from + r.nextInt(to - from + 1);
    }
    return r.nextInt(TinyNet.NUM_TRAIN_TIMESTEPS);
  }
}
