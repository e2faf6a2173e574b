package streamlearn.stream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;
import streamlearn.model.PendingReadings;
import streamlearn.model.Reading;

/**
 * What waiting readings cost (docs/DESIGN.md, "Late labels"; not part of {@code mvn verify}):
 * N unlabeled readings of the seeds' stream with ids {@code r-000000}... through the real topology
 * (default spec, global model, the RocksDB store of the learner), none labeled; then the bytes
 * per waiting reading: the store's keys and values, the changelog's records, RocksDB's files
 * after a flush, and the heap before and after.
 * <pre>
 *   mvn -B -o test -Dtest=PendingStoreMemoryHarness -Dsurefire.failIfNoSpecifiedTests=false -Dreadings=1000000
 * </pre>
 */
class PendingStoreMemoryHarness {
    /** The driver's wall clock at start: after the readings' event times (else they lie in the future). */
    private static final long WALL_CLOCK = 1_800_000_000_000L;
    @Test
    void bytesPerWaitingReading() throws Exception {
        int n = Integer.getInteger("readings", 200_000);
        Path state = Files.createTempDirectory("pending-harness");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LearnerSettings settings = new LearnerSettings(SpecJson.defaultSpec(), ModelKey.parse("global"), Topics.DEFAULT,
                Duration.ofSeconds(10), Duration.ofMinutes(60), 1, ReadingParser.DEFAULT_MAX_BYTES,
                Duration.ofDays(1), 10_000_000, registry);
        Properties base = new Properties();
        base.put(StreamsConfig.APPLICATION_ID_CONFIG, "pending-harness");
        base.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        base.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        long heapBefore = usedHeap();
        long changelogRecords = 0;
        long changelogBytes = 0;
        TopologyTestDriver driver = new TopologyTestDriver(LearnerTopology.build(settings),
                LearnerTopology.streamsProperties(settings, base), Instant.ofEpochMilli(WALL_CLOCK));
        try {
            TestInputTopic<String, byte[]> readings = driver.createInputTopic("sensor-readings", new StringSerializer(),
                    new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> changelog = driver.createOutputTopic(
                    "pending-harness-" + LearnerTopology.PENDING_STORE + "-changelog", new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            // The driver keeps every record produced until read: the predictions and the model's own
            // changelog (its progress record, per commit) are read away so that only the store stays.
            TestOutputTopic<byte[], byte[]> predictions = driver.createOutputTopic("sensor-predictions",
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            TestOutputTopic<byte[], byte[]> models = driver.createOutputTopic(
                    "pending-harness-" + LearnerTopology.MODEL_STORE + "-changelog", new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            SensorReadingGenerator generator = new SensorReadingGenerator(1, 16, 1.0);
            Reading r = new Reading(2);
            for (int i = 0; i < n; i++) {
                generator.next(r, 1_795_334_400_000L + i);
                r.setId(String.format("r-%06d", i));
                readings.pipeInput(r.sensorId(), SensorReadingGenerator.json(r), 1_000L + i);
                if (i % 10_000 == 9_999) {
                    predictions.readValuesToList();
                    models.readValuesToList();
                    for (TestRecord<byte[], byte[]> c : changelog.readRecordsToList()) {
                        changelogRecords++;
                        changelogBytes += c.key().length + (c.value() == null ? 0 : c.value().length);
                    }
                }
            }
            for (TestRecord<byte[], byte[]> c : changelog.readRecordsToList()) {
                changelogRecords++;
                changelogBytes += c.key().length + (c.value() == null ? 0 : c.value().length);
            }
            predictions.readValuesToList();
            models.readValuesToList();
            double waiting = registry.get("streamlearn.pending.readings").tag("model", "default").gauge().value();
            long heapAfter = usedHeap();
            if (Boolean.getBoolean("histogram")) {
                Process jmap = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jmap").toString(),
                        "-histo:live", String.valueOf(ProcessHandle.current().pid())).redirectErrorStream(true).start();
                new String(jmap.getInputStream().readAllBytes()).lines().limit(25).forEach(System.out::println);
            }
            // RocksDB's memtable to its files (the driver deletes them when it closes).
            driver.getKeyValueStore(LearnerTopology.PENDING_STORE).flush();
            long rocksdb = size(state.resolve("pending-harness"), LearnerTopology.PENDING_STORE);
            System.out.printf("PendingStoreMemoryHarness: %,d waiting readings (gauge %.0f); store keys and values %d bytes "
                            + "per reading (PendingReadings.storedBytes); changelog %,d records, %,d bytes of keys and values "
                            + "(%.1f per reading); RocksDB files after a flush %,d bytes (%.1f per reading); heap used %,d -> %,d "
                            + "bytes after GC (%.1f per reading)%n",
                    n, waiting, PendingReadings.storedBytes(settings.spec(), "default", "press-00", "r-000000"),
                    changelogRecords, changelogBytes, changelogBytes / (double) n, rocksdb, rocksdb / (double) n,
                    heapBefore, heapAfter, (heapAfter - heapBefore) / (double) n);
        } finally {
            driver.close();
            try (Stream<Path> paths = Files.walk(state)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Bytes of the files under {@code dir} whose path names {@code store}. */
    private static long size(Path dir, String store) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.filter(Files::isRegularFile).filter(p -> p.toString().contains(store))
                    .mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
