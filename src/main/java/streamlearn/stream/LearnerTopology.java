package streamlearn.stream;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import streamlearn.model.Reading;

/**
 * The learner's topology, built by one function that {@code run}, the tests and the benchmarks
 * all call:
 * <pre>
 *   sensor-readings ─▶ parse + validate + key by model ──(bad)──▶ sensor-readings-dlq
 *                         │  (repartition only when the model key may live elsewhere)
 *                         ▼
 *                      learner [model store] ─▶ sensor-predictions
 *                                            ─▶ learner-metrics   (per model, per window)
 *                                            ─▶ learner-events    (per model, per detected drift)
 *                                            ─▶ learner-models    (per model, every snapshot.interval)
 * </pre>
 */
public final class LearnerTopology {
    public static final String MODEL_STORE = "model-store";
    static final String SOURCE = "readings";
    static final String ROUTER = "parse-and-route";
    static final String DECODER = "decode";
    static final String LEARNER = "learner";
    static final String REPARTITION = "readings-by-model";
    static final String PREDICTIONS_SINK = "predictions";
    static final String METRICS_SINK = "metrics";
    static final String MODELS_SINK = "models";
    static final String EVENTS_SINK = "events";

    private LearnerTopology() {
    }

    public static Topology build(LearnerSettings settings) {
        LearnerMetrics metrics = new LearnerMetrics(settings.registry(), settings.spec().classes());
        StreamsBuilder builder = new StreamsBuilder();
        // The changelog must accept a whole model state in one record (see ModelSpec.MAX_PARAMETERS).
        builder.addStateStore(new ModelStoreBuilder(MODEL_STORE).withLoggingEnabled(Map.of("max.message.bytes", "16777216")));

        KStream<String, byte[]> readings = builder.stream(settings.topics().readings(),
                Consumed.with(Serdes.String(), Serdes.ByteArray()).withName(SOURCE));
        KStream<String, Reading> keyed;
        if (settings.needsRepartition()) {
            // Route the original bytes: a parsed Reading has no serde, and a byte copy is all the
            // repartition topic needs. A global model lives in a single partition.
            Repartitioned<String, byte[]> by = Repartitioned.with(Serdes.String(), Serdes.ByteArray()).withName(REPARTITION);
            if (settings.modelKey().kind() == ModelKey.Kind.GLOBAL) {
                by = by.withNumberOfPartitions(1);
            }
            keyed = readings
                    .process(() -> ReadingRouter.toRepartition(settings, metrics), Named.as(ROUTER))
                    .repartition(by)
                    .process(() -> new ReadingDecoder(settings), Named.as(DECODER));
        } else {
            keyed = readings.process(() -> ReadingRouter.toLearner(settings, metrics), Named.as(ROUTER));
        }
        keyed.process(() -> new LearnerProcessor(settings, metrics), Named.as(LEARNER), MODEL_STORE);

        Topology topology = builder.build();
        topology.addSink(PREDICTIONS_SINK, settings.topics().predictions(),
                Serdes.String().serializer(), Serdes.ByteArray().serializer(), LEARNER);
        topology.addSink(METRICS_SINK, settings.topics().metrics(),
                Serdes.String().serializer(), Serdes.ByteArray().serializer(), LEARNER);
        topology.addSink(MODELS_SINK, settings.topics().models(),
                Serdes.String().serializer(), Serdes.ByteArray().serializer(), LEARNER);
        topology.addSink(EVENTS_SINK, settings.topics().events(),
                Serdes.String().serializer(), Serdes.ByteArray().serializer(), LEARNER);
        return topology;
    }

    /**
     * The Kafka Streams settings the topology relies on, on top of {@code base}: bad records go to
     * the dead-letter topic through {@link DeadLetterHandler}, and exactly-once is the default.
     */
    public static Properties streamsProperties(LearnerSettings settings, Properties base) {
        Properties p = new Properties();
        p.putAll(base);
        p.putIfAbsent(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
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
