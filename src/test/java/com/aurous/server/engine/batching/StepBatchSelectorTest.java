package com.aurous.server.engine.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepBatchSelectorTest {

    /** Mutable on purpose: a sample gets a new readySince each time it finishes a step. */
    private static final class Sample implements Schedulable {
        final String id;
        final String bucket;
        long readySince;

        Sample(String id, String bucket, long readySince) {
            this.id = id;
            this.bucket = bucket;
            this.readySince = readySince;
        }

        @Override
        public String bucket() {
            return bucket;
        }

        @Override
        public long readySince() {
            return readySince;
        }

        @Override
        public String toString() {
            return id;
        }
    }

    @Test
    void picksBucketOfOldestThenOldestFirstUpToMax() {
        Sample a1 = new Sample("a1", "A", 30);
        Sample a2 = new Sample("a2", "A", 20);
        Sample a3 = new Sample("a3", "A", 40);
        Sample b1 = new Sample("b1", "B", 10);
        Sample b2 = new Sample("b2", "B", 50);
        Sample b3 = new Sample("b3", "B", 15);

        List<Sample> batch = StepBatchSelector.select(List.of(a1, a2, a3, b1, b2, b3), 2);

        assertThat(batch).containsExactly(b1, b3);
    }

    @Test
    void emptyInputGivesEmptyBatch() {
        assertThat(StepBatchSelector.select(List.<Sample>of(), 4)).isEmpty();
        assertThatThrownBy(() -> StepBatchSelector.select(List.<Sample>of(), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void comparesNanoTimesAcrossWrapAround() {
        Sample older = new Sample("older", "A", Long.MAX_VALUE - 5);
        Sample newer = new Sample("newer", "B", Long.MIN_VALUE + 5); // 11 ns later, after wrapping
        assertThat(StepBatchSelector.select(List.of(newer, older), 4)).containsExactly(older);
    }

    /**
     * Bucket A is crowded and keeps receiving new arrivals, more than fit in a batch; a lone B
     * sample must still get its turn once it is the oldest waiting, and every batch stays within
     * one bucket and maxBatchSize.
     */
    @Test
    void busyBucketDoesNotStarveAnother() {
        int maxBatch = 3;
        long now = 0;
        List<Sample> ready = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ready.add(new Sample("a" + i, "A", now++));
        }
        Sample b = new Sample("b", "B", now++);
        ready.add(b);

        int rounds = 0;
        int bSteps = 0;
        int arrivals = 0;
        while (rounds < 50) {
            rounds++;
            List<Sample> batch = StepBatchSelector.select(ready, maxBatch);
            assertThat(batch).isNotEmpty().hasSizeLessThanOrEqualTo(maxBatch);
            assertThat(batch).extracting(Sample::bucket).containsOnly(batch.get(0).bucket());
            now += 100; // the model call
            for (Sample s : batch) {
                s.readySince = now++; // ready again for its next step
            }
            if (batch.contains(b)) {
                bSteps++;
            }
            ready.add(new Sample("new" + arrivals++, "A", now++)); // A keeps getting traffic
        }
        // Every few rounds B is the oldest again; it must be served regularly, not once.
        assertThat(bSteps).isGreaterThanOrEqualTo(5);
    }

    @Test
    void waitingSampleIsServedOnceItIsTheOldest() {
        Sample a1 = new Sample("a1", "A", 0);
        Sample a2 = new Sample("a2", "A", 1);
        Sample b = new Sample("b", "B", 2);
        Sample a3 = new Sample("a3", "A", 3);
        List<Sample> ready = List.of(a1, a2, b, a3);

        assertThat(StepBatchSelector.select(ready, 2)).containsExactly(a1, a2);
        a1.readySince = 10;
        a2.readySince = 11;
        assertThat(StepBatchSelector.select(ready, 2)).containsExactly(b);
    }
}
