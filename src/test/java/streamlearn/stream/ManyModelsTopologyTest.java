package streamlearn.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;

/**
 * The topology with one model per sensor and many sensors: snapshots of the changed models only,
 * spread over the snapshot interval rather than sent in one burst; and /metrics series per model
 * up to {@code metrics.max.models}, the rest counted in series without a model label.
 */
class ManyModelsTopologyTest {
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> readings;
    private TestOutputTopic<String, byte[]> models;
    private PrometheusMeterRegistry registry;

    private void start(int metricsMaxModels) {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LearnerSettings settings = new LearnerSettings(SpecJson.defaultSpec(), ModelKey.parse("sensor"), Topics.DEFAULT,
                Duration.ofSeconds(10), Duration.ofSeconds(30), 1, ReadingParser.DEFAULT_MAX_BYTES,
                LearnerSettings.DEFAULT_LABEL_MAX_DELAY, LearnerSettings.DEFAULT_LABEL_MAX_PENDING, registry)
                .withScale(20, 10, metricsMaxModels);
        Properties base = new Properties();
        base.put(StreamsConfig.APPLICATION_ID_CONFIG, "many-models-test");
        base.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(LearnerTopology.build(settings), LearnerTopology.streamsProperties(settings, base),
                Instant.ofEpochMilli(0));
        readings = driver.createInputTopic("sensor-readings", new StringSerializer(), new ByteArraySerializer());
        models = driver.createOutputTopic("learner-models", new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private void send(String sensor, long ts, String label) {
        String json = "{\"sensorId\":\"" + sensor + "\",\"timestamp\":" + ts
                + ",\"features\":{\"temperature\":31.5,\"vibration\":1.2}" + (label == null ? "" : ",\"label\":\"" + label + "\"") + "}";
        readings.pipeInput(sensor, json.getBytes(StandardCharsets.UTF_8));
    }

    private static String sensor(int i) {
        return String.format("press-%03d", i);
    }

    @Test
    void snapshotsOfTheChangedModelsAreSpreadOverTheInterval() {
        start(100);
        // 90 new models at once (more than the cache holds).
        for (int i = 0; i < 90; i++) {
            send(sensor(i), 1_000, i % 2 == 0 ? "normal" : null);
        }
        Set<String> published = new HashSet<>();
        int most = 0;
        int ticks = 0;
        for (int second = 1; second <= 100; second++) {
            driver.advanceWallClockTime(Duration.ofSeconds(1));
            List<TestRecord<String, byte[]>> tick = models.readRecordsToList();
            if (second < 30) {
                assertTrue(tick.isEmpty(), "a snapshot before its interval, at second " + second);
            }
            for (TestRecord<String, byte[]> s : tick) {
                assertTrue(published.add(s.key()), s.key() + " published twice");
            }
            most = Math.max(most, tick.size());
            ticks += tick.isEmpty() ? 0 : 1;
        }
        assertEquals(90, published.size(), "every new model once");
        // 90 models over a 30 s interval at one tick a second: 3 a tick.
        assertTrue(most <= 3, "at most " + most + " snapshots in one tick");
        assertTrue(ticks >= 30, ticks + " ticks published");

        // A step is published again, once; a prediction alone changes nothing to publish.
        send(sensor(7), 2_000, "warning");
        send(sensor(8), 2_000, null);
        driver.advanceWallClockTime(Duration.ofSeconds(31));
        assertEquals(List.of(sensor(7)), models.readRecordsToList().stream().map(TestRecord::key).toList());
    }

    @Test
    void modelsBeyondTheLimitShareSeriesWithoutTheModelLabel() {
        start(2);
        for (int i = 0; i < 5; i++) {
            send(sensor(i), 1_000, "normal");
            send(sensor(i), 1_001, "warning");
            send(sensor(i), 1_002, null);
        }
        String scrape = registry.scrape();
        assertEquals(2.0, value(scrape, "streamlearn_records_total{model=\"press-000\",outcome=\"trained\"}"));
        assertEquals(2.0, value(scrape, "streamlearn_records_total{model=\"press-001\",outcome=\"trained\"}"));
        assertFalse(scrape.contains("press-002"), "no series of its own for a model beyond the limit");
        // Prometheus stores an empty label as none: one series for all the models beyond the limit.
        assertEquals(6.0, value(scrape, "streamlearn_records_total{model=\"\",outcome=\"trained\"}"));
        assertEquals(3.0, value(scrape, "streamlearn_records_total{model=\"\",outcome=\"predicted\"}"));
        assertEquals(3.0, value(scrape, "streamlearn_pending_readings{model=\"\"}"), "the waiting readings' sum");
        assertEquals(1.0, value(scrape, "streamlearn_pending_readings{model=\"press-000\"}"));
        assertFalse(scrape.contains("streamlearn_model_version{model=\"\"}"), "a model version is no sum");

        // A model beyond the limit closes its windows as any other: its record goes out, and its
        // figures stay on learner-metrics (no per-class gauges of its own to fill).
        TestOutputTopic<String, byte[]> windows = driver.createOutputTopic(Topics.DEFAULT.metrics(), new StringDeserializer(),
                new ByteArrayDeserializer());
        send(sensor(4), 12_000, "normal");
        assertEquals(List.of(sensor(4)), windows.readRecordsToList().stream().map(TestRecord::key).toList());
        scrape = registry.scrape();
        assertEquals(7.0, value(scrape, "streamlearn_records_total{model=\"\",outcome=\"trained\"}"));
        assertEquals(0.0, value(scrape, "streamlearn_records_total{model=\"\",outcome=\"failed\"}"));
    }

    @Test
    void theWindowsOfQuietModelsThatLeftTheCacheAreClosedByTheWallClockToo() throws Exception {
        start(100);
        TestOutputTopic<String, byte[]> windows = driver.createOutputTopic(Topics.DEFAULT.metrics(), new StringDeserializer(),
                new ByteArrayDeserializer());
        // 30 models, each with two readings in its window [0, 10 s): the cache holds 20.
        for (int i = 0; i < 30; i++) {
            send(sensor(i), 1_000, "normal");
            send(sensor(i), 1_001, null);
        }
        driver.advanceWallClockTime(Duration.ofSeconds(19));
        assertTrue(windows.isEmpty(), "not before one window length after its end");
        driver.advanceWallClockTime(Duration.ofSeconds(2));
        Map<String, Long> closed = new TreeMap<>();
        for (TestRecord<String, byte[]> w : windows.readRecordsToList()) {
            JsonNode json = new ObjectMapper().readTree(w.value());
            assertEquals(0, json.get("windowStart").asLong());
            assertNull(closed.put(w.key(), json.get("records").asLong()), w.key() + " closed twice");
        }
        assertEquals(30, closed.size(), "every quiet model's window, cached or not: " + closed.keySet());
        assertTrue(closed.values().stream().allMatch(records -> records == 2), closed.toString());
        driver.advanceWallClockTime(Duration.ofSeconds(30));
        assertTrue(windows.isEmpty(), "each window once");

        // A model read back later continues from the closed window: its next window opens empty.
        send(sensor(3), 25_000, "normal");
        driver.advanceWallClockTime(Duration.ofSeconds(30));
        JsonNode next = new ObjectMapper().readTree(windows.readRecordsToList().stream()
                .filter(w -> w.key().equals(sensor(3))).findFirst().orElseThrow().value());
        assertEquals(20_000, next.get("windowStart").asLong());
        assertEquals(1, next.get("records").asLong());
    }

    @Test
    void aTickReadsBackAtMostSoManyModelsToCloseTheirWindows() {
        start(100);
        TestOutputTopic<String, byte[]> windows = driver.createOutputTopic(Topics.DEFAULT.metrics(), new StringDeserializer(),
                new ByteArrayDeserializer());
        int models = Learner.WINDOWS_READ_BACK_PER_TICK + 30;
        for (int i = 0; i < models; i++) {
            send(sensor(i), 1_000, "normal");
        }
        driver.advanceWallClockTime(Duration.ofSeconds(21));
        assertEquals(20 + Learner.WINDOWS_READ_BACK_PER_TICK, windows.readRecordsToList().size(),
                "the 20 cached models and as many read back as a tick allows");
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertEquals(10, windows.readRecordsToList().size(), "the rest at the next tick");
    }

    @Test
    void whatAModelTookReachesTheChangelogAtTheCommitAfterTheRecord() {
        start(100);
        // The driver commits after each record: the store's flushCache is its one call before the commit.
        TestOutputTopic<byte[], byte[]> changelog = driver.createOutputTopic(
                "many-models-test-" + LearnerTopology.MODEL_STORE + "-changelog", new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        for (int n = 1; n <= 12; n++) {
            send(sensor(0), 1_000 + n, n % 2 == 0 ? "normal" : null);
            List<byte[]> keys = changelog.readRecordsToList().stream().map(TestRecord::key).toList();
            byte[] input = ModelKeys.input(sensor(0), n % 10).get();
            byte[] checkpoint = ModelKeys.checkpoint(sensor(0)).get();
            assertTrue(keys.stream().anyMatch(k -> Arrays.equals(k, input) || Arrays.equals(k, checkpoint)),
                    "reading " + n + ": its input (or its model's checkpoint) in the changelog, among " + keys.size());
        }
    }

    private static double value(String scrape, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
        assertTrue(m.find(), series + " not in the scrape");
        return Double.parseDouble(m.group(1));
    }
}
