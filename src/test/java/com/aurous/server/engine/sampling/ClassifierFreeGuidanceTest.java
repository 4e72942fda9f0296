package com.aurous.server.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ClassifierFreeGuidanceTest {

    private static final int N = 1000;

    private static float[] randoms(long seed, double scale, double shift) {
        Random r = new Random(seed);
        float[] v = new float[N];
        for (int k = 0; k < N; k++) {
            v[k] = (float) (r.nextGaussian() * scale + shift);
        }
        return v;
    }

    @Test
    void zeroRescaleIsPlainGuidance() {
        float[] cond = randoms(1, 1.0, 0.1);
        float[] uncond = randoms(2, 0.9, -0.2);
        float[] out = new float[N + 5];
        ClassifierFreeGuidance.combine(cond, 0, uncond, 0, N, 7.5f, 0f, out, 5);
        for (int k = 0; k < N; k++) {
            assertThat(out[5 + k]).isCloseTo(uncond[k] + 7.5f * (cond[k] - uncond[k]), within(1e-4f));
        }
    }

    @Test
    void fullRescaleMatchesConditionalStd() {
        float[] cond = randoms(1, 1.0, 0.1);
        float[] uncond = randoms(2, 0.9, -0.2);
        float[] out = new float[N];
        ClassifierFreeGuidance.combine(cond, 0, uncond, 0, N, 9f, 1f, out, 0);
        double condStd = ClassifierFreeGuidance.std(cond, 0, N);
        assertThat(ClassifierFreeGuidance.std(out, 0, N)).isCloseTo(condStd, within(1e-4 * condStd));
    }

    @Test
    void partialRescaleMixesRescaledAndGuided() {
        float[] cond = randoms(1, 1.0, 0.1);
        float[] uncond = randoms(2, 0.9, -0.2);
        float[] guided = new float[N];
        float[] rescaled = new float[N];
        float[] mixed = new float[N];
        ClassifierFreeGuidance.combine(cond, 0, uncond, 0, N, 7f, 0f, guided, 0);
        ClassifierFreeGuidance.combine(cond, 0, uncond, 0, N, 7f, 1f, rescaled, 0);
        ClassifierFreeGuidance.combine(cond, 0, uncond, 0, N, 7f, 0.7f, mixed, 0);
        for (int k = 0; k < N; k++) {
            assertThat(mixed[k]).isCloseTo(0.7f * rescaled[k] + 0.3f * guided[k], within(1e-4f));
        }
    }

    @Test
    void guidanceOneReturnsCond() {
        float[] cond = randoms(1, 1.0, 0.1);
        float[] uncond = randoms(2, 0.9, -0.2);
        for (float rescale : new float[] {0f, 0.7f, 1f}) {
            float[] out = new float[N];
            ClassifierFreeGuidance.combine(cond, 0, uncond, 0, N, 1f, rescale, out, 0);
            for (int k = 0; k < N; k++) {
                assertThat(out[k]).isCloseTo(cond[k], within(1e-6f));
            }
        }
    }

    @Test
    void worksOnSlicesAndInPlace() {
        float[] cond = randoms(1, 1.0, 0.1);
        float[] uncond = randoms(2, 0.9, -0.2);
        float[] expected = new float[N / 2];
        ClassifierFreeGuidance.combine(cond, N / 2, uncond, N / 2, N / 2, 5f, 0.5f, expected, 0);
        ClassifierFreeGuidance.combine(cond, N / 2, uncond, N / 2, N / 2, 5f, 0.5f, cond, N / 2);
        for (int k = 0; k < N / 2; k++) {
            assertThat(cond[N / 2 + k]).isEqualTo(expected[k]);
        }
    }
}
