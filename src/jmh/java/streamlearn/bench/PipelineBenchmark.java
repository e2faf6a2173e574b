package streamlearn.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import streamlearn.app.EmbeddedKafkaBroker;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.app.TopicDefinitions;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.ModelSpec;
import streamlearn.model.Reading;
import streamlearn.stream.LearnerSettings;
import streamlearn.stream.LearnerTopology;
import streamlearn.stream.ModelKey;
import streamlearn.stream.Topics;

/**
 * The end-to-end benchmark of docs/BENCHMARKS.md, on a real single-node KRaft broker in this
 * JVM: throughput of streamlearn's topology against a JSON passthrough (parse each reading,
 * produce a small JSON record, no model), both exactly-once, over the same pre-produced
 * readings, in alternating rounds; then the latency from a reading's produce time to its
 * prediction being readable by a read_committed consumer, at a fixed offered rate.
 *
 * <p>Usage: {@code java -cp target/benchmarks.jar streamlearn.bench.PipelineBenchmark
 * [--records N] [--rounds N] [--partitions 1,2] [--latency-rate N] [--latency-seconds N] [--commit-ms N] [--warmup N] [--spec FILE]
 * [--passthrough-output small|prediction] [--compression none|lz4|zstd|...]}
 */
public final class PipelineBenchmark {
    // The same double writer as the predictions (PredictionJson), so both sides write numbers alike.
    private static final JsonFactory JSON = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
    private static final int LATENCY_WARMUP_SECONDS = 10;
    private static final int LATENCY_MAX_WARMUP_SECONDS = 120;
    private static final long CAUGHT_UP_MS = 500;
    private static final int CAUGHT_UP_SECONDS = 5;

    private PipelineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        int records = Integer.parseInt(o.getOrDefault("records", "1000000"));
        int rounds = Integer.parseInt(o.getOrDefault("rounds", "3"));
        int[] partitionCounts = Arrays.stream(o.getOrDefault("partitions", "1,2").split(",")).mapToInt(Integer::parseInt).toArray();
        int latencyRate = Integer.parseInt(o.getOrDefault("latency-rate", "20000"));
        int latencySeconds = Integer.parseInt(o.getOrDefault("latency-seconds", "60"));
        int commitMs = Integer.parseInt(o.getOrDefault("commit-ms", "100"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "300000"));
        // --spec FILE: another model than the default, e.g. to separate the model's cost from the pipeline's.
        ModelSpec spec = o.containsKey("spec") ? SpecJson.parse(Files.readString(Path.of(o.get("spec")))) : SpecJson.defaultSpec();
        // --passthrough-output prediction: the passthrough writes a record shaped like a prediction
        // (same fields, three probabilities and a loss as full doubles) instead of the small one,
        // to separate what Kafka pays for the bigger output from what the learner computes.
        String passthroughOutput = o.getOrDefault("passthrough-output", "small");
        if (!passthroughOutput.equals("small") && !passthroughOutput.equals("prediction")) {
            throw new IllegalArgumentException("--passthrough-output must be small or prediction, got " + passthroughOutput);
        }
        boolean predictionShaped = passthroughOutput.equals("prediction");
        // --compression lz4 (or any producer compression.type): for both topologies' producers.
        String compression = o.getOrDefault("compression", "none");

