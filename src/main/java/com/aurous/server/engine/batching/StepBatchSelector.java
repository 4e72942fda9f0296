package com.aurous.server.engine.batching;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Picks which ready samples go into the worker's next model call.
 *
 * <p>The bucket is the one holding the sample that has waited longest; the batch is then up to
 * {@code maxBatchSize} samples of that bucket, oldest first. A sample that just finished a step
 * becomes ready again with a fresh {@code readySince}, so a busy bucket cannot stay ahead of a
 * sample waiting in another one: every waiting sample eventually is the oldest and gets its
 * bucket picked. That is the whole fairness guarantee: oldest first across buckets, no bucket
 * starves.
 */
public final class StepBatchSelector {

    /** nanoTime values may wrap, so they are compared by difference, as its Javadoc asks. */
    private static final Comparator<Schedulable> OLDEST_FIRST =
            (a, b) -> Long.signum(a.readySince() - b.readySince());

    private StepBatchSelector() {
    }

    /**
     * @param ready samples ready for a step; ties in {@code readySince} keep this order
     * @return the next batch, all of one bucket, oldest first; empty if nothing is ready
     */
    public static <T extends Schedulable> List<T> select(Collection<? extends T> ready, int maxBatchSize) {
        Objects.requireNonNull(ready, "ready");
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("maxBatchSize must be >= 1, got " + maxBatchSize);
        }
        T oldest = null;
        for (T item : ready) {
            if (oldest == null || OLDEST_FIRST.compare(item, oldest) < 0) {
                oldest = item;
            }
        }
        if (oldest == null) {
            return List.of();
        }
        String bucket = oldest.bucket();
        List<T> sameBucket = new ArrayList<>();
        for (T item : ready) {
            if (bucket.equals(item.bucket())) {
                sameBucket.add(item);
            }
        }
        sameBucket.sort(OLDEST_FIRST);
        return sameBucket.size() > maxBatchSize ? new ArrayList<>(sameBucket.subList(0, maxBatchSize)) : sameBucket;
    }
}
