package streamlearn.bench;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import streamlearn.app.EmbeddedKafkaBroker;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.app.TopicDefinitions;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;
import streamlearn.stream.LearnerSettings;
import streamlearn.stream.LearnerTopology;
import streamlearn.stream.ModelKey;
import streamlearn.stream.Topics;

/**
 * Per-sensor learning at plant scale (docs/BENCHMARKS.md, issue #16): the same readings spread
 * over 16, 1,000, 10,000 or 100,000 sensors with {@code model.key=sensor}, through streamlearn's
 * topology (exactly-once, default spec, defaults of the keys that size the learner) on a real
 * single-node KRaft broker in this JVM. Per model count, in one run: records/s over the second
 * half of the readings (the first half pays for creating the models and for the JIT), bytes the
 * broker stores per reading (every topic the learner writes, changelogs included, and the
 * changelog of the models alone), heap after a full GC with the learner running, the size of
 * {@code /metrics} (the registry {@code run} serves, Kafka Streams' metrics bound), the time to
 * RUNNING of a restart on its state directory, and that of a restart after the state directory
 * was wiped (a full restore from the changelog), with the rate of the next readings after it.
 *
 * <p>Usage: {@code java -Xmx3g -cp target/benchmarks.jar streamlearn.bench.ModelCountBenchmark
 * [--models 16,1000,10000,100000] [--records 200000] [--partitions 2] [--after 20000]}
 */