        Path state = Files.createTempDirectory("pipeline-bench-state-");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            System.out.printf("broker %s; %d readings per run; %d rounds; spec: %s%n",
                    bootstrap, records, rounds, spec.json());
            if (warmup > 0 && rounds > 0) {
                // Both topologies once, unmeasured, so the JIT has compiled the client, the parser
                // and the learner before the first measured round.
                Topics topics = topics("warmup");
                create(bootstrap, topics, 1);
                produce(bootstrap, topics.readings(), warmup);
                throughput(bootstrap, "warmup-passthrough", passthrough(topics, spec, predictionShaped), topics, warmup, state, null, 1, compression, commitMs);
                throughput(bootstrap, "warmup-streamlearn", LearnerTopology.build(settings(spec, topics, 1)), topics, warmup,
                        state, settings(spec, topics, 1), 1, compression, commitMs);
                System.out.printf("warmed up on %,d readings%n", warmup);
            }
            for (int partitions : rounds > 0 ? partitionCounts : new int[0]) {
                Topics topics = topics("tp" + partitions);
                create(bootstrap, topics, partitions);
                long t = System.nanoTime();
                produce(bootstrap, topics.readings(), records);
                System.out.printf("%n== %d partition(s): %d readings produced in %.1f s%n", partitions, records,
                        (System.nanoTime() - t) / 1e9);
                List<Double> ratios = new ArrayList<>();
                for (int round = 1; round <= rounds; round++) {
                    // Alternate which goes first, so neither always gets the warmer machine.
                    boolean passthroughFirst = round % 2 == 1;
                    double a = 0;
                    double b = 0;
                    for (int k = 0; k < 2; k++) {
                        boolean passthrough = (k == 0) == passthroughFirst;
                        String app = (passthrough ? "passthrough-" : "streamlearn-") + partitions + "-" + round;
                        Topology topology = passthrough
                                ? passthrough(topics, spec, predictionShaped)
                                : LearnerTopology.build(settings(spec, topics, partitions));
                        double rate = throughput(bootstrap, app, topology, topics, records, state,
                                passthrough ? null : settings(spec, topics, partitions), partitions, compression, commitMs);
                        System.out.printf("  round %d %-12s %,10.0f records/s%n", round, passthrough ? "passthrough" : "streamlearn", rate);
                        if (passthrough) {
                            a = rate;
                        } else {
                            b = rate;
                        }
                    }
                    ratios.add(b / a);
                }
                Collections.sort(ratios);
                System.out.printf("  ratio streamlearn/passthrough, %d partition(s): min %.3f  median %.3f  max %.3f%n",
                        partitions, ratios.get(0), ratios.get(ratios.size() / 2), ratios.get(ratios.size() - 1));
            }
            if (latencySeconds > 0) {
                latency(bootstrap, spec, state, latencyRate, latencySeconds, commitMs);
            }
        } finally {
            EmbeddedKafkaBroker.deleteRecursively(state);
        }
    }

    private static LearnerSettings settings(ModelSpec spec, Topics topics, int partitions) {
        return new LearnerSettings(spec, ModelKey.parse("sensor"), topics, Duration.ofSeconds(10), Duration.ofSeconds(60),
                partitions, ReadingParser.DEFAULT_MAX_BYTES, LearnerSettings.DEFAULT_LABEL_MAX_DELAY,
                LearnerSettings.DEFAULT_LABEL_MAX_PENDING, new SimpleMeterRegistry());
    }

    /** Records/s from the first committed offset to the last, read from the group's committed offsets. */
    static double throughput(String bootstrap, String applicationId, Topology topology, Topics topics, int records,
                             Path state, LearnerSettings settings, int threads, String compression, int commitMs) throws Exception {
        return throughput(bootstrap, applicationId, topology, topics, records, state, settings, threads, compression, commitMs, null);
    }

    /** What a run does after its last reading was committed, before the topology closes. */
    interface Settle {
        /**
         * Waits for the application to finish what its readings left to do (e.g. the replicas'
         * last merge, the steps of the labels that waited for it) and returns the {@link System#nanoTime}
         * it was done at: the rate's end. {@code lastReadingAt}: when the last reading was committed.
         */
        long await(Admin admin, long lastReadingAt) throws Exception;
    }

    /** As above; with {@code settle} the rate runs to the time it returns instead of the last reading's commit. */
    static double throughput(String bootstrap, String applicationId, Topology topology, Topics topics, int records,
                             Path state, LearnerSettings settings, int threads, String compression, int commitMs,
                             Settle settle) throws Exception {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitMs);
        // A thread per partition for both, so two partitions can use both cores.
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), compression);
        if (settings != null) {
            p = LearnerTopology.streamsProperties(settings, p);
        }
        try (KafkaStreams streams = new KafkaStreams(topology, p); Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            streams.start();
            long firstAt = 0;
            long firstCount = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (System.nanoTime() < deadline) {
                long committed = committed(admin, applicationId, topics.readings());
                if (firstAt == 0 && committed > 0) {
                    firstAt = System.nanoTime();
                    firstCount = committed;
                }
                if (committed >= records) {
                    long end = settle == null ? System.nanoTime() : settle.await(admin, System.nanoTime());
                    return (committed - firstCount) / ((end - firstAt) / 1e9);
                }
                if (streams.state() == KafkaStreams.State.ERROR) {
                    throw new IllegalStateException(applicationId + " failed at " + committed + " of " + records + " readings");
                }
                Thread.sleep(50);
            }
            throw new IllegalStateException(applicationId + " did not finish in 10 minutes");
        }
    }

    /**
     * The group's committed offsets of the readings topic: the readings done (the labels' and
     * commands' topics are empty here, and the replicas topic's records are not readings).
     */
    private static long committed(Admin admin, String group, String readings) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        long sum = 0;
        for (var e : offsets.entrySet()) {
            if (e.getValue() != null && e.getKey().topic().equals(readings)) {
                sum += e.getValue().offset();
            }
        }
        return sum;
    }

    /**
     * The baseline: parse the reading exactly as streamlearn does, produce a small JSON record, or
     * with {@code predictionShaped} one with a prediction's fields and size (no model involved).
     */
    private static Topology passthrough(Topics topics, ModelSpec spec, boolean predictionShaped) {
        Topology t = new Topology();
        t.addSource("readings", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), topics.readings());
        t.addProcessor("parse", () -> new Processor<String, byte[], String, byte[]>() {
            private final ReadingParser parser = new ReadingParser(spec);
            private final Reading reading = new Reading(spec.features().size());
            private final ByteArrayBuilder buffer = new ByteArrayBuilder(128);
            private ProcessorContext<String, byte[]> context;
            private long count;

            @Override
            public void init(ProcessorContext<String, byte[]> context) {
                this.context = context;
            }

            @Override
            public void process(Record<String, byte[]> record) {
                try {
                    parser.parse(record.value(), reading);
                } catch (InvalidReadingException e) {
                    return;
                }
                buffer.reset();
                try (JsonGenerator g = JSON.createGenerator(buffer)) {
                    g.writeStartObject();
                    g.writeStringField("sensorId", reading.sensorId());
                    g.writeNumberField("timestamp", reading.timestamp());
                    if (predictionShaped) {
                        writePredictionFields(g, reading, count++);
                    } else {
                        g.writeNumberField("temperature", reading.features()[0]);
                    }
                    g.writeEndObject();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                context.forward(record.withValue(buffer.toByteArray()));
            }
        }, "readings");
        t.addSink("out", topics.predictions(), Serdes.String().serializer(), Serdes.ByteArray().serializer(), "parse");
        return t;
    }

    /** A prediction's fields after sensorId and timestamp, with made-up values of the same kind. */
    private static void writePredictionFields(JsonGenerator g, Reading reading, long version) throws IOException {
        double t = reading.features()[0];
        double v = reading.features()[1];
        double normal = 1.0 / (1.0 + Math.abs(t - 30.0) + v);
        double warning = (1.0 - normal) / (1.0 + Math.abs(t - 45.0) / 10.0);
        double critical = 1.0 - normal - warning;
        g.writeStringField("model", reading.sensorId());
        g.writeNumberField("modelVersion", version);
        g.writeStringField("predicted", normal > warning ? "normal" : "warning");
        g.writeObjectFieldStart("probabilities");
        g.writeNumberField("normal", normal);
        g.writeNumberField("warning", warning);
        g.writeNumberField("critical", critical);
        g.writeEndObject();
        if (reading.isLabeled()) {
            g.writeStringField("label", "normal");
            g.writeNumberField("loss", -Math.log(normal));
        }
    }

    /** Produce-to-committed-prediction latency at a fixed offered rate. */
    private static void latency(String bootstrap, ModelSpec spec, Path state, int rate, int seconds, int commitMs) throws Exception {
        Topics topics = topics("latency");
        create(bootstrap, topics, 1);
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "latency");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitMs);
        LearnerSettings settings = settings(spec, topics, 1);
        p = LearnerTopology.streamsProperties(settings, p);
        long[] latencies = new long[rate * seconds + 1024];
        int n = 0;
        try (KafkaStreams streams = new KafkaStreams(LearnerTopology.build(settings), p);
             KafkaConsumer<String, byte[]> consumer = committedConsumer(bootstrap, topics.predictions());
             KafkaProducer<String, byte[]> producer = ReadingsLoader.producer(bootstrap)) {
            streams.start();
            while (streams.state() != KafkaStreams.State.RUNNING) {
                Thread.sleep(50);
            }
            consumer.poll(Duration.ofMillis(500));
            SensorReadingGenerator generator = new SensorReadingGenerator(7, 16, 0.1);
            Reading r = new Reading(2);
            // A fresh learner falls behind at first (the JIT, the first transactions, the models'
            // first steps) and then works off its backlog. The measured minute starts once it has
            // kept up: at least LATENCY_WARMUP_SECONDS sent, then no prediction later than
            // CAUGHT_UP_MS for CAUGHT_UP_SECONDS; how long that took is reported beside the figure.
            long startMillis = System.currentTimeMillis();
            long start = System.nanoTime();
            long measuredFrom = Long.MAX_VALUE;
            long lastLate = startMillis;
            long sent = 0;
            long received = 0;
            long giveUp = startMillis + TimeUnit.SECONDS.toMillis(LATENCY_MAX_WARMUP_SECONDS + seconds + 15);
            // The worst latency of the readings produced in each second, to place a backlog in time.
            long[] worstOfSecond = new long[LATENCY_MAX_WARMUP_SECONDS + seconds + 16];
            while (System.currentTimeMillis() < giveUp) {
                long now = System.currentTimeMillis();
                if (measuredFrom == Long.MAX_VALUE && now - startMillis >= LATENCY_WARMUP_SECONDS * 1000L
                        && now - lastLate >= CAUGHT_UP_SECONDS * 1000L) {
                    measuredFrom = now;
                }
                boolean sending = measuredFrom == Long.MAX_VALUE || now < measuredFrom + seconds * 1000L;
                if (!sending && received >= sent) {
                    break;
                }
                // Send what is due, then read what is committed: one thread, so the two never race.
                long due = (long) ((System.nanoTime() - start) / 1e9 * rate);
                for (; sending && sent < due; sent++) {
                    generator.next(r, System.currentTimeMillis());
                    producer.send(new ProducerRecord<>(topics.readings(), r.sensorId(), SensorReadingGenerator.json(r)));
                }
                for (ConsumerRecord<String, byte[]> c : consumer.poll(Duration.ofMillis(5))) {
                    long read = System.currentTimeMillis();
                    long produced = timestampOf(c.value());
                    long latency = read - produced;
                    if (produced >= measuredFrom && n < latencies.length) {
                        latencies[n++] = latency;
                    }
                    if (latency > CAUGHT_UP_MS) {
                        lastLate = read;
                    }
                    int second = (int) Math.min(worstOfSecond.length - 1, Math.max(0, (produced - startMillis) / 1000));
                    worstOfSecond[second] = Math.max(worstOfSecond[second], latency);
                    received++;
                }
            }
            if (n == 0) {
                throw new IllegalStateException("the learner never kept up with " + rate + " readings/s within "
                        + LATENCY_MAX_WARMUP_SECONDS + " s: nothing measured");
            }
            Arrays.sort(latencies, 0, n);
            System.out.printf("%n== latency at %,d readings/s offered for %d s once caught up (exactly-once, commit.interval.ms=%d):%n",
                    rate, seconds, commitMs);
            System.out.printf("  caught up after %.1f s (no prediction later than %d ms for %d s)%n",
                    (measuredFrom - startMillis) / 1000.0, CAUGHT_UP_MS, CAUGHT_UP_SECONDS);
            System.out.printf("  sent %,d, predictions read %,d, measured %,d; produce -> read_committed: p50 %d ms  p99 %d ms  max %d ms%n",
                    sent, received, n, latencies[n / 2], latencies[(int) (n * 0.99)], latencies[n - 1]);
            for (int i = 0; i < worstOfSecond.length; i++) {
                if (worstOfSecond[i] > 250) {
                    System.out.printf("  produced in second %d (from %s): worst %d ms%n", i,
                            java.time.Instant.ofEpochMilli(startMillis + i * 1000L), worstOfSecond[i]);
                }
            }
        }
    }

    private static long timestampOf(byte[] prediction) {
        try (JsonParser parser = JSON.createParser(prediction)) {
            while (parser.nextToken() != null) {
                if (parser.currentToken() == JsonToken.FIELD_NAME && parser.currentName().equals("timestamp")) {
                    parser.nextToken();
                    return parser.getLongValue();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("prediction without timestamp");
    }

    static Topics topics(String prefix) {
        return new Topics(prefix + "-readings", prefix + "-predictions", prefix + "-metrics", prefix + "-models", prefix + "-dlq",
                prefix + "-events", prefix + "-labels", prefix + "-control", prefix + "-replicas");
    }

    static void create(String bootstrap, Topics topics, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            TopicDefinitions.create(admin, topics, partitions);
        }
    }

    private static void produce(String bootstrap, String topic, int records) {
        ReadingsLoader.load(bootstrap, topic, new SensorReadingGenerator(42, 16, 0.1), records, 1_795_334_400_000L);
    }

    private static KafkaConsumer<String, byte[]> committedConsumer(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "latency-reader");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p);
        c.subscribe(List.of(topic));
        return c;
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> o = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            o.put(args[i].substring(2), args[i + 1]);
        }
        return o;
    }
}
