package com.aurous.server.engine.sampling;

import java.util.Objects;

/**
 * DDIM with eta = 0 (Song et al. 2020), deterministic, matching diffusers' {@code DDIMScheduler}
 * with {@code timestep_spacing="leading"}, {@code steps_offset=1} and {@code set_alpha_to_one=True}.
 *
 * <p>Spacing: with {@code N} training timesteps and {@code S} steps, {@code ratio = N / S}
 * (integer division) and step {@code i} uses timestep {@code (S - 1 - i) * ratio + 1}. For the
 * usual 1000/50 that is 981, 961, ..., 21, 1. The last step goes to "alpha = 1", i.e. it returns
 * the model's clean x0 prediction rather than re-noising it to timestep 0. {@code S} must be in
 * {@code [1, N - 1]}: at {@code S = N} the offset would push the first timestep out of range.
 *
 * <p>With the schedule's {@code trailing} spacing the grid is diffusers' trailing one instead:
 * step {@code i} uses {@code round(N - i * N / S) - 1} (999, 908, ..., 181, 90 for 1000/11), so
 * sampling starts at the noisiest training timestep, where pure noise is what the model saw.
 *
 * <p>One step is {@code x_prev = c_x * x + c_eps * eps} with
 * {@code c_x = sqrt(a_prev / a)} and {@code c_eps = sqrt(1 - a_prev) - sqrt(a_prev) * sqrt(1 - a) / sqrt(a)},
 * which is the DDIM update (predict x0, then move to the previous timestep along the same epsilon)
 * folded into two precomputed numbers per step.
 */
public final class DdimSampler implements Sampler {

    public static final String NAME = "ddim";
    private static final int STEPS_OFFSET = 1;

    private final int[] timesteps;
    private final double[] xCoefficient;
    private final double[] epsCoefficient;
    private final double[] sqrtAlpha;
    private final double[] sqrtOneMinusAlpha;

    public DdimSampler(NoiseSchedule schedule, int steps) {
        int n = schedule.numTrainTimesteps();
        if (steps < 1 || steps > n - 1) {
            throw new IllegalArgumentException("ddim steps must be in [1, " + (n - 1) + "], got " + steps);
        }
        int ratio = n / steps;
        boolean trailing = NoiseSchedule.TRAILING.equals(schedule.timestepSpacing());
        timesteps = new int[steps];
        xCoefficient = new double[steps];
        epsCoefficient = new double[steps];
        sqrtAlpha = new double[steps];
        sqrtOneMinusAlpha = new double[steps];
        for (int i = 0; i < steps; i++) {
            int t = trailing ? (int) Math.round(n - (double) i * n / steps) - 1
                : (steps - 1 - i) * ratio + STEPS_OFFSET;
            int prev = trailing ? (int) Math.round(n - (double) (i + 1) * n / steps) - 1 : t - ratio;
            double a = schedule.alphaCumprod(t);
            double aPrev = prev >= 0 ? schedule.alphaCumprod(prev) : 1.0;
            timesteps[i] = t;
            xCoefficient[i] = Math.sqrt(aPrev / a);
            epsCoefficient[i] = Math.sqrt(1.0 - aPrev) - Math.sqrt(aPrev) * Math.sqrt(1.0 - a) / Math.sqrt(a);
            sqrtAlpha[i] = Math.sqrt(a);
            sqrtOneMinusAlpha[i] = Math.sqrt(1.0 - a);
        }
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

    @Override
    public float initNoiseSigma() {
        return 1.0f;
    }

    @Override
    public void scaleModelInput(float[] latents, int offset, int length, int stepIndex, float[] out, int outOffset) {
        Objects.checkIndex(stepIndex, timesteps.length);
        if (latents != out || offset != outOffset) {
            System.arraycopy(latents, offset, out, outOffset, length);
        }
    }

    @Override
    public void step(float[] latents, int offset, int length, float[] noisePred, int predOffset, int stepIndex) {
        Objects.checkFromIndexSize(offset, length, latents.length);
        Objects.checkFromIndexSize(predOffset, length, noisePred.length);
        double cx = xCoefficient[stepIndex];
        double ce = epsCoefficient[stepIndex];
        for (int k = 0; k < length; k++) {
            latents[offset + k] = (float) (cx * latents[offset + k] + ce * noisePred[predOffset + k]);
        }
    }

    /** {@code x_t = sqrt(ab_t) x0 + sqrt(1 - ab_t) eps} at this step's timestep. */
    @Override
    public void noiseTo(float[] clean, float[] noise, int stepIndex, float[] out) {
        if (clean.length != noise.length || out.length != noise.length) {
            throw new IllegalArgumentException("clean, noise and out must have the same length");
        }
        double a = sqrtAlpha[stepIndex];
        double b = sqrtOneMinusAlpha[stepIndex];
        for (int k = 0; k < out.length; k++) {
            out[k] = (float) (a * clean[k] + b * noise[k]);
        }
    }
}
