package com.aurous.server.engine.sampling;

import java.util.Objects;

/**
 * Combines the conditional and unconditional noise predictions of one sample.
 *
 * <p>Plain guidance is {@code guided = uncond + g * (cond - uncond)}. High {@code g} inflates the
 * prediction's spread and over-saturates images, so the rescale of Lin et al. 2023 ("Common
 * Diffusion Noise Schedules and Sample Steps are Flawed", Algorithm 2) can pull it back:
 * {@code rescaled = guided * std(cond) / std(guided)}, then
 * {@code out = phi * rescaled + (1 - phi) * guided} with {@code phi = cfgRescale}. The standard
 * deviations are taken over the whole sample (all of H, W, C), around each array's own mean;
 * biased or unbiased makes no difference since only their ratio is used.
 */
public final class ClassifierFreeGuidance {

    private ClassifierFreeGuidance() {
    }

    /**
     * {@code out} may be {@code cond} or {@code uncond} at the same offset: each element is read
     * before it is written, and the statistics of {@code cond} are taken first.
     *
     * @param cfgRescale phi in [0, 1]; 0 is plain classifier-free guidance
     */
    public static void combine(float[] cond, int condOff, float[] uncond, int uncondOff, int length,
                               float guidanceScale, float cfgRescale, float[] out, int outOff) {
        Objects.checkFromIndexSize(condOff, length, cond.length);
        Objects.checkFromIndexSize(uncondOff, length, uncond.length);
        Objects.checkFromIndexSize(outOff, length, out.length);
        if (!(cfgRescale >= 0f && cfgRescale <= 1f)) {
            throw new IllegalArgumentException("cfgRescale must be in [0, 1], got " + cfgRescale);
        }
        double condStd = cfgRescale > 0f ? std(cond, condOff, length) : 0.0;

        double g = guidanceScale;
        for (int k = 0; k < length; k++) {
            // In double, g = 1 gives back cond exactly: the float difference is exact in double.
            double u = uncond[uncondOff + k];
            out[outOff + k] = (float) (u + g * (cond[condOff + k] - u));
        }
        if (cfgRescale == 0f) {
            return;
        }
        double guidedStd = std(out, outOff, length);
        if (guidedStd == 0.0) {
            return; // a constant prediction has no spread to match
        }
        double factor = cfgRescale * (condStd / guidedStd) + (1.0 - cfgRescale);
        for (int k = 0; k < length; k++) {
            out[outOff + k] = (float) (out[outOff + k] * factor);
        }
    }

    /** Population standard deviation; two passes so large means do not cost precision. */
    static double std(float[] values, int offset, int length) {
        if (length == 0) {
            return 0.0;
        }
        double sum = 0;
        for (int k = 0; k < length; k++) {
            sum += values[offset + k];
        }
        double mean = sum / length;
        double squares = 0;
        for (int k = 0; k < length; k++) {
            double d = values[offset + k] - mean;
            squares += d * d;
        }
        return Math.sqrt(squares / length);
    }
}
