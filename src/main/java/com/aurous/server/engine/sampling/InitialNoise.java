package com.aurous.server.engine.sampling;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Unit Gaussian noise that is a pure function of the seed, so a seed reproduces the same image on
 * any machine and JVM. The exact procedure, for anyone re-implementing it:
 *
 * <ol>
 *   <li>{@code new java.util.SplittableRandom(seed)}: SplitMix64 with {@code state = seed} and
 *       gamma {@code 0x9e3779b97f4a7c15}; each {@code nextLong} adds the gamma to the state and
 *       returns {@code mix64(state)} where {@code z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
 *       z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL; return z ^ (z >>> 31)}.
 *       {@code nextDouble()} is {@code (nextLong() >>> 11) * 2^-53}, uniform in [0, 1).</li>
 *   <li>Per pair of outputs, draw {@code u1 = 1 - nextDouble()} (in (0, 1], so the log is finite)
 *       and then {@code u2 = nextDouble()}.</li>
 *   <li>Box–Muller: {@code r = sqrt(-2 ln u1)}, {@code theta = 2 pi u2};
 *       {@code out[i] = (float) (r cos theta)}, {@code out[i + 1] = (float) (r sin theta)}.
 *       For an odd length the last pair's sine is dropped.</li>
 * </ol>
 *
 * <p>Values fill the slice in order, i.e. in the latent's flat NHWC order (channel fastest).
 * {@link StrictMath} is used because {@link Math}'s log/sin/cos may differ by an ulp between
 * JVMs and CPUs, and one ulp in the initial noise is enough to change a generated image.
 */
public final class InitialNoise {

    private static final double TWO_PI = 2.0 * StrictMath.PI;

    private InitialNoise() {
    }

    public static void gaussian(long seed, float[] out, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, out.length);
        SplittableRandom random = new SplittableRandom(seed);
        int end = offset + length;
        for (int i = offset; i < end; i += 2) {
            double u1 = 1.0 - random.nextDouble();
            double u2 = random.nextDouble();
            double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
            double theta = TWO_PI * u2;
            out[i] = (float) (r * StrictMath.cos(theta));
            if (i + 1 < end) {
                out[i + 1] = (float) (r * StrictMath.sin(theta));
            }
        }
    }
}
