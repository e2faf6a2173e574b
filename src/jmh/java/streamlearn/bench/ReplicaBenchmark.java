package streamlearn.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import streamlearn.app.EmbeddedKafkaBroker;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.ReadingParser;
import streamlearn.format.ReplicaMessage;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.stream.LearnerSettings;
import streamlearn.stream.LearnerTopology;
import streamlearn.stream.ModelKey;
import streamlearn.stream.ReplicaSettings;
import streamlearn.stream.Topics;

/**
 * The replicas of the global model ({@code model.replicas=true}, issue #26) on a real single-node
 * KRaft broker in this JVM, default spec, exactly-once, every reading labeled:
 *
 * <ol>
 * <li>Throughput: the global model as K = 2 replicas (2 readings partitions) against per-sensor
 * models ({@code model.key=sensor}) over the same pre-produced readings (16 sensors), one
 * application of each in turn, which goes first alternating, as {@link PipelineBenchmark} does:
 * the drain rate of the backlog from the first committed offset to the last, after one unmeasured
 * run of each on other readings for the JIT. Each replicas run has a replicas topic of its own
 * (a new application must not read another's rounds).</li>
 * <li>Merge traffic at K = 2, 4, 16 (readings topic with K partitions, 256 sensors so that every
 * partition has readings), the default merge interval of 1,000 updates: the bytes the broker
 * holds ({@link ModelCountBenchmark#topicBytes}, before any compaction) for the replicas topic, the
 * {@code replica-rounds} changelog, the model store's changelog and the readings topic, divided
 * by the readings; the learner runs on past its last reading for the merge interval (10 s) and
 * more, so that the last round is merged. The replicas topic is read back (read_committed) for
 * the number of states, their rounds and their mean size S, and K·S/(readings per round) is
 * printed beside the measured figure.</li>
 * </ol>
 *
 * <p>Usage: {@code java -Xmx3g -cp target/benchmarks.jar streamlearn.bench.ReplicaBenchmark
 * [--records 300000] [--pairs 3] [--warmup 100000] [--sensors 16] [--k 2,4,16] [--bytes-records 64000]
 * [--bytes-sensors 256] [--merge-updates 1000]}; {@code --pairs 0} or {@code --k none} skips a part.
 */
public final class ReplicaBenchmark {
    /** The store of the replicas' rounds (ReplicaRounds.STORE, package-private in streamlearn.stream). */
    private static final String ROUNDS_STORE = "replica-rounds";
    private static final int COMMIT_MS = 100;
    private static final long T0 = 1_795_334_400_000L;

