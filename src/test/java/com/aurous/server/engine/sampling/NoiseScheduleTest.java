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
    void zeroTerminalSnrRescaleLeavesNoPictureAtTheLastTimestepAndKeepsTheFirst() {
        NoiseSchedule sd = NoiseSchedule.stableDiffusion();
        NoiseSchedule z = new NoiseSchedule(1000, 0.00085, 0.012, "scaled_linear", true, NoiseSchedule.TRAILING);
        assertThat(Math.sqrt(sd.alphaCumprod(999))).isGreaterThan(0.06); // the leak it removes
        assertThat(z.alphaCumprod(999)).isEqualTo(0x1p-24);
        assertThat(z.alphaCumprod(0)).isCloseTo(sd.alphaCumprod(0), within(1e-12));
        for (int t = 1; t < 1000; t++) {
            assertThat(z.alphaCumprod(t)).isLessThan(z.alphaCumprod(t - 1));
            assertThat(z.alphaCumprod(t)).isLessThanOrEqualTo(sd.alphaCumprod(t));
        }
        // sqrt(alpha-bar) is an affine map of SD's: midway it sits between the two end points' shift.
        double a0 = Math.sqrt(sd.alphaCumprod(0));
        double aT = Math.sqrt(sd.alphaCumprod(999));
        double expected = (Math.sqrt(sd.alphaCumprod(500)) - aT) * a0 / (a0 - aT);
        assertThat(Math.sqrt(z.alphaCumprod(500))).isCloseTo(expected, within(1e-12));
        assertThat(z.timestepSpacing()).isEqualTo("trailing");
    }

    @Test
    void rejectsUnknownTimestepSpacing() {
        assertThatThrownBy(() -> new NoiseSchedule(1000, 0.00085, 0.012, "scaled_linear", false, "linspace"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("linspace");
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
