package com.aurous.server.engine.sampling;

import java.util.Objects;

/**
 * Euler method on the probability-flow ODE in k-diffusion's sigma parameterisation
 * ({@code x = x0 + sigma * eps}), deterministic (no ancestral noise).
 *
 * <p>Spacing, as k-diffusion's {@code DiscreteSchedule.get_sigmas}: step {@code i} of {@code S}
 * uses the fractional timestep {@code t_i = (N - 1) * (1 - i / (S - 1))} (999 ... 0 for
 * N = 1000; just 999 when S = 1), whose sigma is interpolated linearly in log-sigma between
 * the neighbouring training timesteps; a final sigma of 0 is appended. The model gets
 * {@code t_i} as its timestep and the input scaled by {@code 1 / sqrt(sigma^2 + 1)} so it sees
 * the unit-variance latents it was trained on.
 *
 * <p>With an epsilon-predicting model the derivative {@code (x - x0_pred) / sigma} is exactly
 * {@code eps}, so a step is {@code x += (sigma_next - sigma) * eps}. Initial noise has
 * standard deviation {@code sigma_max} (k-diffusion), not diffusers' {@code sqrt(sigma_max^2 + 1)}.
 */
public final class EulerSampler implements Sampler {

    public static final String NAME = "euler";

    private final float[] timesteps;
    private final double[] sigmas; // steps + 1 entries; the last is 0
    private final double[] inputScale;

    public EulerSampler(NoiseSchedule schedule, int steps) {
        int n = schedule.numTrainTimesteps();
        if (steps < 1 || steps > n) {
            throw new IllegalArgumentException("euler steps must be in [1, " + n + "], got " + steps);
        }
        timesteps = new float[steps];
        sigmas = new double[steps + 1];
        inputScale = new double[steps];
        for (int i = 0; i < steps; i++) {
            double t = steps == 1 ? n - 1 : (n - 1) * (1.0 - (double) i / (steps - 1));
            timesteps[i] = (float) t;
            sigmas[i] = interpolatedSigma(schedule, t);
            inputScale[i] = 1.0 / Math.sqrt(sigmas[i] * sigmas[i] + 1.0);
        }
        sigmas[steps] = 0.0;
    }

    private static double interpolatedSigma(NoiseSchedule schedule, double t) {
        int low = (int) Math.floor(t);
        int high = Math.min(low + 1, schedule.numTrainTimesteps() - 1);
        double w = t - low;
        double logSigma = (1.0 - w) * Math.log(schedule.sigma(low)) + w * Math.log(schedule.sigma(high));
        return Math.exp(logSigma);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int steps() {
        return timesteps.length;
    }

    @Override
    public float timestep(int stepIndex) {
        return timesteps[stepIndex];
    }

    /** Sigma at the start of this step; {@code sigma(steps())} is 0. */
    public double sigma(int stepIndex) {
        return sigmas[stepIndex];
    }

    @Override
    public float initNoiseSigma() {
        return (float) sigmas[0];
    }

    @Override
    public void scaleModelInput(float[] latents, int offset, int length, int stepIndex, float[] out, int outOffset) {
        Objects.checkFromIndexSize(offset, length, latents.length);
        Objects.checkFromIndexSize(outOffset, length, out.length);
        double scale = inputScale[stepIndex];
        for (int k = 0; k < length; k++) {
            out[outOffset + k] = (float) (latents[offset + k] * scale);
        }
    }

    @Override
    public void step(float[] latents, int offset, int length, float[] noisePred, int predOffset, int stepIndex) {
        Objects.checkFromIndexSize(offset, length, latents.length);
        Objects.checkFromIndexSize(predOffset, length, noisePred.length);
        double dt = sigmas[stepIndex + 1] - sigmas[stepIndex];
        for (int k = 0; k < length; k++) {
            latents[offset + k] = (float) (latents[offset + k] + dt * noisePred[predOffset + k]);
        }
    }

    /** {@code x = x0 + sigma_i eps}: the sigma parameterisation's forward process. */
    @Override
    public void noiseTo(float[] clean, float[] noise, int stepIndex, float[] out) {
        if (clean.length != noise.length || out.length != noise.length) {
            throw new IllegalArgumentException("clean, noise and out must have the same length");
        }
        double sigma = sigmas[stepIndex];
        for (int k = 0; k < out.length; k++) {
            out[k] = (float) (clean[k] + sigma * noise[k]);
        }
    }
}