    private ReplicaBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = PipelineBenchmark.options(args);
        int records = Integer.parseInt(o.getOrDefault("records", "300000"));
        int pairs = Integer.parseInt(o.getOrDefault("pairs", "3"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "100000"));
        int sensors = Integer.parseInt(o.getOrDefault("sensors", "16"));
        String kList = o.getOrDefault("k", "2,4,16");
        int[] ks = kList.equals("none") ? new int[0] : Arrays.stream(kList.split(",")).mapToInt(Integer::parseInt).toArray();
        int bytesRecords = Integer.parseInt(o.getOrDefault("bytes-records", "64000"));
        int bytesSensors = Integer.parseInt(o.getOrDefault("bytes-sensors", "256"));
        int mergeUpdates = Integer.parseInt(o.getOrDefault("merge-updates", String.valueOf(ReplicaSettings.DEFAULT_MERGE_UPDATES)));
        ModelSpec spec = SpecJson.defaultSpec();
        Path state = Files.createTempDirectory("replica-bench-state-");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            if (pairs > 0) {
                throughput(bootstrap, state, spec, records, pairs, warmup, sensors, mergeUpdates);
            }
            List<String> table = new ArrayList<>();
            for (int k : ks) {
                table.add(mergeTraffic(bootstrap, state, spec, k, bytesRecords, bytesSensors, mergeUpdates));
            }
            if (!table.isEmpty()) {
                System.out.printf("%n| K | readings | rounds | readings/round | S, bytes/state | replicas topic B/reading"
                        + " | K·S/(readings/round) | replica-rounds changelog B/reading | model-store changelog B/reading"
                        + " | readings topic B/reading | merge traffic / readings bytes |%n");
                System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
                table.forEach(System.out::println);
            }
        } finally {
            EmbeddedKafkaBroker.deleteRecursively(state);
        }
    }

    /** Part 1: replicas (K = 2) against per-sensor models, alternating, over the same 2-partition backlog. */
    private static void throughput(String bootstrap, Path state, ModelSpec spec, int records, int pairs, int warmup,
                                   int sensors, int mergeUpdates) throws Exception {
        int partitions = 2;
        System.out.printf("== throughput: %,d readings (%d sensors, all labeled) on %d partitions, %d pairs, "
                + "exactly-once, commit.interval.ms=%d, default spec%n", records, sensors, partitions, pairs, COMMIT_MS);
        if (warmup > 0) {
            Topics w = PipelineBenchmark.topics("rw");
            PipelineBenchmark.create(bootstrap, w, partitions);
            ReadingsLoader.load(bootstrap, w.readings(), new SensorReadingGenerator(7, sensors, 0.0), warmup, T0);
            run(bootstrap, state, spec, w, "warmup-sensor", false, warmup, partitions, mergeUpdates);
            run(bootstrap, state, spec, w, "warmup-replicas", true, warmup, partitions, mergeUpdates);
            System.out.printf("warmed up on %,d readings each%n", warmup);
        }
        Topics topics = PipelineBenchmark.topics("rt");
        PipelineBenchmark.create(bootstrap, topics, partitions);
        ReadingsLoader.load(bootstrap, topics.readings(), new SensorReadingGenerator(42, sensors, 0.0), records, T0);
        System.out.printf("readings per partition: %s%n", perPartition(bootstrap, topics.readings(), partitions));
        List<Double> ratios = new ArrayList<>();
        for (int pair = 1; pair <= pairs; pair++) {
            boolean replicasFirst = pair % 2 == 0;
            double replicas = 0;
            double sensor = 0;
            for (int i = 0; i < 2; i++) {
                boolean r = (i == 0) == replicasFirst;
                double rate = run(bootstrap, state, spec, topics, (r ? "replicas-" : "sensor-") + pair, r, records,
                        partitions, mergeUpdates);
                System.out.printf(Locale.ROOT, "  pair %d %-22s %,10.0f readings/s%n", pair,
                        r ? "global, replicas (K=2)" : "per-sensor", rate);
                if (r) {
                    replicas = rate;
                } else {
                    sensor = rate;
                }
            }
            ratios.add(replicas / sensor);
            System.out.printf(Locale.ROOT, "  pair %d ratio replicas/per-sensor %.3f%n", pair, replicas / sensor);
        }
        List<Double> sorted = new ArrayList<>(ratios);
        Collections.sort(sorted);
        System.out.printf(Locale.ROOT, "  ratio replicas/per-sensor: min %.3f  median %.3f  max %.3f (goal >= 0.9)%n",
                sorted.get(0), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
    }

    /** One application over {@code topics}' readings: the drain rate of {@link PipelineBenchmark#throughput}. */
    private static double run(String bootstrap, Path state, ModelSpec spec, Topics topics, String app, boolean replicas,
                              int records, int partitions, int mergeUpdates) throws Exception {
        if (replicas) {
            topics = withReplicasTopic(topics, app);
            PipelineBenchmark.create(bootstrap, topics, partitions);
        }
        LearnerSettings settings = settings(spec, topics, partitions, replicas, mergeUpdates);
        return PipelineBenchmark.throughput(bootstrap, app, LearnerTopology.build(settings), topics, records, state, settings,
                partitions, "none", COMMIT_MS);
    }

    /** Part 2: the bytes of the merges at K replicas; a row of the table. */
    private static String mergeTraffic(String bootstrap, Path state, ModelSpec spec, int k, int records, int sensors,
                                       int mergeUpdates) throws Exception {
        String app = "bytes-k" + k;
        Topics topics = withReplicasTopic(PipelineBenchmark.topics(app), app);
        PipelineBenchmark.create(bootstrap, topics, k);
        ReadingsLoader.load(bootstrap, topics.readings(), new SensorReadingGenerator(42, sensors, 0.0), records, T0);
        System.out.printf("%n== merge traffic, K = %d: %,d readings (%d sensors, all labeled), merge every %,d updates; "
                + "readings per partition %s%n", k, records, sensors, mergeUpdates, perPartition(bootstrap, topics.readings(), k));
        LearnerSettings settings = settings(spec, topics, k, true, mergeUpdates);
        long linger = ReplicaSettings.DEFAULT_MERGE_INTERVAL.toMillis() + 5_000;
        long t = System.nanoTime();
        double rate = PipelineBenchmark.throughput(bootstrap, app, LearnerTopology.build(settings), topics, records, state,
                settings, Math.min(k, 2), "none", COMMIT_MS, linger);
        System.out.printf(Locale.ROOT, "  %,.0f readings/s (%d stream threads), %.1f s with the %d s after the last reading%n",
                rate, Math.min(k, 2), (System.nanoTime() - t) / 1e9, linger / 1000);
        String rounds = app + "-" + ROUNDS_STORE + "-changelog";
        String models = app + "-" + LearnerTopology.MODEL_STORE + "-changelog";
        double n = records;
        double replicasB = ModelCountBenchmark.topicBytes(bootstrap, List.of(topics.replicas())) / n;
        double roundsB = ModelCountBenchmark.topicBytes(bootstrap, List.of(rounds)) / n;
        double modelsB = ModelCountBenchmark.topicBytes(bootstrap, List.of(models)) / n;
        double readingsB = ModelCountBenchmark.topicBytes(bootstrap, List.of(topics.readings())) / n;
        States s = states(bootstrap, topics.replicas(), k);
        double perRound = s.rounds > 0 ? n / s.rounds : Double.NaN;
        double formula = k * s.meanBytes() / perRound;
        System.out.printf(Locale.ROOT, "  replicas topic: %,d states (%,d per partition expected per round: %d), %,d complete rounds "
                        + "(epoch max %d, round max %d), mean state %,.0f bytes (value), %s%n",
                s.count, k, k, s.rounds, s.maxEpoch, s.maxRound, s.meanBytes(),
                s.complete ? "every round complete" : "NOT every round complete: " + s.note);
        System.out.printf(Locale.ROOT, "  bytes per reading: replicas topic %.1f (K·S/(readings per round) = %.1f), replica-rounds "
                        + "changelog %.1f, model-store changelog %.1f, readings topic %.1f%n",
                replicasB, formula, roundsB, modelsB, readingsB);
        return String.format(Locale.ROOT, "| %d | %,d | %,d | %,.0f | %,.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f |",
                k, records, s.rounds, perRound, s.meanBytes(), replicasB, formula, roundsB, modelsB, readingsB,
                (replicasB + roundsB) / readingsB);
    }

    private record States(long count, long valueBytes, long rounds, long maxEpoch, long maxRound, boolean complete, String note) {
        double meanBytes() {
            return count == 0 ? Double.NaN : valueBytes / (double) count;
        }
    }

    /**
     * The replicas topic read back, committed records only: every state, its size, and the rounds
     * in which all K replicas' states reached all K partitions (K·K records a round).
     */
    private static States states(String bootstrap, String topic, int k) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        Map<String, Integer> perRound = new HashMap<>();
        long count = 0;
        long bytes = 0;
        long maxEpoch = 0;
        long maxRound = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                parts.add(new TopicPartition(topic, i));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.currentTimeMillis() + 60_000;
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    ReplicaMessage m = ReplicaMessage.fromBytes(r.value());
                    count++;
                    bytes += r.value().length;
                    maxEpoch = Math.max(maxEpoch, m.epoch());
                    maxRound = Math.max(maxRound, m.round());
                    perRound.merge(m.epoch() + "/" + m.round(), 1, Integer::sum);
                }
            }
        }
        long complete = perRound.values().stream().filter(v -> v == k * k).count();
        List<String> partial = perRound.entrySet().stream().filter(e -> e.getValue() != k * k)
                .map(e -> "epoch/round " + e.getKey() + ": " + e.getValue() + " states").toList();
        return new States(count, bytes, complete, maxEpoch, maxRound, partial.isEmpty(), String.join(", ", partial));
    }

    private static String perPartition(String bootstrap, String topic, int partitions) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                parts.add(new TopicPartition(topic, i));
            }
            return parts.stream().map(tp -> String.format("%,d", c.endOffsets(List.of(tp)).get(tp))).toList().toString();
        }
    }

    /** {@code topics} with a replicas topic of {@code app}'s own. */
    private static Topics withReplicasTopic(Topics t, String app) {
        return new Topics(t.readings(), t.predictions(), t.metrics(), t.models(), t.deadLetters(), t.events(), t.labels(),
                t.control(), app + "-replicas");
    }

    /** As {@code run} configures the learner: per-sensor models, or the global model as K replicas (SpecJson.forReplicas). */
    private static LearnerSettings settings(ModelSpec spec, Topics topics, int partitions, boolean replicas, int mergeUpdates) {
        LearnerSettings s = new LearnerSettings(spec, ModelKey.parse(replicas ? "global" : "sensor"), topics,
                LearnerSettings.DEFAULT_METRICS_WINDOW, Duration.ofSeconds(60), partitions, ReadingParser.DEFAULT_MAX_BYTES,
                LearnerSettings.DEFAULT_LABEL_MAX_DELAY, LearnerSettings.DEFAULT_LABEL_MAX_PENDING, new SimpleMeterRegistry());
        return replicas ? s.withReplicas(SpecJson.forReplicas(spec, partitions),
                new ReplicaSettings(partitions, mergeUpdates, ReplicaSettings.DEFAULT_MERGE_INTERVAL)) : s;
    }
}
