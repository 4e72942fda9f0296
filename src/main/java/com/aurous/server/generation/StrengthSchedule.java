package com.aurous.server.generation;

/**
 * Where image-to-image enters a sampler's schedule, from {@code denoise_strength} (the usual
 * img2img rule, as diffusers' {@code get_timesteps}): of {@code T} steps, the last
 * {@code round(s * T)} run and the first {@code T - round(s * T)} are skipped; the reference's
 * latent is noised to the level of the first step that runs.
 *
 * <p>Edge cases, decided so that each end of the range means what the API says:
 * <ul>
 *   <li>{@code s = 0} runs no step at all: the result is the reference's reconstruction (its latent
 *       decoded as it is), whatever the seed;</li>
 *   <li>{@code 0 < s} runs at least one step, so any non-zero strength lets the prompt act even
 *       when {@code s * T} rounds to 0;</li>
 *   <li>{@code s = 1} (every step runs) starts from the seed's noise alone, exactly as
 *       text-to-image does: the reference is ignored, so the pixels equal text-to-image's.</li>
 * </ul>
 * Rounding is half up ({@link Math#round(double)}): at T = 11 and s = 0.5, 6 steps run.
 *
 * <p>Here beside {@link SeedPlan} because both the engine (where a sample starts) and the API's
 * event stream (how many steps progress counts) follow it.
 */
public final class StrengthSchedule {

    private StrengthSchedule() {
    }

    /**
     * @return the index of the first step that runs, in {@code [0, steps]}; {@code steps} means none
     *     runs (s = 0), 0 means all run from pure noise (s = 1)
     */
    public static int firstStep(int steps, double strength) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        if (!(strength >= 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength must be in [0, 1], got " + strength);
        }
        if (strength == 0) {
            return steps;
        }
        long run = Math.max(1, Math.round(strength * steps));
        return (int) (steps - Math.min(run, steps));
    }
}
