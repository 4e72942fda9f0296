package com.aurous.server.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class TimestepFocusTest {

  @Test
  void aFocusDrawsItsShareFromItsRangeAndTheRestFromAllTimesteps() {
    TimestepFocus f = TimestepFocus.parse("100-600:0.6");
    SplittableRandom r = new SplittableRandom(1);
    int inside = 0;
    int n = 20_000;
    for (int i = 0; i < n; i++) {
      int t = f.draw(r);
      assertThat(t).isBetween(0, 999);
      inside += t >= 100 && t <= 600 ? 1 : 0;
    }
    // 0.6 from the range plus 0.4 x 501/1000 of the uniform rest: about 0.80.
    assertThat(inside / (double) n).isBetween(0.78, 0.82);
  }

  @Test
  void uniformDrawsWhatTheStageAlwaysDrewSoOlderRunsResumeOnTheSameBatches() {
    SplittableRandom a = new SplittableRandom(7);
    SplittableRandom b = new SplittableRandom(7);
    for (int i = 0; i < 100; i++) {
      assertThat(TimestepFocus.UNIFORM.draw(a)).isEqualTo(b.nextInt(1000));
    }
  }

  @Test
  void malformedOrOutOfRangeFocusesAreRefusedWithTheExpectedForm() {
    for (String bad : new String[] {"", "100", "100-600", "600-100:0.5", "0-1000:0.5", "0-10:1.5", "a-b:c",
        "-5-10:0.5", "10-20:NaN"}) {
      assertThatThrownBy(() -> TimestepFocus.parse(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("FROM-TO:SHARE");
    }
  }
}
