package com.aurous.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** model train refuses a bad training option before it trains or writes anything. */
class TrainCommandTest {

  @TempDir
  Path tmp;

  @Test
  void badFocusEdgeWeightAndLearningRateOptionsAreRefusedWithTheirExpectedFormBeforeAnythingIsWritten() throws Exception {
    String[][] cases = {
        {"--focus", "600-100:0.5", "--focus: expected FROM-TO:SHARE"},
        {"--focus", "100-600", "--focus: expected FROM-TO:SHARE"},
        {"--focus", "0-1000:0.5", "--focus: expected FROM-TO:SHARE"},
        {"--focus", "1-2:2", "--focus: expected FROM-TO:SHARE"},
        {"--edge-weight", "-1", "--edge-weight must be a number in [0, 100], got '-1'"},
        {"--edge-weight", "NaN", "--edge-weight must be a number in [0, 100]"},
        {"--edge-weight", "heavy", "--edge-weight must be a number in [0, 100]"},
        {"--edge-weight", "1e9", "--edge-weight must be a number in [0, 100]"},
        {"--lr", "0", "--lr must be a number in (0, 1), got '0'"},
        {"--lr", "1e-50", "--lr must be a number in (0, 1)"},
        {"--lr", "fast", "--lr must be a number in (0, 1)"},
    };
    Path out = tmp.resolve("run");
    for (String[] c : cases) {
      PrintStream ps = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
      CliArgs.CliException e = catchThrowableOfType(() -> TrainCommand.run(new CliArgs(
          new String[] {"model", "train", "--out", out.toString(), c[0], c[1]}), ps), CliArgs.CliException.class);
      assertThat(e).as(c[0] + " " + c[1]).isNotNull();
      assertThat(e.getMessage()).contains(c[2]);
    }
    assertThat(Files.exists(out)).as("nothing written").isFalse();
  }
}
