package com.aurous.server.generation;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Seeds are integers in [0, 2^32 - 1] so they survive JSON, JavaScript numbers and other
 * tools' 32-bit seed fields unchanged. A request for {@code count} images with seed {@code s}
 * generates image {@code i} from {@code (s + i) mod 2^32}, so each image can be reproduced alone
 * by asking for count 1 with that seed.
 */
public final class SeedPlan {

    public static final long MAX_SEED = 4294967295L;

    private SeedPlan() {
    }

    /** A seed for requests that give none; not security-sensitive, only needs to vary. */
    public static long randomSeed() {
        return ThreadLocalRandom.current().nextLong(MAX_SEED + 1);
    }

    public static long imageSeed(long seed, int imageIndex) {
        if (seed < 0 || seed > MAX_SEED) {
            throw new IllegalArgumentException("seed must be in [0, " + MAX_SEED + "], got " + seed);
        }
        if (imageIndex < 0) {
            throw new IllegalArgumentException("imageIndex must be >= 0, got " + imageIndex);
        }
        return (seed + imageIndex) & MAX_SEED;
    }
}
