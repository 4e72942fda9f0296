package com.aurous.server.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SamplerTest {

    private static final NoiseSchedule SCHEDULE = NoiseSchedule.stableDiffusion();
    private static final int LENGTH = 4 * 8 * 8;

    /**
     * Runs the full loop with a "model" that returns the true epsilon of the current latents for
     * a known x0; a correct solver then lands on x0 exactly (up to float rounding).
     */
    @ParameterizedTest
    @CsvSource({"ddim,1", "ddim,20", "ddim,50", "ddim,100", "euler,1", "euler,20", "euler,50", "euler,100"})
    void oracleNoisePredictionRecoversX0(String name, int steps) {
        Sampler sampler = Samplers.create(name, SCHEDULE, steps);
        Random random = new Random(7);
        float[] x0 = new float[LENGTH];
        float[] eps = new float[LENGTH];
        for (int k = 0; k < LENGTH; k++) {
            x0[k] = (float) random.nextGaussian() * 0.8f;
            eps[k] = (float) random.nextGaussian();
        }
        float[] latents = noisedAtFirstStep(sampler, x0, eps);
        float[] input = new float[LENGTH];
        float[] pred = new float[LENGTH];
        for (int i = 0; i < sampler.steps(); i++) {
            sampler.scaleModelInput(latents, 0, LENGTH, i, input, 0);
            oracleEpsilon(sampler, i, latents, x0, pred);
            sampler.step(latents, 0, LENGTH, pred, 0, i);
        }
        for (int k = 0; k < LENGTH; k++) {
            assertThat(latents[k]).as("element %d", k).isCloseTo(x0[k], within(1e-3f));
        }
    }

    private static float[] noisedAtFirstStep(Sampler sampler, float[] x0, float[] eps) {
        float[] x = new float[x0.length];
        for (int k = 0; k < x.length; k++) {
            if (sampler instanceof EulerSampler euler) {
                x[k] = (float) (x0[k] + euler.sigma(0) * eps[k]);
            } else {
                double a = SCHEDULE.alphaCumprod((int) sampler.timestep(0));
                x[k] = (float) (Math.sqrt(a) * x0[k] + Math.sqrt(1 - a) * eps[k]);
            }
        }
        return x;
    }

    private static void oracleEpsilon(Sampler sampler, int i, float[] x, float[] x0, float[] out) {
        for (int k = 0; k < x.length; k++) {
            if (sampler instanceof EulerSampler euler) {
                out[k] = (float) ((x[k] - x0[k]) / euler.sigma(i));
            } else {
                double a = SCHEDULE.alphaCumprod((int) sampler.timestep(i));
                out[k] = (float) ((x[k] - Math.sqrt(a) * x0[k]) / Math.sqrt(1 - a));
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"ddim,1", "ddim,7", "ddim,50", "ddim,100", "ddim,999", "euler,1", "euler,7", "euler,50", "euler,100", "euler,1000"})
    void timestepsStrictlyDecreaseWithinTrainingRange(String name, int steps) {
        Sampler sampler = Samplers.create(name, SCHEDULE, steps);
        assertThat(sampler.steps()).isEqualTo(steps);
        for (int i = 0; i < steps; i++) {
            assertThat(sampler.timestep(i)).isBetween(0f, 999f);
            if (i > 0) {
                assertThat(sampler.timestep(i)).isLessThan(sampler.timestep(i - 1));
            }
        }
    }

    @Test
    void ddimUsesLeadingSpacingWithOffsetOne() {
        Sampler ddim = Samplers.create("ddim", SCHEDULE, 50);
        assertThat(ddim.timestep(0)).isEqualTo(981f);
        assertThat(ddim.timestep(1)).isEqualTo(961f);
        assertThat(ddim.timestep(49)).isEqualTo(1f);
        assertThat(Samplers.create("ddim", SCHEDULE, 1).timestep(0)).isEqualTo(1f);
        assertThat(Samplers.create("ddim", SCHEDULE, 100).timestep(0)).isEqualTo(991f);
        assertThat(ddim.initNoiseSigma()).isEqualTo(1f);
    }

    @Test
    void ddimWithTrailingSpacingStartsAtTheNoisiestTimestep() {
        NoiseSchedule zeroSnr = new NoiseSchedule(1000, 0.00085, 0.012, "scaled_linear", true, NoiseSchedule.TRAILING);
        Sampler ddim = Samplers.create("ddim", zeroSnr, 11);
        float[] expected = {999, 908, 817, 726, 635, 544, 454, 363, 272, 181, 90}; // diffusers trailing, 1000/11
        for (int i = 0; i < expected.length; i++) {
            assertThat(ddim.timestep(i)).as("step %d", i).isEqualTo(expected[i]);
        }
        assertThat(Samplers.create("ddim", zeroSnr, 1).timestep(0)).isEqualTo(999f);
        assertThat(Samplers.create("ddim", zeroSnr, 999).timestep(998)).isEqualTo(0f);
    }

    @Test
    void ddimOnTheZeroSnrScheduleStillRecoversX0FromAnOracle() {
        NoiseSchedule zeroSnr = new NoiseSchedule(1000, 0.00085, 0.012, "scaled_linear", true, NoiseSchedule.TRAILING);
        Sampler ddim = Samplers.create("ddim", zeroSnr, 11);
        Random random = new Random(3);
        float[] x0 = new float[LENGTH];
        float[] x = new float[LENGTH];
        for (int k = 0; k < LENGTH; k++) {
            x0[k] = (float) random.nextGaussian() * 0.8f;
            double a = zeroSnr.alphaCumprod(999);
            x[k] = (float) (Math.sqrt(a) * x0[k] + Math.sqrt(1 - a) * random.nextGaussian());
        }
        float[] eps = new float[LENGTH];
        for (int i = 0; i < ddim.steps(); i++) {
            double a = zeroSnr.alphaCumprod((int) ddim.timestep(i));
            for (int k = 0; k < LENGTH; k++) {
                eps[k] = (float) ((x[k] - Math.sqrt(a) * x0[k]) / Math.sqrt(1 - a));
            }
            ddim.step(x, 0, LENGTH, eps, 0, i);
        }
        for (int k = 0; k < LENGTH; k++) {
            assertThat(x[k]).as("element %d", k).isCloseTo(x0[k], within(2e-3f));
        }
    }

    @Test
    void eulerSpansTheWholeTrainingRange() {
        EulerSampler euler = (EulerSampler) Samplers.create("euler", SCHEDULE, 50);
        assertThat(euler.timestep(0)).isEqualTo(999f);
        assertThat(euler.timestep(49)).isEqualTo(0f);
        assertThat(Samplers.create("euler", SCHEDULE, 1).timestep(0)).isEqualTo(999f);
        assertThat((double) euler.initNoiseSigma()).isCloseTo(SCHEDULE.sigma(999), within(1e-5));
        assertThat(euler.sigma(50)).isZero();
    }

    @Test
    void eulerScalesInputToUnitVariance() {
        EulerSampler euler = (EulerSampler) Samplers.create("euler", SCHEDULE, 10);
        float[] x = {2f, -4f};
        float[] out = new float[3];
        euler.scaleModelInput(x, 0, 2, 3, out, 1);
        double s = euler.sigma(3);
        assertThat((double) out[1]).isCloseTo(2 / Math.sqrt(s * s + 1), within(1e-5));
        assertThat((double) out[2]).isCloseTo(-4 / Math.sqrt(s * s + 1), within(1e-5));
        assertThat(out[0]).isZero();
    }

    @Test
    void samplesInOneBatchAdvanceIndependently() {
        Sampler sampler = Samplers.create("euler", SCHEDULE, 10);
        Random random = new Random(3);
        float[] batch = new float[2 * LENGTH];
        float[] pred = new float[2 * LENGTH];
        for (int k = 0; k < batch.length; k++) {
            batch[k] = (float) random.nextGaussian();
            pred[k] = (float) random.nextGaussian();
        }
        float[] second = java.util.Arrays.copyOfRange(batch, LENGTH, 2 * LENGTH);
        float[] secondPred = java.util.Arrays.copyOfRange(pred, LENGTH, 2 * LENGTH);

        sampler.step(batch, 0, LENGTH, pred, 0, 0);
        sampler.step(batch, LENGTH, LENGTH, pred, LENGTH, 6);
        sampler.step(second, 0, LENGTH, secondPred, 0, 6);

        assertThat(java.util.Arrays.copyOfRange(batch, LENGTH, 2 * LENGTH)).containsExactly(second);
    }

    @Test
    void factoryKnowsItsNamesAndDefault() {
        assertThat(Samplers.DEFAULT).isEqualTo("ddim");
        assertThat(Samplers.create(Samplers.DEFAULT, SCHEDULE, 20)).isInstanceOf(DdimSampler.class);
        assertThat(Samplers.create(" Euler ", SCHEDULE, 20)).isInstanceOf(EulerSampler.class);
        assertThatThrownBy(() -> Samplers.create("dpm++", SCHEDULE, 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ddim");
        assertThatThrownBy(() -> Samplers.create("ddim", SCHEDULE, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Samplers.create("ddim", SCHEDULE, 1000)).isInstanceOf(IllegalArgumentException.class);
    }
}
