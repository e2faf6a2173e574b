package streamlearn.stream;

import java.time.Duration;

/**
 * {@code model.replicas}: the global model trained as one replica per readings partition, merged
 * in rounds through the replicas topic ({@link ReplicaRounds}, docs/DESIGN.md section 9).
 *
 * @param replicas      K, the readings topic's partition count; 0: the global model is one model in one task
 * @param mergeUpdates  a replica publishes its state for the round's merge after so many updates
 * @param mergeInterval ... or, with at least one update, this long after it last published
 */
public record ReplicaSettings(int replicas, int mergeUpdates, Duration mergeInterval) {
    /** {@code model.replicas.merge.updates}' default: the interval measured in docs/QUALITY.md, "Replicas". */
    public static final int DEFAULT_MERGE_UPDATES = 1_000;
    /** {@code model.replicas.merge.interval}'s default. */
    public static final Duration DEFAULT_MERGE_INTERVAL = Duration.ofSeconds(10);
    /**
     * The updates between merges while a replica's output layer relearns after a drift: a replica
     * relearning alone would need K times the stream's readings, and the merges must carry its
     * relearning to the others while it lasts (docs/QUALITY.md, "Replicas: the merge rule").
     */
    public static final int RELEARNING_MERGE_UPDATES = 25;
    /** The global model is one model in one task. */
    public static final ReplicaSettings NONE = new ReplicaSettings(0, DEFAULT_MERGE_UPDATES, DEFAULT_MERGE_INTERVAL);

    public ReplicaSettings {
        if (replicas < 0 || mergeUpdates < 1 || mergeInterval.isNegative() || mergeInterval.isZero()) {
            throw new IllegalArgumentException("replicas " + replicas + ", merge every " + mergeUpdates + " updates or "
                    + mergeInterval + ": must be >= 0, >= 1 and positive");
        }
    }

    public boolean enabled() {
        return replicas > 0;
    }
}
