package com.aurous.server.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StrengthScheduleTest {

    @ParameterizedTest
    @CsvSource({
        "11, 0.0, 11", // nothing runs: the reference's reconstruction
        "11, 0.01, 10", // any non-zero strength runs at least one step
        "11, 0.1, 10",
        "11, 0.5, 5", // round(5.5) = 6 run, half up
        "20, 0.5, 10",
        "50, 0.75, 12",
        "11, 0.99, 0",
        "11, 1.0, 0", // every step, from noise alone
        "1, 0.3, 0"})
    void theFirstStepThatRunsSkipsTheUnkeptPartOfTheSchedule(int steps, double strength, int first) {
        assertThat(StrengthSchedule.firstStep(steps, strength)).isEqualTo(first);
    }

    @Test
    void aStrengthOutsideZeroToOneOrNoStepsIsRefused() {
        assertThatThrownBy(() -> StrengthSchedule.firstStep(10, 1.01)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StrengthSchedule.firstStep(10, -0.1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StrengthSchedule.firstStep(10, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StrengthSchedule.firstStep(0, 0.5)).isInstanceOf(IllegalArgumentException.class);
    }
}
