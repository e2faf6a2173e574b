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
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
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
 * [--bytes-sensors 256] [--merge-updates 1000] [--rate 0] [--linger-s 15]}; {@code --pairs 0} or {@code --k none}
 * skips a part. {@code --rate N}: the merge traffic's readings are produced at N a second while the learner
 * runs instead of before it starts: a learner that keeps up, whose rounds close at {@code merge-updates}, where
 * one draining a backlog learns on while its state travels, so the round trip sets the rounds.
 */
public final class ReplicaBenchmark {
    /** The store of the replicas' rounds (ReplicaRounds.STORE, package-private in streamlearn.stream). */
    private static final String ROUNDS_STORE = "replica-rounds";
    private static final int COMMIT_MS = 100;
    private static final long T0 = 1_795_334_400_000L;
    private static final boolean DEBUG = Boolean.getBoolean("replica.bench.debug");

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
        // How long the learner runs on after its last reading: the merge interval and more, for the last round.
        // --rate N: the merge traffic's readings produced at N a second while the learner runs (0: a backlog first).
        int rate = Integer.parseInt(o.getOrDefault("rate", "0"));
        long lingerMs = Long.parseLong(o.getOrDefault("linger-s", String.valueOf(ReplicaSettings.DEFAULT_MERGE_INTERVAL.toSeconds() + 5))) * 1000;
        ModelSpec spec = SpecJson.defaultSpec();
        Path state = Files.createTempDirectory("replica-bench-state-");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            if (pairs > 0) {
                throughput(bootstrap, state, spec, records, pairs, warmup, sensors, mergeUpdates);
            }
            List<String> table = new ArrayList<>();
            for (int k : ks) {
                table.add(mergeTraffic(bootstrap, state, spec, k, bytesRecords, bytesSensors, mergeUpdates, lingerMs, rate));
            }
            if (!table.isEmpty()) {
                System.out.printf("%n| K | readings | rounds | readings/round | S, bytes/state | replicas topic B/reading"
                        + " | K·S/N, N = (readings/round)/K | replica-rounds changelog B/reading | model-store changelog B/reading"
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
        double rate = PipelineBenchmark.throughput(bootstrap, app, LearnerTopology.build(settings), topics, records, state, settings,
                partitions, "none", COMMIT_MS, replicas ? merged(app, topics.replicas(), partitions, 0) : null);
        if (replicas && !app.startsWith("warmup")) {
            States s = states(bootstrap, topics.replicas(), partitions);
            System.out.printf(Locale.ROOT, "    %s: %,d rounds of %,d readings%n", app, s.rounds, records);
        }
        return rate;
    }

    /**
     * The end of a replicas run: every state on the replicas topic consumed by its replica (the
     * last merge done, the labels that waited for it stepped), seen for a second; then, with
     * {@code lingerMs}, running on that long (a replica with updates since the last merge shares
     * them after the merge interval). Returns when it was first seen done: the rate's end.
     */
    private static PipelineBenchmark.Settle merged(String app, String replicasTopic, int k, long lingerMs) {
        return (admin, lastReadingAt) -> {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            long doneSince = -1;
            while (doneSince < 0 || System.nanoTime() - doneSince < TimeUnit.SECONDS.toNanos(1)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(app + ": the replicas' states not all consumed in 5 minutes");
                }
                boolean done = statesConsumed(admin, app, replicasTopic, k);
                if (!done) {
                    doneSince = -1;
                } else if (doneSince < 0) {
                    doneSince = System.nanoTime();
                }
                Thread.sleep(50);
            }
            Thread.sleep(lingerMs);
            return Math.max(lastReadingAt, doneSince);
        };
    }

