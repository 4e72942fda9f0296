package com.aurous.server.engine.sampling;

import java.util.List;
import java.util.Locale;

/** Builds a {@link Sampler} from the name a request carries. */
public final class Samplers {

    /** Used when a request names no sampler. */
    public static final String DEFAULT = DdimSampler.NAME;

    public static final List<String> NAMES = List.of(DdimSampler.NAME, EulerSampler.NAME);

    private Samplers() {
    }

    public static Sampler create(String name, NoiseSchedule schedule, int steps) {
        if (name == null) {
            throw new IllegalArgumentException("sampler name is required; supported: " + NAMES);
        }
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case DdimSampler.NAME -> new DdimSampler(schedule, steps);
            case EulerSampler.NAME -> new EulerSampler(schedule, steps);
            default -> throw new IllegalArgumentException("unknown sampler '" + name + "'; supported: " + NAMES);
        };
    }
}
