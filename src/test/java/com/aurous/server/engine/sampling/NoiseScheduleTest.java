package com.aurous.server.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class NoiseScheduleTest {

    @Test
    void stableDiffusionScheduleMatchesKnownValues() {
        NoiseSchedule s = NoiseSchedule.stableDiffusion();
        assertThat(s.numTrainTimesteps()).isEqualTo(1000);
        assertThat(s.alphaCumprod(0)).isCloseTo(1 - 0.00085, within(1e-12));
        // Reference values from diffusers' scaled_linear schedule (sigma_max ~ 14.6146, sigma_min ~ 0.0292).
        assertThat(s.sigma(999)).isCloseTo(14.6146, within(1e-3));
        assertThat(s.sigma(0)).isCloseTo(0.029168, within(1e-5));
        assertThat(s.alphaCumprod(999)).isCloseTo(1 / (1 + 14.6146 * 14.6146), within(1e-6));
    }

    @Test
    void linearScheduleUsesBetasDirectly() {
        NoiseSchedule s = new NoiseSchedule(1000, 0.0001, 0.02, "linear");
        assertThat(s.alphaCumprod(0)).isCloseTo(0.9999, within(1e-12));
        assertThat(s.alphaCumprod(1) / s.alphaCumprod(0)).isCloseTo(1 - (0.0001 + 0.0199 / 999), within(1e-12));
    }

    @Test
    void alphasDecreaseAndSigmasIncrease() {
        NoiseSchedule s = NoiseSchedule.stableDiffusion();
        for (int t = 1; t < 1000; t++) {
            assertThat(s.alphaCumprod(t)).isLessThan(s.alphaCumprod(t - 1));
            assertThat(s.sigma(t)).isGreaterThan(s.sigma(t - 1));
        }
    }

    @Test
    void rejectsUnknownScheduleName() {
        assertThatThrownBy(() -> new NoiseSchedule(1000, 0.00085, 0.012, "cosine"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cosine")
                .hasMessageContaining("scaled_linear");
    }
}
