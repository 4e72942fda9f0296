package com.aurous.server.engine.sampling;

import java.util.Locale;

/**
 * The forward-diffusion noise schedule a model was trained with: betas, their cumulative alpha
 * products and the matching k-diffusion sigmas, one entry per training timestep.
 *
 * <p>Everything is computed in double precision: the cumulative product over 1000 steps loses
 * visible accuracy in float, and sigma at the noisy end is sensitive to it.
 */
public final class NoiseSchedule {

    /** Beta schedule names as used by diffusers' scheduler configs. */
    public static final String SCALED_LINEAR = "scaled_linear";
    public static final String LINEAR = "linear";
    /** DDIM timestep spacings as diffusers names them: SD's offset grid, or one ending at N - 1. */
    public static final String LEADING = "leading";
    public static final String TRAILING = "trailing";
    /**
     * alpha-bar at the last timestep after the zero-terminal-SNR rescale: not exactly 0, so an
     * epsilon-predicting graph still has a defined x0 there (diffusers uses the same 2^-24).
     */
    static final double ZERO_SNR_FLOOR = 0x1p-24;

    private final int numTrainTimesteps;
    private final double[] alphasCumprod;
    private final double[] sigmas;
    private final String timestepSpacing;

    public NoiseSchedule(int numTrainTimesteps, double betaStart, double betaEnd, String betaSchedule) {
        this(numTrainTimesteps, betaStart, betaEnd, betaSchedule, false, LEADING);
    }

    /**
     * @param rescaleZeroTerminalSnr rescale sqrt(alpha-bar) so the last timestep carries no signal
     *     (Lin et al. 2023, "Common Diffusion Noise Schedules and Sample Steps are Flawed"): with SD's
     *     schedule the noisiest training input still holds 7% of the picture, which pure-noise
     *     sampling never has, and a small model learns to read its layout from that leak
     * @param timestepSpacing {@link #LEADING} or {@link #TRAILING} (where DDIM's grid starts)
     */
    public NoiseSchedule(int numTrainTimesteps, double betaStart, double betaEnd, String betaSchedule,
            boolean rescaleZeroTerminalSnr, String timestepSpacing) {
        if (!LEADING.equals(timestepSpacing) && !TRAILING.equals(timestepSpacing)) {
            throw new IllegalArgumentException("timestepSpacing must be leading or trailing, got " + timestepSpacing);
        }
        this.timestepSpacing = timestepSpacing;
        if (numTrainTimesteps < 2) {
            throw new IllegalArgumentException("numTrainTimesteps must be at least 2, got " + numTrainTimesteps);
        }
        if (!(betaStart > 0 && betaEnd < 1 && betaStart <= betaEnd)) {
            throw new IllegalArgumentException(
                    "betas must satisfy 0 < betaStart <= betaEnd < 1, got " + betaStart + ", " + betaEnd);
        }
        double[] betas = betas(numTrainTimesteps, betaStart, betaEnd, betaSchedule);
        this.numTrainTimesteps = numTrainTimesteps;
        this.alphasCumprod = new double[numTrainTimesteps];
        this.sigmas = new double[numTrainTimesteps];
        double product = 1.0;
        for (int t = 0; t < numTrainTimesteps; t++) {
            product *= 1.0 - betas[t];
            alphasCumprod[t] = product;
        }
        if (rescaleZeroTerminalSnr) {
            rescaleZeroTerminalSnr(alphasCumprod);
        }
        for (int t = 0; t < numTrainTimesteps; t++) {
            sigmas[t] = Math.sqrt((1.0 - alphasCumprod[t]) / alphasCumprod[t]);
        }
    }

    /**
     * In place: sqrt(alpha-bar) shifted so its last value is 0 and scaled so its first is kept
     * (Lin et al., algorithm 1); the last value then becomes {@link #ZERO_SNR_FLOOR}.
     */
    public static void rescaleZeroTerminalSnr(double[] alphasCumprod) {
        int last = alphasCumprod.length - 1;
        double first = Math.sqrt(alphasCumprod[0]);
        double end = Math.sqrt(alphasCumprod[last]);
        for (int t = 0; t <= last; t++) {
            double s = (Math.sqrt(alphasCumprod[t]) - end) * first / (first - end);
            alphasCumprod[t] = Math.max(s * s, ZERO_SNR_FLOOR);
        }
    }

    /** {@link #LEADING} or {@link #TRAILING}: where a DDIM grid over this schedule starts. */
    public String timestepSpacing() {
        return timestepSpacing;
    }

    /** The schedule of Stable Diffusion 1.x / 2.x: 1000 steps, scaled_linear from 0.00085 to 0.012. */
    public static NoiseSchedule stableDiffusion() {
        return new NoiseSchedule(1000, 0.00085, 0.012, SCALED_LINEAR);
    }

    private static double[] betas(int n, double start, double end, String schedule) {
        if (schedule == null) {
            throw new IllegalArgumentException("betaSchedule is required (one of: linear, scaled_linear)");
        }
        double[] betas = new double[n];
        switch (schedule.trim().toLowerCase(Locale.ROOT)) {
            case LINEAR -> {
                for (int i = 0; i < n; i++) {
                    betas[i] = lerp(start, end, i, n);
                }
            }
            case SCALED_LINEAR -> {
                // Linear in sqrt(beta), as Stable Diffusion was trained.
                double a = Math.sqrt(start);
                double b = Math.sqrt(end);
                for (int i = 0; i < n; i++) {
                    double s = lerp(a, b, i, n);
                    betas[i] = s * s;
                }
            }
            default -> throw new IllegalArgumentException(
                    "unknown betaSchedule '" + schedule + "'; supported: linear, scaled_linear");
        }
        return betas;
    }

    /** numpy.linspace(a, b, n)[i], with both end points exact. */
    private static double lerp(double a, double b, int i, int n) {
        return i == n - 1 ? b : a + (b - a) * i / (n - 1);
    }

    public int numTrainTimesteps() {
        return numTrainTimesteps;
    }

    /** Cumulative product of (1 - beta) up to and including timestep t. */
    public double alphaCumprod(int t) {
        return alphasCumprod[t];
    }

    /** k-diffusion sigma of timestep t: sqrt((1 - alphaCumprod) / alphaCumprod). */
    public double sigma(int t) {
        return sigmas[t];
    }

    public double[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    public double[] sigmas() {
        return sigmas.clone();
    }
}
