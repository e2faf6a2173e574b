package streamlearn.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
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
import streamlearn.format.ControlCommand;
import streamlearn.format.ModelEventJson;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.PredictionJson;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.Reading;

/**
 * The operations rules of issue #14 through the topology: clocks (future_timestamp, quiet windows
 * closed by the wall clock), control commands (restore, reset, bad ones), and a learner failure.
 */
class OperationsTopologyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelSpec SPEC = SpecJson.parse("""
            {"features":["temperature","vibration"],"classes":["normal","warning","critical"],
             "layers":[{"units":8,"activation":"relu"},{"units":3,"activation":"softmax"}],
             "loss":"cross_entropy","init":{"type":"he","seed":3},
             "optimizer":{"type":"adam","learningRate":0.01},"clipNorm":5.0,"averaging":{"decay":0.99}}""");
    private static final long WALL = 1_795_334_400_000L;
    private static final long WINDOW = 10_000;
    private static final String[] LABELS = {"normal", "warning", "critical"};

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> readings;
    private TestInputTopic<String, byte[]> control;
    private TestOutputTopic<String, byte[]> predictions;
    private TestOutputTopic<String, byte[]> metrics;
    private TestOutputTopic<String, byte[]> events;
    private TestOutputTopic<byte[], byte[]> deadLetters;
    private SimpleMeterRegistry registry;

    private void start() {
        start(1);
    }

    /** With more than one partition the global model's inputs, commands too, cross a repartition. */
    private void start(int partitions) {
        registry = new SimpleMeterRegistry();
        LearnerSettings settings = new LearnerSettings(SPEC, ModelKey.parse("global"), Topics.DEFAULT,
                Duration.ofMillis(WINDOW), Duration.ofSeconds(60), partitions, ReadingParser.DEFAULT_MAX_BYTES,
                LearnerSettings.DEFAULT_LABEL_MAX_DELAY, LearnerSettings.DEFAULT_LABEL_MAX_PENDING, registry);
        Properties base = new Properties();
        base.put(StreamsConfig.APPLICATION_ID_CONFIG, "operations-test");
        base.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(LearnerTopology.build(settings), LearnerTopology.streamsProperties(settings, base),
                Instant.ofEpochMilli(WALL));
        readings = driver.createInputTopic("sensor-readings", new StringSerializer(), new ByteArraySerializer());
        control = driver.createInputTopic("learner-control", new StringSerializer(), new ByteArraySerializer());
        predictions = driver.createOutputTopic("sensor-predictions", new StringDeserializer(), new ByteArrayDeserializer());
        metrics = driver.createOutputTopic("learner-metrics", new StringDeserializer(), new ByteArrayDeserializer());
        events = driver.createOutputTopic("learner-events", new StringDeserializer(), new ByteArrayDeserializer());
        deadLetters = driver.createOutputTopic("sensor-readings-dlq", new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private static String reading(long ts, int i, boolean labeled) {
        return "{\"sensorId\":\"press-0" + (i % 4) + "\",\"timestamp\":" + ts + ",\"features\":{\"temperature\":"
                + (20 + 17 * (i % 3) + (i % 7)) + ",\"vibration\":" + (0.5 + 1.9 * (i % 3) + 0.1 * (i % 5)) + "}"
                + (labeled ? ",\"label\":\"" + LABELS[i % 3] + "\"" : "") + "}";
    }

    private void send(long ts, int i) {
        readings.pipeInput("press-0" + (i % 4), reading(ts, i, i % 5 != 4).getBytes(StandardCharsets.UTF_8), ts);
    }

    private static String header(TestRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private double outcome(String outcome) {
        return registry.get("streamlearn.records").tag("outcome", outcome).counter().count();
    }

    @Test
    void aReadingFromTheFutureIsDeadLetteredAndTheWindowsKeepClosing() throws Exception {
        start();
        long hour = 3_600_000;
        send(WALL - 1, 0);
        // The year 2100, and two hours ahead: dead-lettered; 59 minutes ahead (a skewed clock): accepted.
        readings.pipeInput("press-01", reading(4_102_444_800_000L, 1, true).getBytes(StandardCharsets.UTF_8), WALL);
        readings.pipeInput("press-01", reading(WALL + 2 * hour, 1, true).getBytes(StandardCharsets.UTF_8), WALL);
        // Without a timestamp field, the record's time is the reading's.
        readings.pipeInput("press-01", "{\"sensorId\":\"press-01\",\"features\":{\"temperature\":20,\"vibration\":1}}"
                .getBytes(StandardCharsets.UTF_8), WALL + 2 * hour);
        assertEquals(3, deadLetters.getQueueSize());
        for (int i = 0; i < 3; i++) {
            TestRecord<byte[], byte[]> d = deadLetters.readRecord();
            assertEquals("future_timestamp", header(d, DeadLetterHandler.REASON_HEADER));
            assertTrue(header(d, DeadLetterHandler.MESSAGE_HEADER).contains("reading.max.future"));
        }
        assertEquals(3.0, outcome("rejected"), 0.0);
        assertEquals(1, predictions.getQueueSize());
        // The windows go on closing as the readings' time moves on.
        send(WALL + WINDOW, 2);
        send(WALL + 59 * 60_000, 3);
        assertTrue(deadLetters.isEmpty(), "59 minutes ahead is accepted");
        assertEquals(3, predictions.getQueueSize());
        assertEquals(2, metrics.getQueueSize(), "two windows closed");
        assertTrue(Double.isFinite(registry.get("streamlearn.loss").gauge().value()));
    }

    @Test
    void aQuietModelsWindowIsClosedByTheWallClockOneWindowAfterItsEnd() throws Exception {
        start();
        long start = Math.floorDiv(WALL, WINDOW) * WINDOW;
        for (int i = 0; i < 5; i++) {
            send(start + i, i);
        }
        driver.advanceWallClockTime(Duration.ofMillis(WINDOW));
        assertTrue(metrics.isEmpty(), "not before its end plus one window");
        driver.advanceWallClockTime(Duration.ofMillis(WINDOW + 100));
        assertEquals(1, metrics.getQueueSize(), "published within two window lengths of its start");
        JsonNode w = JSON.readTree(metrics.readValue());
        assertEquals(start, w.get("windowStart").asLong());
        assertEquals(5, w.get("records").asLong());
        assertTrue(Double.isFinite(registry.get("streamlearn.accuracy").gauge().value()), "the gauges tell the truth");
        driver.advanceWallClockTime(Duration.ofMillis(5 * WINDOW));
        assertTrue(metrics.isEmpty(), "a window is closed once");
        // A late reading then counts in the next window, which closes in its turn.
        send(start + 7, 7);
        assertTrue(metrics.isEmpty());
        driver.advanceWallClockTime(Duration.ofMillis(2 * WINDOW));
        assertEquals(start + WINDOW, JSON.readTree(metrics.readValue()).get("windowStart").asLong());
    }

    @Test
    void aModelReplayingHistoryIsBusyNotQuiet() {
        start();
        long past = WALL - 365L * 24 * 3_600_000;
        for (int i = 0; i < 30; i++) {
            send(past + i, i);
            driver.advanceWallClockTime(Duration.ofMillis(WINDOW / 4));
        }
        assertTrue(metrics.isEmpty(), "readings keep coming: its window closes by event time only");
    }

    @Test
    void restoreReplacesTheModelInOrderWithTheReadings() throws Exception {
        start();
        for (int i = 0; i < 40; i++) {
            send(WALL + i, i);
        }
        // A snapshot of another history: 15 readings.
        OnlineModel other = OnlineModel.create(SPEC);
        ReadingParser parser = new ReadingParser(SPEC);
        Reading r = new Reading(2);
        for (int i = 100; i < 115; i++) {
            parser.parse(reading(WALL + i, i, true).getBytes(StandardCharsets.UTF_8), r);
            other.step(r);
        }
        String snapshot = ModelSnapshot.toJsonString(other);
        predictions.readValuesToList();
        control.pipeInput("default", ControlCommand.restore(snapshot), WALL + 40);
        JsonNode event = JSON.readTree(events.readValue());
        assertEquals(ModelEventJson.RESTORED, event.get("type").asText());
        assertEquals(other.modelVersion(), event.get("modelVersion").asLong());
        assertEquals(32, event.get("detail").get("previousModelVersion").asLong());

        // The predictions after it are those of the snapshot's model, byte for byte.
        OnlineModel reference = ModelSnapshot.fromJson(snapshot);
        PredictionJson json = new PredictionJson(SPEC);
        for (int i = 40; i < 60; i++) {
            send(WALL + i, i);
            parser.parse(reading(WALL + i, i, i % 5 != 4).getBytes(StandardCharsets.UTF_8), r);
            String expected = new String(json.write("default", r, reference.step(r)), StandardCharsets.UTF_8);
            assertEquals(expected, new String(predictions.readValue(), StandardCharsets.UTF_8));
        }
        assertEquals(1.0, registry.get("streamlearn.model.events").tag("type", "restored").counter().count(), 0.0);
    }

    @Test
    void resetStartsTheModelAfreshFromTheSpec() throws Exception {
        start();
        for (int i = 0; i < 30; i++) {
            send(WALL + i, i);
        }
        predictions.readValuesToList();
        control.pipeInput("default", ControlCommand.reset(), WALL + 30);
        JsonNode event = JSON.readTree(events.readValue());
        assertEquals(ModelEventJson.RESET, event.get("type").asText());
        assertEquals(0, event.get("modelVersion").asLong());
        OnlineModel fresh = OnlineModel.create(SPEC);
        ReadingParser parser = new ReadingParser(SPEC);
        Reading r = new Reading(2);
        PredictionJson json = new PredictionJson(SPEC);
        for (int i = 30; i < 40; i++) {
            send(WALL + i, i);
            parser.parse(reading(WALL + i, i, i % 5 != 4).getBytes(StandardCharsets.UTF_8), r);
            assertEquals(new String(json.write("default", r, fresh.step(r)), StandardCharsets.UTF_8),
                    new String(predictions.readValue(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aBadCommandIsDeadLetteredWithItsReasonAndLeavesTheModelAlone() throws Exception {
        start();
        control.pipeInput("default", ControlCommand.reset(), WALL);
        for (int i = 0; i < 10; i++) {
            send(WALL + i, i);
        }
        ModelSpec other = SpecJson.parse(SPEC.json().replace("\"seed\":3", "\"seed\":4"));
        String[][] bad = {
            {"default", "{\"command\":", "malformed_json"},
            {"default", "[1]", "wrong_type"},
            {"default", "{}", "missing_field"},
            {"default", "{\"command\":\"rollback\"}", "invalid_command"},
            {"default", "{\"command\":\"reset\",\"force\":true}", "invalid_command"},
            {"default", "{\"command\":\"restore\"}", "missing_field"},
            {"default", "{\"command\":\"restore\",\"snapshot\":{\"spec\":{}}}", "invalid_snapshot"},
            {"default", new String(ControlCommand.restore(ModelSnapshot.toJsonString(OnlineModel.create(other))),
                    StandardCharsets.UTF_8), "invalid_snapshot"},
            {"elsewhere", "{\"command\":\"reset\"}", "invalid_command"},
            {null, "{\"command\":\"reset\"}", "missing_key"},
        };
        predictions.readValuesToList();
        for (String[] b : bad) {
            control.pipeInput(b[0], b[1].getBytes(StandardCharsets.UTF_8), WALL + 10);
        }
        assertEquals(bad.length + 1, deadLetters.getQueueSize(), "the reset of a model never seen is one too");
        TestRecord<byte[], byte[]> first = deadLetters.readRecord();
        assertEquals("invalid_command", header(first, DeadLetterHandler.REASON_HEADER), "reset before any reading");
        for (String[] b : bad) {
            TestRecord<byte[], byte[]> d = deadLetters.readRecord();
            assertEquals(b[2], header(d, DeadLetterHandler.REASON_HEADER), b[1]);
            assertEquals("learner-control", header(d, DeadLetterHandler.TOPIC_HEADER));
            assertArrayEquals(b[1].getBytes(StandardCharsets.UTF_8), d.value());
        }
        assertTrue(events.isEmpty());
        send(WALL + 11, 11);
        assertEquals(8, JSON.readTree(predictions.readValue()).get("modelVersion").asLong(), "the model went on");
    }

    @Test
    void aReadingTheLearnerFailsOnIsCountedAndLeavesNoTrace() throws Exception {
        start();
        send(WALL, 0);
        // A model this task cannot serve (it reads three features): the learner checks before it
        // changes anything, so the failure leaves the model as it was.
        ModelSpec three = SpecJson.parse(SPEC.json().replace("\"vibration\"]", "\"vibration\",\"pressure\"]"));
        OnlineModel stuck = OnlineModel.create(three);
        ModelStore store = (ModelStore) driver.getStateStore(LearnerTopology.MODEL_STORE);
        ModelState state = ModelState.create("default", stuck);
        store.checkpoint(state);
        byte[] before = ModelSnapshot.toBytes(stuck);
        send(WALL + 1, 1);
        assertArrayEquals(before, ModelSnapshot.toBytes(state.model()), "no trace in the model");
        assertEquals(1.0, outcome("failed"), 0.0);
        assertEquals(0.0, outcome("rejected"), 0.0, "a learner failure is not a bad reading");
        TestRecord<byte[], byte[]> d = deadLetters.readRecord();
        assertEquals("processing_error", header(d, DeadLetterHandler.REASON_HEADER));
        assertTrue(header(d, DeadLetterHandler.MESSAGE_HEADER).startsWith("model 'default'"), header(d, DeadLetterHandler.MESSAGE_HEADER));
        // The stream goes on: a reset gives the model back.
        control.pipeInput("default", ControlCommand.reset(), WALL + 2);
        send(WALL + 3, 3);
        assertEquals(0, JSON.readTree(predictions.readValuesToList().get(1)).get("modelVersion").asLong());
    }

    @Test
    void aCommandCrossesTheRepartitionAsBytesAndIsParsedOnTheModelsSide() throws Exception {
        start(4);
        for (int i = 0; i < 10; i++) {
            send(WALL + i, i);
        }
        predictions.readValuesToList();
        control.pipeInput("default", ControlCommand.reset(), WALL + 10);
        assertEquals(ModelEventJson.RESET, JSON.readTree(events.readValue()).get("type").asText());
        String[][] bad = {
            {"default", "{\"command\":", "malformed_json"},
            {"default", "{\"command\":\"rollback\"}", "invalid_command"},
            {null, "{\"command\":\"reset\"}", "missing_key"},
        };
        for (String[] b : bad) {
            control.pipeInput(b[0], b[1].getBytes(StandardCharsets.UTF_8), WALL + 11);
        }
        for (String[] b : bad) {
            TestRecord<byte[], byte[]> d = deadLetters.readRecord();
            assertEquals(b[2], header(d, DeadLetterHandler.REASON_HEADER), b[1]);
            assertArrayEquals(b[1].getBytes(StandardCharsets.UTF_8), d.value());
        }
        assertTrue(events.isEmpty());
        send(WALL + 12, 12);
        assertEquals(0, JSON.readTree(predictions.readValue()).get("modelVersion").asLong(), "reset, then no other command");
    }
}
