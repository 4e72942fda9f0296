package com.aurous.server.characters;

import com.aurous.server.config.ServerConfig;

/**
 * The characters.* keys. {@code testJobDelayMs} (0 by default, for tests only) holds the job
 * after it claims a character and before it reads the references, so a test can kill the
 * node that holds the claim mid-job.
 */
public record CharacterSettings(int pollIntervalMs, int leaseSeconds, int maxAttempts, double defaultDenoiseStrength,
    int testJobDelayMs) {

  public static CharacterSettings from(ServerConfig c) {
    return new CharacterSettings(c.integer("characters.poll_interval_ms"), c.integer("characters.lease_s"),
        c.integer("characters.max_attempts"), c.number("characters.default_consistency_denoise_strength"),
        c.integer("characters.test_job_delay_ms"));
  }
}
