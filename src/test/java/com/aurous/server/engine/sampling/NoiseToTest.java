package com.aurous.server.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NoiseToTest {

    private static final NoiseSchedule SCHEDULE = NoiseSchedule.stableDiffusion();

    /**
     * Starting part-way from noiseTo(x0, eps) and stepping with the true epsilon lands on x0: the
     * noised latent is exactly what the sampler holds at that step, for each sampler.
     */
    @ParameterizedTest
    @CsvSource({"ddim,20,10", "ddim,11,10", "ddim,50,1", "euler,20,10", "euler,11,10", "euler,50,1"})
    void startingPartWayFromTheNoisedReferenceRecoversIt(String name, int steps, int first) {
        Sampler sampler = Samplers.create(name, SCHEDULE, steps);
        Random random = new Random(3);
        int n = 256;
        float[] x0 = new float[n];
        float[] eps = new float[n];
        for (int k = 0; k < n; k++) {
            x0[k] = (float) random.nextGaussian() * 0.8f;
            eps[k] = (float) random.nextGaussian();
        }
        float[] latents = new float[n];
        sampler.noiseTo(x0, eps, first, latents);
        float[] pred = new float[n];
        for (int i = first; i < steps; i++) {
            for (int k = 0; k < n; k++) {
                pred[k] = trueEpsilon(sampler, i, latents[k], x0[k]);
            }
            sampler.step(latents, 0, n, pred, 0, i);
        }
        for (int k = 0; k < n; k++) {
            assertThat(latents[k]).isCloseTo(x0[k], within(2e-3f));
        }
    }

    @Test
    void ddimNoisesToTheForwardProcessOfItsStepsTimestep() {
        Sampler ddim = Samplers.create("ddim", SCHEDULE, 20);
        float[] out = new float[1];
        ddim.noiseTo(new float[] {2f}, new float[] {1f}, 5, out);
        double a = SCHEDULE.alphaCumprod((int) ddim.timestep(5));
        assertThat((double) out[0]).isCloseTo(Math.sqrt(a) * 2 + Math.sqrt(1 - a), within(1e-5));
    }

    private static float trueEpsilon(Sampler sampler, int step, float x, float x0) {
        if (sampler instanceof EulerSampler euler) {
            return (float) ((x - x0) / euler.sigma(step));
        }
        double a = SCHEDULE.alphaCumprod((int) sampler.timestep(step));
        return (float) ((x - Math.sqrt(a) * x0) / Math.sqrt(1 - a));
    }
}
