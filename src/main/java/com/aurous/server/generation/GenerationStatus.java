package com.aurous.server.generation;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The lifecycle on the create page: pending -> processing -> succeeded | failed | cancelled. */
public final class GenerationStatus {
  public static final String PENDING = "pending";
  public static final String PROCESSING = "processing";
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";
  public static final String CANCELLED = "cancelled";

  private GenerationStatus() {}

  public static boolean isTerminal(String status) {
    return SUCCEEDED.equals(status) || FAILED.equals(status) || CANCELLED.equals(status);
  }

  /**
   * The statuses as an SQL list, {@code ('pending', 'processing')}. Inlined rather than bound so
   * the planner can match the partial indexes on open rows (V2, V4 migrations).
   */
  static String sqlList(String... statuses) {
    return Arrays.stream(statuses).map(GenerationStatus::sqlLiteral).collect(Collectors.joining(", ", "(", ")"));
  }

  static String sqlLiteral(String status) {
    return "'" + status + "'";
  }
}
