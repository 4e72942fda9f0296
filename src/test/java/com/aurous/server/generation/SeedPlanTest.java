package com.aurous.server.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SeedPlanTest {

    @Test
    void randomSeedsAreInRange() {
        for (int i = 0; i < 10_000; i++) {
            assertThat(SeedPlan.randomSeed()).isBetween(0L, SeedPlan.MAX_SEED);
        }
    }

    @Test
    void imageSeedsCountUpAndWrapAt2To32() {
        assertThat(SeedPlan.imageSeed(100, 0)).isEqualTo(100);
        assertThat(SeedPlan.imageSeed(100, 3)).isEqualTo(103);
        assertThat(SeedPlan.imageSeed(SeedPlan.MAX_SEED, 1)).isZero();
        assertThat(SeedPlan.imageSeed(SeedPlan.MAX_SEED - 1, 3)).isEqualTo(1);
    }

    @Test
    void rejectsOutOfRangeSeeds() {
        assertThatThrownBy(() -> SeedPlan.imageSeed(-1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SeedPlan.imageSeed(SeedPlan.MAX_SEED + 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SeedPlan.imageSeed(1, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
