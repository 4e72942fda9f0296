package com.aurous.server.generation;

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
}
