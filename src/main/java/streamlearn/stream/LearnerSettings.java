package streamlearn.stream;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import streamlearn.model.ModelSpec;

/**
 * What the topology needs to know, independent of where it comes from (properties file, tests,
 * benchmarks).
 *
 * @param readingsPartitions partitions of the readings topic, 0 if unknown: with a single
 *                           partition a global model needs no repartition
 * @param maxReadingBytes    larger readings are rejected as oversized
 * @param labelMaxDelay      how long (stream time) an unlabeled reading waits for a late label; 0: none waits
 * @param labelMaxPending    the most readings a task keeps waiting; the oldest makes room
 */
public record LearnerSettings(
        ModelSpec spec,
        ModelKey modelKey,
        Topics topics,
        Duration metricsWindow,
        Duration snapshotInterval,
        int readingsPartitions,
        int maxReadingBytes,
        Duration labelMaxDelay,
        long labelMaxPending,
        MeterRegistry registry) {
    /** {@code label.max.delay}'s default. */
    public static final Duration DEFAULT_LABEL_MAX_DELAY = Duration.ofHours(1);
    /** {@code label.max.pending}'s default: waiting readings per task. */
    public static final long DEFAULT_LABEL_MAX_PENDING = 1_000_000;

    /** Repartition only when the model key may live on another partition than the reading. */
    public boolean needsRepartition() {
        return switch (modelKey.kind()) {
            case SENSOR -> false; // readings are keyed by sensorId, so a sensor's readings share a partition
            case GLOBAL -> readingsPartitions != 1;
            case FIELD -> true;
        };
    }
}
