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

    private final int numTrainTimesteps;
    private final double[] alphasCumprod;
    private final double[] sigmas;

    public NoiseSchedule(int numTrainTimesteps, double betaStart, double betaEnd, String betaSchedule) {
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
            sigmas[t] = Math.sqrt((1.0 - product) / product);
        }
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
