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
 */
public record LearnerSettings(
        ModelSpec spec,
        ModelKey modelKey,
        Topics topics,
        Duration metricsWindow,
        Duration snapshotInterval,
        int readingsPartitions,
        int maxReadingBytes,
        MeterRegistry registry) {

    /** Repartition only when the model key may live on another partition than the reading. */
    public boolean needsRepartition() {
        return switch (modelKey.kind()) {
            case SENSOR -> false; // readings are keyed by sensorId, so a sensor's readings share a partition
            case GLOBAL -> readingsPartitions != 1;
            case FIELD -> true;
        };
    }
}
