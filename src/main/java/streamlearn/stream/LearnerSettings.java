package streamlearn.stream;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import streamlearn.format.ModelSeed;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;

/**
 * What the topology needs to know, independent of where it comes from (properties file, tests,
 * benchmarks).
 *
 * @param readingsPartitions partitions of the readings topic, 0 if unknown: with a single
 *                           partition a global model needs no repartition
 * @param maxReadingBytes    larger readings are rejected as oversized
 * @param labelMaxDelay      how long (stream time) an unlabeled reading waits for a late label; 0: none waits
 * @param labelMaxPending    the most readings a task keeps waiting; the oldest makes room
 * @param readingMaxFuture   a reading dated further ahead of the wall clock is rejected (future_timestamp)
 * @param onSpecChange       what a stored model whose spec is not the configured one does
 * @param seed               the snapshot new models start from; null: from the spec
 * @param modelCacheSize     the most models a task keeps in memory; the least recently used leaves
 * @param checkpointReadings inputs a model takes between two checkpoints of its whole state
 * @param metricsMaxModels   the most models with series of their own in the registry; the others share unlabeled ones
 * @param replicas           model.replicas: the global model as one replica per readings partition, merged in rounds
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
        MeterRegistry registry,
        Duration readingMaxFuture,
        SpecChangePolicy onSpecChange,
        ModelSeed seed,
        int modelCacheSize,
        int checkpointReadings,
        int metricsMaxModels,
        ReplicaSettings replicas) {
    /** {@code metrics.window}'s default. */
    public static final Duration DEFAULT_METRICS_WINDOW = Duration.ofSeconds(10);
    /** {@code label.max.delay}'s default. */
    public static final Duration DEFAULT_LABEL_MAX_DELAY = Duration.ofHours(1);
    /** {@code label.max.pending}'s default: waiting readings per task. */
    public static final long DEFAULT_LABEL_MAX_PENDING = 1_000_000;
    /** {@code reading.max.future}'s default. */
    public static final Duration DEFAULT_READING_MAX_FUTURE = Duration.ofHours(1);
    /** {@code model.cache.size}'s default: models in memory per task. */
    public static final int DEFAULT_MODEL_CACHE_SIZE = 10_000;
    /** {@code model.checkpoint.readings}'s default. */
    public static final int DEFAULT_CHECKPOINT_READINGS = 100;
    /** {@code metrics.max.models}'s default. */
    public static final int DEFAULT_METRICS_MAX_MODELS = 100;

    /**
     * Settings with the defaults of the operations keys (readings up to an hour ahead, fail on a
     * spec change, no seed) and of the keys that size the learner for many models.
     */
    public LearnerSettings(ModelSpec spec, ModelKey modelKey, Topics topics, Duration metricsWindow,
                           Duration snapshotInterval, int readingsPartitions, int maxReadingBytes,
                           Duration labelMaxDelay, long labelMaxPending, MeterRegistry registry) {
        this(spec, modelKey, topics, metricsWindow, snapshotInterval, readingsPartitions, maxReadingBytes, labelMaxDelay,
                labelMaxPending, registry, DEFAULT_READING_MAX_FUTURE, SpecChangePolicy.FAIL, null,
                DEFAULT_MODEL_CACHE_SIZE, DEFAULT_CHECKPOINT_READINGS, DEFAULT_METRICS_MAX_MODELS, ReplicaSettings.NONE);
    }

    /** These settings with another future bound, spec-change policy and seed. */
    public LearnerSettings with(Duration readingMaxFuture, SpecChangePolicy onSpecChange, ModelSeed seed) {
        return new LearnerSettings(spec, modelKey, topics, metricsWindow, snapshotInterval, readingsPartitions,
                maxReadingBytes, labelMaxDelay, labelMaxPending, registry, readingMaxFuture, onSpecChange, seed,
                modelCacheSize, checkpointReadings, metricsMaxModels, replicas);
    }

    /** These settings with other values for the keys that size the learner for many models. */
    public LearnerSettings withScale(int modelCacheSize, int checkpointReadings, int metricsMaxModels) {
        return new LearnerSettings(spec, modelKey, topics, metricsWindow, snapshotInterval, readingsPartitions,
                maxReadingBytes, labelMaxDelay, labelMaxPending, registry, readingMaxFuture, onSpecChange, seed,
                modelCacheSize, checkpointReadings, metricsMaxModels, replicas);
    }

    /**
     * These settings with the global model trained as replicas ({@code model.replicas}): the spec
     * given is the replicas' (its learning rates scaled for K replicas, see
     * {@link streamlearn.format.SpecJson#forReplicas}).
     */
    public LearnerSettings withReplicas(ModelSpec replicaSpec, ReplicaSettings replicas) {
        if (replicas.enabled() && modelKey.kind() != ModelKey.Kind.GLOBAL) {
            throw new IllegalArgumentException("model.replicas needs model.key=global (model.key is " + modelKey + ")");
        }
        return new LearnerSettings(replicaSpec, modelKey, topics, metricsWindow, snapshotInterval, readingsPartitions,
                maxReadingBytes, labelMaxDelay, labelMaxPending, registry, readingMaxFuture, onSpecChange, seed,
                modelCacheSize, checkpointReadings, metricsMaxModels, replicas);
    }

    /** A new model: from the seed when there is one, else from the spec. */
    public OnlineModel newModel() {
        return seed != null ? seed.newModel() : OnlineModel.create(spec);
    }

    /** Repartition only when the model key may live on another partition than the reading. */
    public boolean needsRepartition() {
        return switch (modelKey.kind()) {
            case SENSOR -> false; // readings are keyed by sensorId, so a sensor's readings share a partition
            case GLOBAL -> readingsPartitions != 1 && !replicas.enabled();
            case FIELD -> true;
        };
    }
}