    /**
     * Whether each replica has consumed every committed state on its partition of the replicas
     * topic. Its committed offset may stop before the last transaction marker (one offset), and a
     * state not yet consumed is a record and a marker: committed >= end - 1.
     */
    private static boolean statesConsumed(Admin admin, String app, String topic, int k) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int i = 0; i < k; i++) {
            latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(app).partitionsToOffsetAndMetadata().get();
        for (var e : ends.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            long at = c == null ? 0 : c.offset();
            if (at < e.getValue().offset() - 1) {
                return false;
            }
        }
        return true;
    }

    /** Part 2: the bytes of the merges at K replicas; a row of the table. */
    private static String mergeTraffic(String bootstrap, Path state, ModelSpec spec, int k, int records, int sensors,
                                       int mergeUpdates, long linger, int rate) throws Exception {
        String app = "bytes-k" + k + (rate > 0 ? "-r" + rate : "");
        Topics topics = withReplicasTopic(PipelineBenchmark.topics(app), app);
        PipelineBenchmark.create(bootstrap, topics, k);
        Thread paced = null;
        if (rate > 0) {
            // Readings at a live rate while the learner runs: it keeps up, and few labels wait for a merge.
            paced = new Thread(() -> produceAt(bootstrap, topics.readings(), new SensorReadingGenerator(42, sensors, 0.0), records, rate),
                    "paced-readings");
            paced.start();
        } else {
            ReadingsLoader.load(bootstrap, topics.readings(), new SensorReadingGenerator(42, sensors, 0.0), records, T0);
        }
        System.out.printf("%n== merge traffic, K = %d: %,d readings (%d sensors, all labeled) %s, merge every %,d updates%n",
                k, records, sensors, rate > 0 ? String.format("produced at %,d/s while the learner runs", rate)
                        : "produced before the learner starts (a backlog)", mergeUpdates);
        LearnerSettings settings = settings(spec, topics, k, true, mergeUpdates);
        long t = System.nanoTime();
        double drained = PipelineBenchmark.throughput(bootstrap, app, LearnerTopology.build(settings), topics, records, state,
                settings, Math.min(k, 2), "none", COMMIT_MS, merged(app, topics.replicas(), k, linger));
        if (paced != null) {
            paced.join();
        }
        System.out.printf(Locale.ROOT, "  %,.0f readings/s (%d stream threads), %.1f s with the %d s after the last merge;"
                        + " readings per partition %s%n", drained, Math.min(k, 2), (System.nanoTime() - t) / 1e9, linger / 1000,
                perPartition(bootstrap, topics.readings(), k));
        String rounds = app + "-" + ROUNDS_STORE + "-changelog";
        String models = app + "-" + LearnerTopology.MODEL_STORE + "-changelog";
        double n = records;
        double replicasB = ModelCountBenchmark.topicBytes(bootstrap, List.of(topics.replicas())) / n;
        double roundsB = ModelCountBenchmark.topicBytes(bootstrap, List.of(rounds)) / n;
        double modelsB = ModelCountBenchmark.topicBytes(bootstrap, List.of(models)) / n;
        double readingsB = ModelCountBenchmark.topicBytes(bootstrap, List.of(topics.readings())) / n;
        States s = states(bootstrap, topics.replicas(), k);
        double perRound = s.rounds > 0 ? n / s.rounds : Double.NaN;
        // K states to K partitions a round: K·S/N a reading, N = readings per round / K (the
        // updates of a replica a round, when the readings are dealt evenly).
        double formula = k * s.meanBytes() / (perRound / k);
        Map<String, long[]> byKind = changelogByKey(bootstrap, rounds, k);
        StringBuilder b = new StringBuilder();
        byKind.forEach((kind, a) -> b.append(String.format(Locale.ROOT, "%s %,d records %.1f B/reading; ", kind, a[0], a[1] / n)));
        System.out.printf(Locale.ROOT, "  replica-rounds changelog by key (key + value bytes): %s%n", b);
        System.out.printf(Locale.ROOT, "  replicas topic: %,d states (%,d per partition expected per round: %d), %,d complete rounds "
                        + "(epoch max %d, round max %d), mean state %,.0f bytes (value), %s%n",
                s.count, k, k, s.rounds, s.maxEpoch, s.maxRound, s.meanBytes(),
                s.complete ? "every round complete" : "NOT every round complete: " + s.note);
        System.out.printf(Locale.ROOT, "  bytes per reading: replicas topic %.1f (K·S/N, N = readings per round / K: %.1f), replica-rounds "
                        + "changelog %.1f, model-store changelog %.1f, readings topic %.1f%n",
                replicasB, formula, roundsB, modelsB, readingsB);
        return String.format(Locale.ROOT, "| %d | %,d | %,d | %,.0f | %,.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f |",
                k, records, s.rounds, perRound, s.meanBytes(), replicasB, formula, roundsB, modelsB,
                readingsB, (replicasB + roundsB) / readingsB);
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
        Map<String, Integer> perRound = new HashMap<>();
        long[] count = new long[1];
        long[] bytes = new long[1];
        long[] max = new long[2];
        readAll(bootstrap, topic, k, r -> {
            ReplicaMessage m = ReplicaMessage.fromBytes(r.value());
            count[0]++;
            bytes[0] += r.value().length;
            max[0] = Math.max(max[0], m.epoch());
            max[1] = Math.max(max[1], m.round());
            perRound.merge(m.epoch() + "/" + m.round(), 1, Integer::sum);
            if (r.partition() == 0 && DEBUG) {
                System.out.printf("    state on partition 0 at offset %d: epoch %d round %d replica %d, model version %d, timestamp T0+%d%n",
                        r.offset(), m.epoch(), m.round(), m.replica(), m.model().modelVersion(), r.timestamp() - T0);
            }
        });
        long complete = perRound.values().stream().filter(v -> v == k * k).count();
        List<String> partial = perRound.entrySet().stream().filter(e -> e.getValue() != k * k)
                .map(e -> "epoch/round " + e.getKey() + ": " + e.getValue() + " states").toList();
        return new States(count[0], bytes[0], complete, max[0], max[1], partial.isEmpty(), String.join(", ", partial));
    }

    /**
     * The replica-rounds changelog read back by kind of key (ReplicaRounds: the header "rounds",
     * "base", "state/q"): records and key + value bytes a reading, tombstones apart.
     */
    private static Map<String, long[]> changelogByKey(String bootstrap, String topic, int k) {
        Map<String, long[]> byKind = new java.util.TreeMap<>();
        readAll(bootstrap, topic, k, r -> {
            String key = new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
            int slash = key.indexOf('/');
            String kind = (slash < 0 ? key : key.substring(0, slash + 1)) + (r.value() == null ? " (tombstone)" : "");
            long[] a = byKind.computeIfAbsent(kind, x -> new long[2]);
            a[0]++;
            a[1] += r.key().length + (r.value() == null ? 0 : r.value().length);
        });
        return byKind;
    }

    /** Every committed record of {@code topic}'s {@code partitions} partitions, from the start. */
    private static void readAll(String bootstrap, String topic, int partitions,
                                java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                parts.add(new TopicPartition(topic, i));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.currentTimeMillis() + 60_000;
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(each);
            }
        }
    }

    /** {@code records} readings at {@code rate} a second, timestamped from {@link #T0} as {@link ReadingsLoader#load}'s. */
    private static void produceAt(String bootstrap, String topic, SensorReadingGenerator generator, int records, int rate) {
        streamlearn.model.Reading r = new streamlearn.model.Reading(2);
        java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
        try (var producer = ReadingsLoader.producer(bootstrap)) {
            long start = System.nanoTime();
            for (int i = 0; i < records && failed.get() == null; i++) {
                long due = start + (long) (i * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 1_000_000) {
                    try {
                        Thread.sleep(wait / 1_000_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                generator.next(r, T0 + i);
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, r.sensorId(),
                        SensorReadingGenerator.json(r)), (metadata, e) -> failed.compareAndSet(null, e));
            }
            producer.flush();
        }
        if (failed.get() != null) {
            throw new IllegalStateException("producing the readings failed: " + failed.get(), failed.get());
        }
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
