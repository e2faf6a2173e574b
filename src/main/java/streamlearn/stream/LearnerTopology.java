package streamlearn.stream;

import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import streamlearn.format.ReplicaMessage;

/**
 * The learner's topology, built by one function that {@code run}, the tests and the benchmarks
 * all call:
 * <pre>
 *   sensor-readings ─▶ parse + validate + key by model ──(bad)──▶ sensor-readings-dlq
 *   sensor-labels   ─▶ parse + validate + key by model ──(bad)──▶ sensor-readings-dlq
 *   learner-control ─▶ parse (keyed by model id)       ──(bad)──▶ sensor-readings-dlq
 *                         │  (all three repartitioned alike, only when the model key may live elsewhere)
 *                         ▼
 *                      learner [model store, pending readings] ─▶ sensor-predictions
 *                                            ─▶ learner-metrics   (per model, per window)
 *                                            ─▶ learner-events    (per model: drift, reset, restored, spec_changed)
 *                                            ─▶ learner-models    (per model, every snapshot.interval)
 *                                            ──(unmatched label)──▶ sensor-readings-dlq
 *                                              (at once by the handler; a label that waited for its
 *                                               reading in vain, by the learner through a sink)
 *   learner-replicas ─▶ decode ─▶ learner ─▶ learner-replicas  (model.replicas: each replica's state,
 *                                               to every partition; see {@link ReplicaRounds})
 * </pre>
 * A late label must reach the task that holds its reading. Labels are keyed by sensorId like the
 * readings, and the labels topic has the readings topic's partition count ({@code run} checks), so
 * without a repartition (model key {@code sensor}, or {@code global} on one partition) a sensor's
 * labels come from the partition number of its readings, into the same task. With one, labels go
 * through a repartition topic of their own, keyed by the same model id as the readings (for
 * {@code field:<name>}, see {@link InputRouter}), so both land in the model's partition.
 */
public final class LearnerTopology {
    public static final String MODEL_STORE = "model-store";
    /** The unlabeled readings that wait for a late label (see {@link streamlearn.model.PendingReadings}). */
    public static final String PENDING_STORE = "pending-readings";
    /** model.key=field: the model of each sensor's last reading, to route its late labels. */
    public static final String SENSOR_MODELS = "sensor-models";
    static final String SOURCE = "readings";
    static final String ROUTER = "parse-and-route";
    static final String DECODER = "decode";
    static final String LABEL_SOURCE = "labels";
    static final String LABEL_ROUTER = "parse-and-route-labels";
    static final String LABEL_DECODER = "decode-labels";
    static final String CONTROL_SOURCE = "control";
    static final String CONTROL_ROUTER = "parse-and-route-control";
    static final String CONTROL_DECODER = "decode-control";
    static final String CONTROL_REPARTITION = "control-by-model";
    static final String MERGE = "readings-and-labels";
    static final String CONTROL_MERGE = "and-control";
    static final String REPLICAS_SOURCE = "replicas";
    static final String REPLICAS_DECODER = "decode-replicas";
    static final String REPLICAS_MERGE = "and-replicas";
    /** Each replica's state, to every partition of the replicas topic (model.replicas). */
    static final String REPLICAS_SINK = "replica-states";
    static final String LEARNER = "learner";
    static final String REPARTITION = "readings-by-model";
    static final String LABEL_REPARTITION = "labels-by-model";
    static final String PREDICTIONS_SINK = "predictions";
    static final String METRICS_SINK = "metrics";
    static final String MODELS_SINK = "models";
    static final String EVENTS_SINK = "events";
    /** Labels that waited for their reading in vain, dead-lettered by the learner (see {@link DeadLetterHandler#letter}). */
    static final String DEAD_LETTERS_SINK = "dead-letters";

    private LearnerTopology() {
    }

    /** The topology under exactly-once, Kafka Streams' guarantee by {@link #streamsProperties}' default. */
    public static Topology build(LearnerSettings settings) {
        return build(settings, new LiveView(settings.spec()));
    }

    /** The topology under exactly-once, whose tasks publish their running models and summaries to {@code view}. */
    public static Topology build(LearnerSettings settings, LiveView view) {
        return build(settings, view, true);
    }

    /**
     * The topology for the processing guarantee of {@code streamsProperties} (those of
     * {@link #streamsProperties}), whose tasks publish their running models and summaries to
     * {@code view} (the HTTP endpoint's).
     */
    public static Topology build(LearnerSettings settings, LiveView view, Properties streamsProperties) {
        return build(settings, view, exactlyOnce(streamsProperties));
    }

