package com.aurous.server.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.aurous.server.generation.SeedPlan;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InitialNoiseTest {

    @Test
    void sameSeedGivesSameNumbers() {
        float[] a = new float[1001];
        float[] b = new float[1001];
        InitialNoise.gaussian(42, a, 0, a.length);
        InitialNoise.gaussian(42, b, 0, b.length);
        assertThat(a).containsExactly(b);
    }

    @Test
    void differentSeedsDiffer() {
        float[] a = new float[64];
        float[] b = new float[64];
        InitialNoise.gaussian(42, a, 0, a.length);
        InitialNoise.gaussian(43, b, 0, b.length);
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void isStandardNormal() {
        int n = 100_000;
        float[] v = new float[n];
        InitialNoise.gaussian(2024, v, 0, n);
        double sum = 0;
        double squares = 0;
        for (float x : v) {
            sum += x;
            squares += x * x;
        }
        double mean = sum / n;
        double std = Math.sqrt(squares / n - mean * mean);
        assertThat(mean).isCloseTo(0.0, within(0.01));
        assertThat(std).isCloseTo(1.0, within(0.01));
    }

    @Test
    void fillsOnlyItsSliceAndIsIndependentOfOffset() {
        float[] whole = new float[7];
        InitialNoise.gaussian(9, whole, 0, 7);
        float[] padded = new float[10];
        InitialNoise.gaussian(9, padded, 2, 7);
        assertThat(padded[0]).isZero();
        assertThat(padded[1]).isZero();
        assertThat(padded[9]).isZero();
        for (int k = 0; k < 7; k++) {
            assertThat(padded[2 + k]).isEqualTo(whole[k]);
        }
    }

    /**
     * Pinned output: if this changes, every seed a user saved now yields a different image.
     * Cross-checked against an independent Python implementation of the documented procedure.
     */
    @Test
    void goldenValues() {
        float[] v = new float[6];
        InitialNoise.gaussian(12345, v, 0, v.length);
        assertThat(v).containsExactly(GOLDEN_12345);
        InitialNoise.gaussian(0, v, 0, v.length);
        assertThat(v).containsExactly(GOLDEN_0);
    }

    private static final float[] GOLDEN_12345 = {
        0.14969265f, 0.5130385f, 0.22592303f, 0.45120528f, -0.6183457f, 1.0157042f};
    private static final float[] GOLDEN_0 = {
        -1.8839084f, 0.86450684f, 0.22760794f, -0.042112686f, -0.22143789f, 0.41933283f};

    /** The documented SplitMix64 is what SplittableRandom does, so the procedure can be ported. */
    @Test
    void splittableRandomIsTheDocumentedSplitMix64() {
        for (long seed : new long[] {0, 1, 12345, SeedPlan.MAX_SEED}) {
            SplittableRandom random = new SplittableRandom(seed);
            long state = seed;
            for (int i = 0; i < 100; i++) {
                state += 0x9e3779b97f4a7c15L;
                long z = state;
                z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
                z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
                z = z ^ (z >>> 31);
                assertThat(random.nextDouble()).isEqualTo((z >>> 11) * 0x1.0p-53);
            }
        }
    }
}
