package streamlearn.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.ModelEventJson;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.Reading;
import streamlearn.model.StepResult;

class LearnerTopologyTest {
    /** The driver's wall clock at start: after the readings' event times (else they lie in the future). */
    private static final long WALL_CLOCK = 1_800_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelSpec SPEC = SpecJson.parse("""
            {"features":["temperature","vibration"],"classes":["normal","warning","critical"],
             "layers":[{"units":8,"activation":"relu"},{"units":3,"activation":"softmax"}],
             "loss":"cross_entropy","init":{"type":"he","seed":3},
             "optimizer":{"type":"sgd","learningRate":0.1},"clipNorm":5.0,
             "ranges":{"temperature":[-60,400]}}""");

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> readings;
    private TestOutputTopic<String, byte[]> predictions;
    private TestOutputTopic<String, byte[]> metrics;
    private TestOutputTopic<String, byte[]> models;
    private TestOutputTopic<byte[], byte[]> deadLetters;
    private TestOutputTopic<String, byte[]> events;
    private SimpleMeterRegistry registry;

    private void start(String modelKey, int partitions) {
        start(SPEC, modelKey, partitions);
    }

    private void start(ModelSpec spec, String modelKey, int partitions) {
        registry = new SimpleMeterRegistry();
        LearnerSettings settings = new LearnerSettings(spec, ModelKey.parse(modelKey), Topics.DEFAULT,
                Duration.ofSeconds(10), Duration.ofSeconds(30), partitions, ReadingParser.DEFAULT_MAX_BYTES,
                LearnerSettings.DEFAULT_LABEL_MAX_DELAY, LearnerSettings.DEFAULT_LABEL_MAX_PENDING, registry);
        Properties base = new Properties();
        base.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        base.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(LearnerTopology.build(settings),
                LearnerTopology.streamsProperties(settings, base), Instant.ofEpochMilli(WALL_CLOCK));
        readings = driver.createInputTopic("sensor-readings", new StringSerializer(), new ByteArraySerializer());
        predictions = driver.createOutputTopic("sensor-predictions", new StringDeserializer(), new ByteArrayDeserializer());
        metrics = driver.createOutputTopic("learner-metrics", new StringDeserializer(), new ByteArrayDeserializer());
        models = driver.createOutputTopic("learner-models", new StringDeserializer(), new ByteArrayDeserializer());
        deadLetters = driver.createOutputTopic("sensor-readings-dlq", new ByteArrayDeserializer(), new ByteArrayDeserializer());
        events = driver.createOutputTopic("learner-events", new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private static String reading(String sensor, long ts, double temperature, double vibration, String label) {
        return "{\"sensorId\":\"" + sensor + "\",\"timestamp\":" + ts + ",\"features\":{\"temperature\":" + temperature
                + ",\"vibration\":" + vibration + "}" + (label == null ? "" : ",\"label\":\"" + label + "\"") + "}";
    }

    private void send(String key, String value) {
        readings.pipeInput(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode json(byte[] bytes) throws Exception {
        return JSON.readTree(bytes);
    }

    private static final String[] LABELS = {"normal", "warning", "critical"};

    @Test
    void predictsBeforeTrainingAndCountsModelVersions() throws Exception {
        start("global", 1);
        // An independent model, fed the same readings: the stream must predict exactly what it
        // predicts *before* its update.
        OnlineModel reference = OnlineModel.create(SPEC);
        ReadingParser parser = new ReadingParser(SPEC);
        Reading r = new Reading(2);
        for (int i = 0; i < 20; i++) {
            String value = reading("press-01", 1000L + i, 20 + 3 * i, 0.5 + 0.3 * i, LABELS[i % 3]);
            send("press-01", value);
            parser.parse(value.getBytes(StandardCharsets.UTF_8), r);
            StepResult expected = reference.step(r);

            JsonNode p = json(predictions.readValue());
            assertEquals(i, p.get("modelVersion").asLong(), "modelVersion counts updates before this one");
            assertEquals("default", p.get("model").asText());
            assertEquals(LABELS[i % 3], p.get("label").asText());
            assertEquals(expected.loss(), p.get("loss").asDouble(), 0.0);
            for (int c = 0; c < 3; c++) {
                assertEquals(expected.probabilities()[c], p.get("probabilities").get(LABELS[c]).asDouble(), 0.0);
            }
        }
        // Unlabeled: predicted, no label/loss, the model does not move.
        send("press-01", reading("press-01", 2000, 30, 1.0, null));
        JsonNode p = json(predictions.readValue());
        assertEquals(20, p.get("modelVersion").asLong());
        assertFalse(p.has("label"));
        assertFalse(p.has("loss"));
        send("press-01", reading("press-01", 2001, 30, 1.0, "normal"));
        assertEquals(20, json(predictions.readValue()).get("modelVersion").asLong());
        assertEquals(20.0, registry.get("streamlearn.records").tag("outcome", "trained").counter().count() - 1, 0.0);
        assertEquals(1.0, registry.get("streamlearn.records").tag("outcome", "predicted").counter().count(), 0.0);
    }

    @Test
    void keepsOneModelPerSensor() throws Exception {
        start("sensor", 4);
        for (int i = 0; i < 3; i++) {
            send("press-01", reading("press-01", 1000 + i, 30, 1.0, "normal"));
        }
        send("press-02", reading("press-02", 1000, 30, 1.0, "normal"));
        List<JsonNode> out = predictions.readValuesToList().stream().map(b -> {
            try {
                return json(b);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).toList();
        assertEquals(List.of(0L, 1L, 2L, 0L), out.stream().map(n -> n.get("modelVersion").asLong()).toList());
        assertEquals("press-02", out.get(3).get("model").asText());
        ModelStore store = (ModelStore) driver.getStateStore(LearnerTopology.MODEL_STORE);
        assertEquals(3, store.get("press-01").model().modelVersion());
        assertEquals(1, store.get("press-02").model().modelVersion());
    }

    @Test
    void badReadingsGoToTheDeadLetterTopicAndLeaveTheModelAlone() throws Exception {
        start("sensor", 4);
        send("press-01", reading("press-01", 1000, 30, 1.0, "normal"));
        ModelStore store = (ModelStore) driver.getStateStore(LearnerTopology.MODEL_STORE);
        byte[] before = ModelSnapshot.toBytes(store.get("press-01").model());

        String[][] bad = {
                {"press-01", "{not json", "malformed_json"},
                {"press-01", "", "empty"},
                {"press-01", "{\"sensorId\":\"press-01\",\"features\":{\"temperature\":30}}", "missing_feature"},
                {"press-01", "{\"sensorId\":\"press-01\",\"features\":{\"temperature\":\"hot\",\"vibration\":1}}", "non_numeric_feature"},
                {"press-01", "{\"sensorId\":\"press-01\",\"features\":{\"temperature\":1e400,\"vibration\":1}}", "non_finite_feature"},
                {"press-01", reading("press-01", 1, 30, 1, "exploded"), "unknown_label"},
                {"press-01", "[1,2]", "wrong_type"},
                {"press-01", reading("press-01", 1, 65535, 1, "normal"), "out_of_range"},
                {"press-02", reading("press-01", 1, 30, 1, "normal"), "key_mismatch"},
                {null, reading("press-01", 1, 30, 1, "normal"), "missing_key"},
        };
        for (String[] b : bad) {
            send(b[0], b[1]);
        }
        List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
        assertEquals(bad.length, dead.size());
        for (int i = 0; i < bad.length; i++) {
            TestRecord<byte[], byte[]> d = dead.get(i);
            assertEquals(bad[i][2], header(d, DeadLetterHandler.REASON_HEADER), "reason of bad reading " + i);
            assertArrayEquals(bad[i][1].getBytes(StandardCharsets.UTF_8), d.value(), "original bytes of bad reading " + i);
            assertEquals("sensor-readings", header(d, DeadLetterHandler.TOPIC_HEADER));
            assertFalse(header(d, DeadLetterHandler.MESSAGE_HEADER).isEmpty());
        }
        assertTrue(predictions.readValuesToList().size() == 1, "only the good reading was predicted");
        assertArrayEquals(before, ModelSnapshot.toBytes(store.get("press-01").model()), "the model is untouched");
        assertEquals(bad.length, count("streamlearn.records", "outcome", "rejected"), 0.0);

        send("press-01", reading("press-01", 1001, 30, 1.0, "normal"));
        assertEquals(1, json(predictions.readValue()).get("modelVersion").asLong(), "the stream goes on");
    }

    @Test
    void emitsOneMetricsRecordPerModelPerWindow() throws Exception {
        start("global", 1);
        for (int i = 0; i < 10; i++) {
            send("press-01", reading("press-01", 1_000 + i * 100, 25, 1.0, i < 6 ? "normal" : "critical"));
        }
        send("press-01", reading("press-01", 5_000, 25, 1.0, null));
        assertTrue(metrics.isEmpty(), "the window is still open");
        send("press-01", reading("press-01", 10_000, 70, 5.0, "critical"));
        TestRecord<String, byte[]> w = metrics.readRecord();
        JsonNode m = json(w.value());
        assertEquals("default", w.key());
        assertEquals(0, m.get("windowStart").asLong());
        assertEquals(10_000, m.get("windowEnd").asLong());
        assertEquals(11, m.get("records").asLong());
        assertEquals(10, m.get("labeled").asLong());
        assertEquals(10, m.get("modelVersion").asLong());
        assertEquals(0, m.get("drifts").asLong(), "a spec without drift detection detects none");
        long confusionTotal = 0;
        for (JsonNode row : m.get("confusion")) {
            for (JsonNode v : row) {
                confusionTotal += v.asLong();
            }
        }
        assertEquals(10, confusionTotal);
        assertEquals(6, m.get("confusion").get(0).get(0).asLong() + m.get("confusion").get(0).get(1).asLong()
                + m.get("confusion").get(0).get(2).asLong(), "row 0 holds the six 'normal' labels");
        assertTrue(m.get("meanLoss").asDouble() > 0);
        assertEquals(m.get("meanLoss").asDouble(), registry.get("streamlearn.loss").gauge().value(), 1e-12);
        assertTrue(metrics.isEmpty());
    }

    @Test
    void publishesASnapshotOfChangedModelsEverySnapshotInterval() throws Exception {
        start("global", 1);
        for (int i = 0; i < 5; i++) {
            send("press-01", reading("press-01", 1000 + i, 25, 1.0, "normal"));
        }
        driver.advanceWallClockTime(Duration.ofSeconds(31));
        TestRecord<String, byte[]> s = models.readRecord();
        assertEquals("default", s.key());
        OnlineModel restored = ModelSnapshot.fromJson(new String(s.value(), StandardCharsets.UTF_8));
        assertEquals(5, restored.modelVersion());
        ModelStore store = (ModelStore) driver.getStateStore(LearnerTopology.MODEL_STORE);
        assertArrayEquals(ModelSnapshot.toBytes(store.get("default").model()), ModelSnapshot.toBytes(restored));
        driver.advanceWallClockTime(Duration.ofSeconds(31));
        assertTrue(models.isEmpty(), "no change, no new snapshot");
    }

    @Test
    void repartitionsByAFieldOfTheReading() throws Exception {
        start("field:site", 4);
        send("press-01", "{\"sensorId\":\"press-01\",\"site\":\"north\",\"features\":{\"temperature\":30,\"vibration\":1},\"label\":\"normal\"}");
        send("press-02", "{\"sensorId\":\"press-02\",\"site\":\"north\",\"features\":{\"temperature\":30,\"vibration\":1},\"label\":\"normal\"}");
        send("press-03", "{\"sensorId\":\"press-03\",\"site\":\"south\",\"features\":{\"temperature\":30,\"vibration\":1},\"label\":\"normal\"}");
        send("press-04", "{\"sensorId\":\"press-04\",\"features\":{\"temperature\":30,\"vibration\":1},\"label\":\"normal\"}");
        List<TestRecord<String, byte[]>> out = predictions.readRecordsToList();
        assertEquals(3, out.size());
        assertEquals("press-02", out.get(1).key());
        assertEquals(1, json(out.get(1).value()).get("modelVersion").asLong());
        assertEquals("south", json(out.get(2).value()).get("model").asText());
        assertEquals(0, json(out.get(2).value()).get("modelVersion").asLong());
        assertEquals("missing_field", header(deadLetters.readRecord(), DeadLetterHandler.REASON_HEADER));
    }

    private static final long T0 = 1_795_334_400_000L;
    private static final int DRIFT_STREAM = 16_000;
    private static final int CHANGE_AT = 8_000;

    /**
     * The seeds' stream for one global model, 100 readings per second of event time (so 1,000 per
     * 10 s metrics window), from reading {@code changeAt} on with every temperature 15 °C higher
     * (a machine running hotter); -1: stationary. Fed to the topology and, parsed from the same
     * bytes, to an independent model, whose drift events are returned as the topic must carry them.
     */
    private List<byte[]> feedDriftStream(int changeAt) throws Exception {
        // The default spec's own network alone: a pool may follow the change through a faster
        // candidate without a drift, and writes champion_changed events beside the drifts.
        ModelSpec spec = streamlearn.model.TestSpecs.singleNetwork();
        assertTrue(spec.drift() != null, "the default spec detects drift");
        start(spec, "global", 1);
        OnlineModel reference = OnlineModel.create(spec);
        ReadingParser parser = new ReadingParser(spec);
        SensorReadingGenerator generator = new SensorReadingGenerator(7, 16, 0.1);
        Reading r = new Reading(2);
        Reading parsed = new Reading(2);
        List<byte[]> expected = new ArrayList<>();
        for (int i = 0; i < DRIFT_STREAM; i++) {
            generator.next(r, T0 + 10L * i);
            if (changeAt >= 0 && i >= changeAt) {
                r.setFeature(0, r.features()[0] + 15);
            }
            byte[] value = SensorReadingGenerator.json(r);
            readings.pipeInput(r.sensorId(), value);
            parser.parse(value, parsed);
            StepResult step = reference.step(parsed);
            if (step.drift() != null) {
                expected.add(ModelEventJson.drift("default", parsed.timestamp(), step.drift()));
            }
        }
        return expected;
    }

    @Test
    void aChangeInTheStreamIsADriftEventOnTheEventsTopicAndInTheMetrics() throws Exception {
        List<byte[]> expected = feedDriftStream(CHANGE_AT);
        List<TestRecord<String, byte[]>> out = events.readRecordsToList();
        assertTrue(!out.isEmpty() && out.size() <= 3, "one or a few drift events after the change: " + out.size());
        assertEquals(expected.size(), out.size(), "the events of the model's own drifts, no more, no fewer");
        for (int i = 0; i < out.size(); i++) {
            TestRecord<String, byte[]> e = out.get(i);
            assertEquals("default", e.key(), "keyed by model id");
            assertEquals(new String(expected.get(i), StandardCharsets.UTF_8), new String(e.value(), StandardCharsets.UTF_8));
            JsonNode event = json(e.value());
            assertEquals("default", event.get("model").asText());
            assertEquals("drift", event.get("type").asText());
            long at = event.get("at").asLong();
            assertEquals(at, e.timestamp());
            long index = (at - T0) / 10;
            assertTrue(index >= CHANGE_AT && index < CHANGE_AT + 2_000, "detected soon after the change: reading " + index);
            assertTrue(event.get("modelVersion").asLong() > 0);
            JsonNode detail = event.get("detail");
            assertEquals("adwin", detail.get("detector").asText());
            assertEquals(0.002, detail.get("delta").asDouble(), 0.0);
            assertTrue(detail.get("errorAfter").asDouble() > detail.get("errorBefore").asDouble(), detail.toString());
            assertTrue(detail.get("recentReadings").asLong() > 0, detail.toString());
            assertEquals(List.of("scaler_relearning", "average_restarted", "output_layer_relearning"),
                    JSON.convertValue(detail.get("actions"), List.class));
        }
        assertEquals(out.size(), registry.get("streamlearn.drifts").tag("model", "default").counter().count(), 0.0);
        assertEquals(out.size(), registry.get("streamlearn.model.events").tag("model", "default").tag("type", "drift")
                .counter().count(), 0.0);

        // Each drift counts in the window of its reading, and only there.
        List<JsonNode> windows = new ArrayList<>();
        for (byte[] w : metrics.readValuesToList()) {
            windows.add(json(w));
        }
        assertEquals(DRIFT_STREAM / 1_000 - 1, windows.size(), "every window but the open last one");
        long total = 0;
        for (JsonNode w : windows) {
            long start = w.get("windowStart").asLong();
            long inWindow = out.stream().filter(e -> e.timestamp() >= start && e.timestamp() < start + 10_000).count();
            assertEquals(inWindow, w.get("drifts").asLong(), "drifts of the window " + w);
            total += w.get("drifts").asLong();
        }
        assertEquals(out.size(), total);
    }

    @Test
    void aStationaryStreamOfTheSameLengthHasNoDrift() throws Exception {
        List<byte[]> expected = feedDriftStream(-1);
        assertEquals(0, expected.size(), "the independent model detects none either");
        assertTrue(events.isEmpty(), "no drift event on a stationary stream");
        assertEquals(0.0, registry.get("streamlearn.drifts").tag("model", "default").counter().count(), 0.0);
        List<byte[]> windows = metrics.readValuesToList();
        assertEquals(DRIFT_STREAM / 1_000 - 1, windows.size());
        for (byte[] w : windows) {
            assertEquals(0, json(w).get("drifts").asLong(), new String(w, StandardCharsets.UTF_8));
        }
    }

    /** The sum of a counter over all its models. */
    private double count(String name, String tag, String value) {
        return registry.find(name).tag(tag, value).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