    /** Whether {@code streamsProperties} ask for exactly-once (Kafka Streams' guarantee when they name none). */
    static boolean exactlyOnce(Properties streamsProperties) {
        return !StreamsConfig.AT_LEAST_ONCE.equals(streamsProperties.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    }

    @SuppressWarnings("unchecked") // readings and labels meet as Object; the learner tells them apart
    private static Topology build(LearnerSettings settings, LiveView view, boolean exactlyOnce) {
        LearnerMetrics metrics = new LearnerMetrics(settings.registry(), settings.spec().classes(),
                settings.spec().hasCandidates() ? settings.spec().candidateNames() : java.util.List.of(), settings.metricsMaxModels());
        StreamsBuilder builder = new StreamsBuilder();
        // The changelog must accept a whole model state in one record (see ModelSpec.MAX_PARAMETERS).
        builder.addStateStore(new ModelStoreBuilder(MODEL_STORE, settings.spec(), settings::newModel, settings.checkpointReadings(),
                settings.modelCacheSize()).withLoggingEnabled(Map.of("max.message.bytes", "16777216")));
        // Small records, written per unlabeled reading, deleted per label, read only by a label. No
        // record cache under exactly-once: it would spare the writes of a reading whose label comes
        // within the commit interval, which a late label rarely does, while every put walked a tree
        // as large as the cache (a cache miss a level) and every commit walked it again to flush: a
        // few times what the writes themselves cost the stream thread (docs/BENCHMARKS.md). A crash
        // there wipes the store and restores it from the committed changelog, cache or not. Under
        // at-least-once nothing is wiped: the cache holds back the writes since the last commit
        // (while it has room), as the models hold theirs, so a label redone after a crash finds
        // its reading again.
        StoreBuilder<KeyValueStore<Bytes, byte[]>> pending = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(PENDING_STORE), Serdes.Bytes(), Serdes.ByteArray());
        builder.addStateStore((exactlyOnce ? pending.withCachingDisabled() : pending.withCachingEnabled())
                .withLoggingEnabled(Map.of()));
        boolean byField = settings.modelKey().kind() == ModelKey.Kind.FIELD;
        if (byField) {
            builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SENSOR_MODELS),
                    Serdes.String(), Serdes.String()).withCachingEnabled().withLoggingEnabled(Map.of()));
        }
        KStream<String, byte[]> readings = builder.stream(settings.topics().readings(),
                Consumed.with(Serdes.String(), Serdes.ByteArray()).withName(SOURCE));
        KStream<String, byte[]> labels = builder.stream(settings.topics().labels(),
                Consumed.with(Serdes.String(), Serdes.ByteArray()).withName(LABEL_SOURCE));
        // Control commands are keyed by model id, on a topic with the readings' partition count:
        // without a repartition a model's commands come from the partition number of its readings.
        KStream<String, byte[]> control = builder.stream(settings.topics().control(),
                Consumed.with(Serdes.String(), Serdes.ByteArray()).withName(CONTROL_SOURCE));
        KStream<String, Object> inputs = route(readings, InputKind.READING, settings, metrics, ROUTER, REPARTITION, DECODER)
                .merge(route(labels, InputKind.LABEL, settings, metrics, LABEL_ROUTER, LABEL_REPARTITION, LABEL_DECODER),
                        Named.as(MERGE))
                .merge(route(control, InputKind.COMMAND, settings, metrics, CONTROL_ROUTER, CONTROL_REPARTITION, CONTROL_DECODER),
                        Named.as(CONTROL_MERGE));
        String[] stores = {MODEL_STORE, PENDING_STORE};
        if (settings.replicas().enabled()) {
            // The replicas topic has the readings' partition count: the task of readings partition
            // p reads the other replicas' states from partition p, in its input order, under its
            // transactions (ReplicaRounds).
            builder.addStateStore(replicaStore(exactlyOnce));
            KStream<String, Object> states = builder.stream(settings.topics().replicas(),
                            Consumed.with(Serdes.String(), Serdes.ByteArray()).withName(REPLICAS_SOURCE))
                    .mapValues(v -> (Object) ReplicaMessage.fromBytes(v), Named.as(REPLICAS_DECODER));
            inputs = inputs.merge(states, Named.as(REPLICAS_MERGE));
            stores = new String[] {MODEL_STORE, PENDING_STORE, ReplicaRounds.STORE};
        }
        inputs.process(() -> new LearnerProcessor(settings, metrics, view), Named.as(LEARNER), stores);

        Topology topology = builder.build();
        topology.addSink(PREDICTIONS_SINK, settings.topics().predictions(),
                Serdes.String().serializer(), Serdes.ByteArray().serializer(), LEARNER);
        topology.addSink(METRICS_SINK, settings.topics().metrics(),
                Serdes.String().serializer(), Serdes.ByteArray().serializer(), LEARNER);
        topology.addSink(MODELS_SINK, settings.topics().models(),
                Serdes.String().serializer(), Serdes.ByteArray().serializer(), LEARNER);
        topology.addSink(EVENTS_SINK, settings.topics().events(),
                Serdes.String().serializer(), Serdes.ByteArray().serializer(), LEARNER);
        topology.addSink(DEAD_LETTERS_SINK, settings.topics().deadLetters(),
                Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), LEARNER);
        if (settings.replicas().enabled()) {
            topology.addSink(REPLICAS_SINK, settings.topics().replicas(), Serdes.String().serializer(),
                    Serdes.ByteArray().serializer(), LearnerTopology::everyPartition, LEARNER);
        }
        return topology;
    }

    /** A replica's state goes to every partition: every replica merges every round. */
    private static Optional<Set<Integer>> everyPartition(String topic, String key, byte[] value, int partitions) {
        return Optional.of(IntStream.range(0, partitions).boxed().collect(Collectors.toSet()));
    }

    /**
     * The replica's rounds (ReplicaRounds): a base model and the round's states (a model each, as
     * the model store's records), written once a round, and a small record per waiting label.
     */
    private static StoreBuilder<KeyValueStore<Bytes, byte[]>> replicaStore(boolean exactlyOnce) {
        StoreBuilder<KeyValueStore<Bytes, byte[]>> b = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(ReplicaRounds.STORE), Serdes.Bytes(), Serdes.ByteArray());
        return (exactlyOnce ? b.withCachingDisabled() : b.withCachingEnabled())
                .withLoggingEnabled(Map.of("max.message.bytes", "16777216"));
    }

    /**
     * Parses, validates and keys one input topic's records by model ({@link InputRouter}). With a
     * repartition the original bytes go through it (a parsed value has no serde, and a byte copy
     * is all the repartition topic needs) and are decoded on the other side; a global model lives
     * in a single partition. Readings, labels and commands leave as Object: the learner tells
     * them apart.
     */
    private static KStream<String, Object> route(KStream<String, byte[]> input, InputKind kind, LearnerSettings settings,
            LearnerMetrics metrics, String router, String repartition, String decoder) {
        String[] stores = InputRouter.stores(kind, settings);
        if (!settings.needsRepartition()) {
            return input.process(() -> InputRouter.toLearner(kind, settings, metrics), Named.as(router), stores);
        }
        Repartitioned<String, byte[]> by = Repartitioned.with(Serdes.String(), Serdes.ByteArray()).withName(repartition);
        if (settings.modelKey().kind() == ModelKey.Kind.GLOBAL) {
            by = by.withNumberOfPartitions(1);
        }
        return input.process(() -> InputRouter.toRepartition(kind, settings, metrics), Named.as(router), stores)
                .repartition(by)
                .process(() -> new InputDecoder(kind, settings), Named.as(decoder));
    }

    /**
     * The Kafka Streams settings the topology relies on, on top of {@code base}: bad records go to
     * the dead-letter topic through {@link DeadLetterHandler}, and exactly-once is the default.
     */
    public static Properties streamsProperties(LearnerSettings settings, Properties base) {
        Properties p = new Properties();
        p.putAll(base);
        p.putIfAbsent(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        if (exactlyOnce(p)) {
            // Transactions v2 (KIP-890): the first batch of a transaction on a partition must carry
            // sequence 0, and the broker checks it after verifying the partition with the
            // transaction coordinator. A verification that meets the previous transaction still
            // completing (CONCURRENT_TRANSACTIONS) sends that batch back to be retried while a
            // later request's batch of the same partition, verified a moment later, is appended
            // first: the broker logs OutOfOrderSequenceException ("Expected sequence 0 ... with no
            // existing state", KAFKA-18202) and the producer backs off. One request in flight
            // keeps a partition's batches in order, so the later batch waits instead (DESIGN.md).
            // A kafka.* setting of either key (the producer's own or every client's) wins.
            if (!p.containsKey(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION)) {
                p.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION), "1");
            }
        }
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class.getName());
        p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, settings.topics().deadLetters());
        // The topology has no global stores; this only opts in to Kafka 5.0's default early.
        p.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        // A snapshot or a rejected 2 MB reading must fit in a produce request (1 MB by default).
        p.putIfAbsent(StreamsConfig.producerPrefix("max.request.size"), String.valueOf(16 * 1024 * 1024));
        p.putIfAbsent(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class.getName());
        p.putIfAbsent(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName());
        return p;
    }
}