public final class ModelCountBenchmark {
    private ModelCountBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            o.put(args[i].substring(2), args[i + 1]);
        }
        int[] modelCounts = Arrays.stream(o.getOrDefault("models", "16,1000,10000,100000").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int records = Integer.parseInt(o.getOrDefault("records", "200000"));
        int partitions = Integer.parseInt(o.getOrDefault("partitions", "2"));
        int after = Integer.parseInt(o.getOrDefault("after", "20000"));
        Path state = Files.createTempDirectory("model-count-bench-");
        List<String> table = new ArrayList<>();
        double base = 0;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            System.out.printf("broker %s; %,d readings per model count, %d partitions, model.key=sensor, default spec%n",
                    bootstrap, records, partitions);
            for (int models : modelCounts) {
                Row row = run(bootstrap, state, models, records, partitions, after);
                if (base == 0) {
                    base = row.rate;
                }
                String line = String.format("| %,d | %,.0f | %.2f | %,.0f | %,.0f | %,.0f | %,.1f | %,d | %,.1f | %,.1f | %,.0f |",
                        models, row.rate, row.rate / base, row.bytesPerReading, row.changelogPerReading, row.heapMb,
                        row.metricsKb, row.series, row.restartS, row.wipedS, row.rateAfterWipe);
                System.out.println(line);
                table.add(line);
            }
        } finally {
            EmbeddedKafkaBroker.deleteRecursively(state);
        }
        System.out.println();
        System.out.println("| models | records/s | ratio to the first | broker bytes/reading | model changelog bytes/reading | heap MB"
                + " | /metrics KB | streamlearn series | restart to RUNNING s | wiped state to RUNNING s | records/s after the wipe |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        table.forEach(System.out::println);
    }

    private record Row(double rate, double bytesPerReading, double changelogPerReading, double heapMb, double metricsKb,
                       long series, double restartS, double wipedS, double rateAfterWipe) {
    }

    private static Row run(String bootstrap, Path state, int models, int records, int partitions, int after) throws Exception {
        String app = "models-" + models;
        Topics topics = new Topics(app + "-readings", app + "-predictions", app + "-metrics", app + "-models", app + "-dlq",
                app + "-events", app + "-labels", app + "-control", app + "-replicas");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            TopicDefinitions.create(admin, topics, partitions);
        }
        SensorReadingGenerator generator = new SensorReadingGenerator(42, models, 0.1);
        long t0 = 1_795_334_400_000L;
        ReadingsLoader.load(bootstrap, topics.readings(), generator, records, t0);
        long readingsBytes = topicBytes(bootstrap, List.of(topics.readings()));

        double rate;
        double heapMb;
        double metricsKb;
        long series;
        try (Learner learner = new Learner(bootstrap, app, topics, state, partitions)) {
            rate = learner.rateOverSecondHalf(records);
            System.gc();
            heapMb = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1e6;
            Thread.sleep(6_000); // the Kafka metrics binder refreshes every 5 s
            String scrape = learner.registry.scrape();
            metricsKb = scrape.getBytes(StandardCharsets.UTF_8).length / 1e3;
            series = scrape.lines().filter(l -> l.startsWith("streamlearn_")).count();
        }
        List<String> written = new ArrayList<>(List.of(topics.predictions(), topics.metrics(), topics.models(), topics.events(),
                topics.deadLetters()));
        String modelChangelog = app + "-" + LearnerTopology.MODEL_STORE + "-changelog";
        written.add(modelChangelog);
        written.add(app + "-" + LearnerTopology.PENDING_STORE + "-changelog");
        double bytesPerReading = topicBytes(bootstrap, written) / (double) records;
        double changelogPerReading = topicBytes(bootstrap, List.of(modelChangelog)) / (double) records;
        StringBuilder byTopic = new StringBuilder();
        for (String topic : written) {
            byTopic.append(String.format(" %s %,.0f", topic, topicBytes(bootstrap, List.of(topic)) / (double) records));
        }
        System.out.printf("%,d models: bytes per reading by topic:%s%n", models, byTopic);

        // A restart on the same state directory: no restore, and no model read until its sensor sends.
        double restartS;
        try (Learner learner = new Learner(bootstrap, app, topics, state, partitions)) {
            restartS = learner.awaitRunning();
        }
        // A wiped state directory: everything comes back from the changelogs.
        EmbeddedKafkaBroker.deleteRecursively(state.resolve(app));
        double wipedS;
        double rateAfterWipe;
        try (Learner learner = new Learner(bootstrap, app, topics, state, partitions)) {
            wipedS = learner.awaitRunning();
            ReadingsLoader.load(bootstrap, topics.readings(), generator, after, t0 + records);
            long start = System.nanoTime();
            learner.awaitCommitted(records + after);
            rateAfterWipe = after / ((System.nanoTime() - start) / 1e9);
        }
        System.out.printf("%,d models: %,.0f records/s, %,.0f broker bytes per reading (%,.0f in the model changelog; "
                        + "readings topic %,.0f), heap %,.0f MB, /metrics %,.1f KB (%,d streamlearn series), restart %.1f s, "
                        + "wiped %.1f s, then %,.0f records/s%n",
                models, rate, bytesPerReading, changelogPerReading, readingsBytes / (double) records, heapMb, metricsKb, series,
                restartS, wipedS, rateAfterWipe);
        return new Row(rate, bytesPerReading, changelogPerReading, heapMb, metricsKb, series, restartS, wipedS, rateAfterWipe);
    }

    /** The learner as {@code run} starts it: the Prometheus registry with the Kafka Streams binder. */
    private static final class Learner implements AutoCloseable {
        final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        final KafkaStreams streams;
        final Admin admin;
        final String app;
        final ScheduledExecutorService refresh = Executors.newSingleThreadScheduledExecutor();
        final long started = System.nanoTime();

        Learner(String bootstrap, String app, Topics topics, Path state, int partitions) {
            this.app = app;
            new JvmMemoryMetrics().bindTo(registry);
            LearnerSettings settings = new LearnerSettings(SpecJson.defaultSpec(), ModelKey.parse("sensor"), topics,
                    Duration.ofSeconds(10), Duration.ofSeconds(60), partitions, ReadingParser.DEFAULT_MAX_BYTES,
                    LearnerSettings.DEFAULT_LABEL_MAX_DELAY, LearnerSettings.DEFAULT_LABEL_MAX_PENDING, registry);
            Properties p = new Properties();
            p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
            p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
            p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
            p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, partitions);
            p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
            streams = new KafkaStreams(LearnerTopology.build(settings), LearnerTopology.streamsProperties(settings, p));
            new KafkaStreamsMetrics(streams, Tags.empty(), refresh, Duration.ofSeconds(5)).bindTo(registry);
            admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
            streams.start();
        }

        double awaitRunning() throws InterruptedException {
            while (streams.state() != KafkaStreams.State.RUNNING) {
                if (System.nanoTime() - started > TimeUnit.MINUTES.toNanos(10)) {
                    throw new IllegalStateException(app + " not RUNNING in 10 minutes");
                }
                Thread.sleep(20);
            }
            return (System.nanoTime() - started) / 1e9;
        }

        double rateOverSecondHalf(int records) throws Exception {
            awaitCommitted(records / 2);
            long from = committed();
            long at = System.nanoTime();
            awaitCommitted(records);
            return (committed() - from) / ((System.nanoTime() - at) / 1e9);
        }

        void awaitCommitted(long records) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
            while (committed() < records) {
                if (System.nanoTime() > deadline || streams.state() == KafkaStreams.State.ERROR) {
                    throw new IllegalStateException(app + " stuck at " + committed() + " of " + records + " (" + streams.state() + ")");
                }
                Thread.sleep(20);
            }
        }

        long committed() throws Exception {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(app)
                    .partitionsToOffsetAndMetadata().get();
            long sum = 0;
            for (var e : offsets.entrySet()) {
                if (e.getValue() != null && e.getKey().topic().endsWith("-readings")) {
                    sum += e.getValue().offset();
                }
            }
            return sum;
        }

        @Override
        public void close() {
            // Leaving the group, as run does on SIGTERM: the restart then does not wait out the session timeout.
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(60)));
            admin.close();
            refresh.shutdownNow();
            registry.close();
        }
    }

    /** Bytes of these topics on the broker's disk, all partitions (before any compaction). */
    static long topicBytes(String bootstrap, List<String> topics) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            long bytes = 0;
            for (var dir : admin.describeLogDirs(List.of(1)).allDescriptions().get().get(1).values()) {
                for (var e : dir.replicaInfos().entrySet()) {
                    if (topics.contains(e.getKey().topic())) {
                        bytes += e.getValue().size();
                    }
                }
            }
            return bytes;
        }
    }
}
