package streamlearn.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
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
import streamlearn.format.ModelSnapshot;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;
import streamlearn.model.LateLabel;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.PendingReading;
import streamlearn.model.PendingReadings;
import streamlearn.model.Reading;
import streamlearn.model.StepResult;

/**
 * Late labels through the topology: matched by id and by sensor and timestamp, the prediction
 * made then scored in the window of the label's arrival and the model updated as an independent
 * model is; duplicates, labels for nothing and a reading labeled inline go to the dead-letter
 * topic as unmatched_label (a label that finds no reading waits for one first, below);
 * expiry in stream time; malformed labels; and every model key (labels follow readings through
 * the repartition topics).
 */
class LateLabelTopologyTest {
    /** The driver's wall clock at start: after the readings' event times (else they lie in the future). */
    private static final long WALL_CLOCK = 1_800_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelSpec SPEC = SpecJson.parse("""
            {"features":["temperature","vibration"],"classes":["normal","warning","critical"],
             "layers":[{"units":8,"activation":"relu"},{"units":3,"activation":"softmax"}],
             "loss":"cross_entropy","init":{"type":"he","seed":3},
             "optimizer":{"type":"sgd","learningRate":0.1},"clipNorm":5.0}""");
    private static final String[] LABELS = {"normal", "warning", "critical"};
    private static final long T0 = 1_795_334_400_000L;

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> readings;
    private TestInputTopic<String, byte[]> labels;
    private TestOutputTopic<String, byte[]> predictions;
    private TestOutputTopic<String, byte[]> metrics;
    private TestOutputTopic<byte[], byte[]> deadLetters;
    private SimpleMeterRegistry registry;

    private void start(String modelKey, int partitions, Duration maxDelay) {
        start(modelKey, partitions, maxDelay, LearnerSettings.DEFAULT_LABEL_MAX_PENDING);
    }

    private void start(String modelKey, int partitions, Duration maxDelay, long maxPending) {
        registry = new SimpleMeterRegistry();
        LearnerSettings settings = new LearnerSettings(SPEC, ModelKey.parse(modelKey), Topics.DEFAULT,
                Duration.ofSeconds(10), Duration.ofSeconds(30), partitions, ReadingParser.DEFAULT_MAX_BYTES,
                maxDelay, maxPending, registry);
        Properties base = new Properties();
        base.put(StreamsConfig.APPLICATION_ID_CONFIG, "late-label-test");
        base.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(LearnerTopology.build(settings),
                LearnerTopology.streamsProperties(settings, base), Instant.ofEpochMilli(WALL_CLOCK));
        readings = driver.createInputTopic("sensor-readings", new StringSerializer(), new ByteArraySerializer());
        labels = driver.createInputTopic("sensor-labels", new StringSerializer(), new ByteArraySerializer());
        predictions = driver.createOutputTopic("sensor-predictions", new StringDeserializer(), new ByteArrayDeserializer());
        metrics = driver.createOutputTopic("learner-metrics", new StringDeserializer(), new ByteArrayDeserializer());
        deadLetters = driver.createOutputTopic("sensor-readings-dlq", new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private static String reading(String sensor, String id, long ts, double temperature, double vibration, String label,
                                  String extra) {
        return "{\"sensorId\":\"" + sensor + "\"" + (id == null ? "" : ",\"id\":\"" + id + "\"") + ",\"timestamp\":" + ts
                + ",\"features\":{\"temperature\":" + temperature + ",\"vibration\":" + vibration + "}"
                + (label == null ? "" : ",\"label\":\"" + label + "\"") + (extra == null ? "" : "," + extra) + "}";
    }

    private static String labelById(String sensor, String id, String label) {
        return "{\"sensorId\":\"" + sensor + "\",\"id\":\"" + id + "\",\"label\":\"" + label + "\"}";
    }

    private static String labelByTime(String sensor, long ts, String label) {
        return "{\"sensorId\":\"" + sensor + "\",\"timestamp\":" + ts + ",\"label\":\"" + label + "\"}";
    }

    private void sendReading(String key, String json, long recordTime) {
        readings.pipeInput(key, json.getBytes(StandardCharsets.UTF_8), recordTime);
    }

    private void sendLabel(String key, String json, long recordTime) {
        labels.pipeInput(key, json.getBytes(StandardCharsets.UTF_8), recordTime);
    }

    private double count(String name, String... tags) {
        var search = registry.find(name);
        for (int i = 0; i < tags.length; i += 2) {
            search = search.tag(tags[i], tags[i + 1]);
        }
        return search.counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private double waiting(String model) {
        return registry.get("streamlearn.pending.readings").tag("model", model).gauge().value();
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private ModelState model(String id) {
        return ((ModelStore) driver.getStateStore(LearnerTopology.MODEL_STORE)).get(id);
    }

    @Test
    void aLabelByIdScoresThePredictionMadeThenInTheWindowOfItsArrivalAndTrainsAsAnIndependentModel() throws Exception {
        start("global", 1, Duration.ofHours(1));
        // The reference: the learner's own classes, fed the same records in the same order.
        OnlineModel reference = OnlineModel.create(SPEC);
        PendingReadings referencePending = new PendingReadings(SPEC, PendingReadings.inMemory(), 3_600_000, 1_000, (m, r) -> { });
        ReadingParser parser = new ReadingParser(SPEC);
        Reading r = new Reading(2);
        PendingReading w = new PendingReading(SPEC);
        double[] scored = new double[3];
        for (int i = 0; i < 30; i++) {
            String json = reading("press-01", "r-" + i, T0 + i, 20 + 2 * i, 0.5 + 0.2 * i, i % 2 == 0 ? null : LABELS[i % 3], null);
            sendReading("press-01", json, 1_000 + i);
            parser.parse(json.getBytes(StandardCharsets.UTF_8), r);
            StepResult s = reference.step(r);
            if (i == 4) {
                System.arraycopy(s.probabilities(), 0, scored, 0, 3);
            }
            if (!r.isLabeled()) {
                referencePending.remember("default", r, s, 1_000 + i);
            }
        }
        assertEquals(30, predictions.readValuesToList().size());
        assertEquals(15, waiting("default"), 0.0);
        assertEquals(15, model("default").model().modelVersion());

        // Reading r-4 was predicted unlabeled; its label comes 26 readings later.
        sendLabel("press-01", labelById("press-01", "r-4", "critical"), 2_000);
        LateLabel label = new LateLabel().set("press-01", "r-4", 2);
        assertEquals(PendingReadings.Match.MATCHED, referencePending.match("default", label, 2_000, w));
        StepResult late = reference.learnLate(w, label);
        assertEquals(-Math.log(scored[2]), late.loss(), 1e-15, "the prediction made then, scored");
        assertEquals(16, model("default").model().modelVersion());
        assertArrayEquals(ModelSnapshot.toBytes(reference), ModelSnapshot.toBytes(model("default").model()),
                "the stream's model is the independent model, bit for bit");
        assertTrue(predictions.isEmpty(), "a label is no reading: no prediction");
        assertEquals(14, waiting("default"), 0.0);
        assertEquals(1, count("streamlearn.labels", "outcome", "matched"), 0.0);
        assertEquals(1, registry.get("streamlearn.label.delay").timer().count());
        assertEquals(2_000 - 1_004, registry.get("streamlearn.label.delay").timer().totalTime(java.util.concurrent.TimeUnit.MILLISECONDS), 0.0);

        // The label counts in the open window (labeled, loss, confusion), the reading did when it came.
        sendReading("press-01", reading("press-01", null, T0 + 10_000, 30, 1, null, null), 2_001);
        JsonNode window = JSON.readTree(metrics.readValue());
        assertEquals(30, window.get("records").asLong());
        assertEquals(16, window.get("labeled").asLong(), "15 inline labels and one late one");
        assertEquals(1, window.get("confusion").get(2).get(0).asLong() + window.get("confusion").get(2).get(1).asLong()
                + window.get("confusion").get(2).get(2).asLong() - 5, "row 'critical': 5 inline, one late");
        assertEquals(16, window.get("modelVersion").asLong());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void aReadingWithoutIdIsFoundBySensorAndTimestampAndEachModelKeepsItsOwn() throws Exception {
        start("sensor", 4, Duration.ofHours(1));
        sendReading("press-01", reading("press-01", null, T0, 30, 1, null, null), 1_000);
        sendReading("press-02", reading("press-02", null, T0, 70, 6, null, null), 1_000);
        sendLabel("press-02", labelByTime("press-02", T0, "critical"), 1_500);
        assertEquals(0, model("press-01").model().modelVersion());
        assertEquals(1, model("press-02").model().modelVersion());
        assertEquals(1, waiting("press-01"), 0.0);
        assertEquals(0, waiting("press-02"), 0.0);
        sendLabel("press-01", labelByTime("press-01", T0 + 1, "normal"), 1_600);
        // It waits for that reading.
        assertTrue(deadLetters.isEmpty(), "another timestamp names another reading, which may still come");
        assertEquals(1, waitingLabels("press-01"), 0.0);
        sendLabel("press-01", labelByTime("press-01", T0, "normal"), 1_700);
        assertEquals(1, model("press-01").model().modelVersion());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void labelsThatMatchNoWaitingReadingAreDeadLetteredAndLeaveTheModelAlone() throws Exception {
        start("global", 1, Duration.ofHours(1));
        // A label before its reading waits for it (aLabelBeforeItsReadingWaits... below). A label
        // that finds no reading waits for one, and is dead-lettered when label.max.delay of stream
        // time is up; a second label for the same reading while the first waits is dead-lettered at once.
        sendReading("press-01", reading("press-01", "r-1", T0, 30, 1, null, null), 1_000);
        sendReading("press-01", reading("press-01", "r-2", T0 + 1, 31, 1, "normal", null), 1_001);
        byte[] before = ModelSnapshot.toBytes(model("default").model());
        String[] unmatched = {
                labelById("press-01", "r-2", "normal"),   // its reading carried its own label
                labelById("press-01", "r-9", "normal"),   // never seen
                labelById("press-02", "r-1", "normal"),   // r-1 is press-01's
        };
        for (String json : unmatched) {
            sendLabel("press-01", json, 1_100);
        }
        String second = labelById("press-01", "r-9", "critical");
        sendLabel("press-01", second, 1_100); // a second label for r-9 while the first waits
        assertArrayEquals(before, ModelSnapshot.toBytes(model("default").model()), "the model is untouched");
        sendLabel("press-01", labelById("press-01", "r-1", "warning"), 1_200);
        assertEquals(2, model("default").model().modelVersion(), "the right label, late, is taken once");
        sendLabel("press-01", labelById("press-01", "r-1", "warning"), 1_300); // the same label again
        assertEquals(second, new String(deadLetters.readRecord().value(), StandardCharsets.UTF_8),
                "only the second label for r-9, at once");
        assertTrue(deadLetters.isEmpty());
        assertEquals(4, waitingLabels("default"), 0.0);
        // label.max.delay of stream time later.
        sendReading("press-01", reading("press-01", "r-3", T0 + 2, 30, 1, null, null), 1_300 + 3_600_000 + 10_001);
        assertEquals(2, model("default").model().modelVersion());
        assertEquals(0, waitingLabels("default"), 0.0);

        List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
        List<String> values = dead.stream().map(d -> new String(d.value(), StandardCharsets.UTF_8)).toList();
        assertEquals(List.of(unmatched[0], unmatched[1], unmatched[2], labelById("press-01", "r-1", "warning")), values,
                "in the order they came");
        for (TestRecord<byte[], byte[]> d : dead) {
            assertEquals("unmatched_label", header(d, DeadLetterHandler.REASON_HEADER));
            assertEquals("press-01", new String(d.key(), StandardCharsets.UTF_8), "the label's own key");
            assertEquals("sensor-labels", header(d, DeadLetterHandler.TOPIC_HEADER));
            assertTrue(header(d, DeadLetterHandler.MESSAGE_HEADER).contains("label.max.delay"), header(d, DeadLetterHandler.MESSAGE_HEADER));
        }
        assertEquals(5, count("streamlearn.labels", "outcome", "unmatched"), 0.0);
        assertEquals(1, count("streamlearn.labels", "outcome", "matched"), 0.0);
        assertEquals(0, count("streamlearn.records", "outcome", "rejected"), 0.0, "a label is not a rejected reading");
    }

    @Test
    void aSecondLabelForAReadingWhileTheFirstWaitsIsDeadLetteredAtOnce() throws Exception {
        start("global", 1, Duration.ofHours(1));
        sendLabel("press-01", labelById("press-01", "r-9", "normal"), 1_000);
        String second = labelById("press-01", "r-9", "critical");
        sendLabel("press-01", second, 1_100);
        TestRecord<byte[], byte[]> d = deadLetters.readRecord();
        assertEquals(second, new String(d.value(), StandardCharsets.UTF_8));
        assertEquals("unmatched_label", header(d, DeadLetterHandler.REASON_HEADER));
        assertEquals("press-01", new String(d.key(), StandardCharsets.UTF_8), "the label's own key");
        assertEquals("sensor-labels", header(d, DeadLetterHandler.TOPIC_HEADER));
        assertTrue(header(d, DeadLetterHandler.MESSAGE_HEADER).contains("waits for a label"), header(d, DeadLetterHandler.MESSAGE_HEADER));
        sendReading("press-01", reading("press-01", "r-9", T0, 30, 1, null, null), 1_200);
        assertEquals("normal", JSON.readTree(predictions.readValue()).get("label").asText(), "the first label stays");
    }

    @Test
    void aReadingWaitsLabelMaxDelayOfStreamTimeThenIsDroppedAndCounted() throws Exception {
        start("global", 1, Duration.ofMinutes(1));
        sendReading("press-01", reading("press-01", "r-1", T0, 30, 1, null, null), 1_000);
        sendReading("press-01", reading("press-01", "r-2", T0 + 1, 30, 1, null, null), 2_000);
        sendReading("press-01", reading("press-01", "r-3", T0 + 2, 30, 1, null, null), 3_000);
        // At 61,000 (stream time) r-1 has waited 60 s: still matched.
        sendLabel("press-01", labelById("press-01", "r-1", "normal"), 61_000);
        assertEquals(1, model("default").model().modelVersion());
        // The label's own record time moves stream time: r-2 waited 60.001 s when its label is looked up.
        // Finding no live reading, the label waits for one, and is dead-lettered when its own
        // label.max.delay is up, below: whether a sweep had dropped r-2 before must not change what
        // becomes of its label.
        sendLabel("press-01", labelById("press-01", "r-2", "normal"), 62_001);
        assertTrue(deadLetters.isEmpty());
        assertEquals(1, count("streamlearn.pending.dropped", "reason", "expired"), 0.0);
        // r-3 is swept by the stream-time schedule, with no label asking for it.
        sendReading("press-01", reading("press-01", "r-4", T0 + 3, 30, 1, null, null), 80_000);
        assertEquals(2, count("streamlearn.pending.dropped", "reason", "expired"), 0.0);
        assertEquals(1, waiting("default"), 0.0, "only r-4 waits");
        sendLabel("press-01", labelById("press-01", "r-3", "normal"), 80_001);
        assertTrue(deadLetters.isEmpty());
        sendReading("press-01", reading("press-01", "r-5", T0 + 4, 30, 1, null, null), 150_001);
        List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
        assertEquals(2, dead.size(), "the labels of r-2 and r-3, when their time is up");
        for (TestRecord<byte[], byte[]> d : dead) {
            assertEquals("unmatched_label", header(d, DeadLetterHandler.REASON_HEADER));
            assertTrue(header(d, DeadLetterHandler.MESSAGE_HEADER).contains("label.max.delay"), header(d, DeadLetterHandler.MESSAGE_HEADER));
        }
        assertEquals(1, model("default").model().modelVersion());
    }

    @Test
    void aMalformedLabelIsDeadLetteredWithItsReason() throws Exception {
        start("sensor", 4, Duration.ofHours(1));
        sendReading("press-01", reading("press-01", "r-1", T0, 30, 1, null, null), 1_000);
        String[][] bad = {
                {"press-01", "{\"sensorId\":\"press-01\",\"id\":\"r-1\",\"label\":\"exploded\"}", "unknown_label"},
                {"press-01", "{\"sensorId\":\"press-01\",\"label\":\"normal\"}", "missing_field"},
                {"press-01", "not json", "malformed_json"},
                {"press-02", labelById("press-01", "r-1", "normal"), "key_mismatch"},
                {null, labelById("press-01", "r-1", "normal"), "missing_key"},
        };
        for (String[] b : bad) {
            sendLabel(b[0], b[1], 1_100);
        }
        List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
        assertEquals(bad.length, dead.size());
        for (int i = 0; i < bad.length; i++) {
            assertEquals(bad[i][2], header(dead.get(i), DeadLetterHandler.REASON_HEADER), bad[i][1]);
            assertArrayEquals(bad[i][1].getBytes(StandardCharsets.UTF_8), dead.get(i).value());
        }
        assertEquals(bad.length, count("streamlearn.labels", "outcome", "rejected"), 0.0);
        assertEquals(0, model("press-01").model().modelVersion());
        sendLabel("press-01", labelById("press-01", "r-1", "normal"), 1_200);
        assertEquals(1, model("press-01").model().modelVersion(), "and the good label still finds its reading");
    }

    @Test
    void labelsFollowTheirReadingsThroughTheRepartitionOfAGlobalModel() throws Exception {
        start("global", 4, Duration.ofHours(1));
        for (int s = 0; s < 4; s++) {
            sendReading("press-0" + s, reading("press-0" + s, "r-" + s, T0 + s, 30 + 10 * s, 1 + s, null, null), 1_000 + s);
        }
        for (int s = 0; s < 4; s++) {
            sendLabel("press-0" + s, labelById("press-0" + s, "r-" + s, LABELS[s % 3]), 2_000 + s);
        }
        assertEquals(4, model("default").model().modelVersion());
        sendLabel("press-03", labelById("press-03", "r-3", "normal"), 3_000);
        // Dead-lettered when its label.max.delay is up.
        assertTrue(deadLetters.isEmpty());
        sendReading("press-00", reading("press-00", "r-9", T0 + 9, 30, 1, null, null), 3_000 + 3_600_000 + 10_001);
        TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
        assertEquals("unmatched_label", header(dead, DeadLetterHandler.REASON_HEADER));
        assertEquals("press-03", new String(dead.key(), StandardCharsets.UTF_8), "the key the label was sent with");
        assertEquals("sensor-labels", header(dead, DeadLetterHandler.TOPIC_HEADER), "the topic it was sent to");
        assertNull(header(dead, DeadLetterHandler.ORIGIN_HEADER), "internal headers stay internal");
        assertNull(header(dead, DeadLetterHandler.ORIGIN_KEY_HEADER));
    }

    @Test
    void aFieldKeyedModelFindsItsLabelsByTheSensorsLastModelOrByTheLabelsOwnField() throws Exception {
        start("field:site", 4, Duration.ofHours(1));
        sendReading("press-01", reading("press-01", "r-1", T0, 30, 1, null, "\"site\":\"north\""), 1_000);
        sendReading("press-02", reading("press-02", "r-2", T0, 30, 1, null, "\"site\":\"north\""), 1_001);
        sendReading("press-03", reading("press-03", "r-3", T0, 30, 1, null, "\"site\":\"south\""), 1_002);
        // press-01 moved to the south site: its waiting north reading is found by a label naming north.
        sendReading("press-01", reading("press-01", "r-4", T0 + 1, 30, 1, null, "\"site\":\"south\""), 1_003);
        sendLabel("press-02", labelById("press-02", "r-2", "normal"), 2_000);
        sendLabel("press-03", labelById("press-03", "r-3", "normal"), 2_001);
        sendLabel("press-01", labelById("press-01", "r-4", "normal"), 2_002);
        assertEquals(1, model("north").model().modelVersion());
        assertEquals(2, model("south").model().modelVersion());
        sendLabel("press-01", labelById("press-01", "r-1", "normal"), 2_003);
        // It waits in the south model, below.
        assertTrue(deadLetters.isEmpty());
        sendLabel("press-01", "{\"sensorId\":\"press-01\",\"site\":\"north\",\"id\":\"r-1\",\"label\":\"normal\"}", 2_004);
        assertEquals(2, model("north").model().modelVersion(), "a label that names its model's field finds it");
        sendLabel("press-09", labelById("press-09", "r-1", "normal"), 2_005);
        TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
        assertEquals("unmatched_label", header(dead, DeadLetterHandler.REASON_HEADER));
        assertTrue(header(dead, DeadLetterHandler.MESSAGE_HEADER).contains("no reading of sensor 'press-09'"));
        assertFalse(deadLetters.readRecordsToList().size() > 0);
        sendReading("press-03", reading("press-03", "r-5", T0 + 2, 30, 1, null, "\"site\":\"south\""), 2_003 + 3_600_000 + 10_001);
        assertEquals("unmatched_label", header(deadLetters.readRecord(), DeadLetterHandler.REASON_HEADER),
                "routed by the sensor's last site, south: the limit docs/DESIGN.md names");
        assertEquals(2, count("streamlearn.labels", "outcome", "unmatched"), 0.0);
    }

    private double waitingLabels(String model) {
        var gauge = registry.find("streamlearn.waiting.labels").tag("model", model).gauge();
        return gauge == null ? 0 : gauge.value();
    }

    /** A label fetched before its reading waits for it, and the reading trains on it as on an inline label. */
    @Test
    void aLabelBeforeItsReadingWaitsAndTheReadingIsPredictedThenTrainedAsIfLabeledInline() throws Exception {
        start("global", 1, Duration.ofHours(1));
        OnlineModel reference = OnlineModel.create(SPEC);
        ReadingParser parser = new ReadingParser(SPEC);
        Reading r = new Reading(2);
        sendLabel("press-01", labelById("press-01", "r-1", "critical"), 900);
        sendLabel("press-01", labelByTime("press-01", T0 + 1, "warning"), 901);
        assertTrue(deadLetters.isEmpty(), "a label before its reading is not unmatched");
        assertEquals(2, waitingLabels("default"), 0.0);
        assertEquals(0, model("default") == null ? 0 : model("default").model().modelVersion());

        String first = reading("press-01", "r-1", T0, 70, 6, null, null);
        String second = reading("press-01", null, T0 + 1, 45, 3, null, null);
        sendReading("press-01", first, 1_000);
        sendReading("press-01", second, 1_001);
        // The reference: the same readings labeled inline.
        for (String json : new String[] {reading("press-01", "r-1", T0, 70, 6, "critical", null),
                reading("press-01", null, T0 + 1, 45, 3, "warning", null)}) {
            parser.parse(json.getBytes(StandardCharsets.UTF_8), r);
            reference.step(r);
        }
        List<String> predicted = predictions.readValuesToList().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
        assertEquals(2, predicted.size());
        JsonNode p1 = JSON.readTree(predicted.get(0));
        assertEquals("critical", p1.get("label").asText(), "the prediction shows the label, as an inline one: " + p1);
        assertTrue(p1.has("loss"), p1.toString());
        assertEquals(0, p1.get("modelVersion").asLong(), "predicted before the step (test, then train)");
        assertEquals("warning", JSON.readTree(predicted.get(1)).get("label").asText(), "found by sensor and timestamp");
        assertEquals(2, model("default").model().modelVersion());
        assertArrayEquals(ModelSnapshot.toBytes(reference), ModelSnapshot.toBytes(model("default").model()),
                "trained exactly as the readings labeled inline");
        assertEquals(0, waiting("default"), 0.0, "a labeled reading does not wait");
        assertEquals(0, waitingLabels("default"), 0.0);
        assertEquals(2, count("streamlearn.labels", "outcome", "early"), 0.0);
        assertEquals(2, count("streamlearn.records", "outcome", "trained"), 0.0);
        assertEquals(0, count("streamlearn.labels", "outcome", "unmatched"), 0.0);
        assertTrue(deadLetters.isEmpty());
        // The window counts them labeled.
        sendReading("press-01", reading("press-01", null, T0 + 20_000, 30, 1, null, null), 1_002);
        JsonNode window = JSON.readTree(metrics.readValue());
        assertEquals(2, window.get("labeled").asLong());
    }

    /** A label whose reading never comes is dead-lettered when its label.max.delay of stream time is up, not before. */
    @Test
    void aLabelWhoseReadingNeverComesIsDeadLetteredOnlyWhenLabelMaxDelayOfStreamTimeIsUp() throws Exception {
        start("global", 1, Duration.ofMinutes(1));
        String never = labelById("press-01", "r-9", "normal");
        org.apache.kafka.common.header.internals.RecordHeaders headers = new org.apache.kafka.common.header.internals.RecordHeaders();
        headers.add("trace", "t-1".getBytes(StandardCharsets.UTF_8));
        labels.pipeInput(new TestRecord<>("press-01", never.getBytes(StandardCharsets.UTF_8), headers, Instant.ofEpochMilli(1_000)));
        String expiresAtItsReading = labelById("press-01", "r-5", "normal");
        sendLabel("press-01", expiresAtItsReading, 2_000);
        sendReading("press-01", reading("press-01", "r-0", T0, 30, 1, null, null), 61_000);
        assertTrue(deadLetters.isEmpty(), "r-9's label has waited 60 s: not yet");
        assertEquals(2, waitingLabels("default"), 0.0);

        // r-5 comes 60.001 s after its label: too late, the reading is predicted unlabeled, the label dead-lettered.
        sendReading("press-01", reading("press-01", "r-5", T0 + 1, 30, 1, null, null), 62_001);
        List<String> predicted = predictions.readValuesToList().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
        assertFalse(JSON.readTree(predicted.get(1)).has("label"), predicted.get(1));
        assertEquals(0, model("default").model().modelVersion());
        assertEquals(2, waiting("default"), 0.0, "r-0 and r-5 wait for a late label");

        // The stream-time sweep takes r-9's label.
        sendReading("press-01", reading("press-01", "r-6", T0 + 2, 30, 1, null, null), 90_000);
        List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
        assertEquals(2, dead.size());
        java.util.Map<String, TestRecord<byte[], byte[]>> byValue = new java.util.HashMap<>();
        dead.forEach(d -> byValue.put(new String(d.value(), StandardCharsets.UTF_8), d));
        assertEquals(java.util.Set.of(never, expiresAtItsReading), byValue.keySet(), "the labels' own bytes");
        for (TestRecord<byte[], byte[]> d : dead) {
            assertEquals("unmatched_label", header(d, DeadLetterHandler.REASON_HEADER));
            assertEquals("press-01", new String(d.key(), StandardCharsets.UTF_8), "the label's own key");
            assertEquals("sensor-labels", header(d, DeadLetterHandler.TOPIC_HEADER));
            assertEquals("0", header(d, DeadLetterHandler.PARTITION_HEADER));
            assertEquals(RejectedReadingException.class.getName(), header(d, DeadLetterHandler.EXCEPTION_HEADER));
            assertTrue(header(d, DeadLetterHandler.MESSAGE_HEADER).contains("label.max.delay"), header(d, DeadLetterHandler.MESSAGE_HEADER));
        }
        assertEquals("0", header(byValue.get(never), DeadLetterHandler.OFFSET_HEADER));
        assertEquals("1", header(byValue.get(expiresAtItsReading), DeadLetterHandler.OFFSET_HEADER));
        assertEquals("t-1", header(byValue.get(never), "trace"), "the label's own headers");
        assertEquals(2, count("streamlearn.labels", "outcome", "unmatched"), 0.0);
        assertEquals(0, count("streamlearn.labels", "outcome", "early"), 0.0);
        assertEquals(0, waitingLabels("default"), 0.0);
        assertEquals(0, model("default").model().modelVersion(), "an unmatched label never touches the model");
    }

    /** Waiting labels are bounded (label.max.pending per task); the oldest makes room, dead-lettered then. */
    @Test
    void waitingLabelsAreBoundedAndTheOldestIsDeadLetteredToMakeRoom() throws Exception {
        start("sensor", 1, Duration.ofHours(1), 2);
        String a = labelById("press-01", "a", "normal");
        sendLabel("press-01", a, 1_000);
        sendLabel("press-02", labelById("press-02", "b", "warning"), 1_001);
        assertTrue(deadLetters.isEmpty());
        sendLabel("press-01", labelById("press-01", "c", "critical"), 1_002);
        TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
        assertEquals(a, new String(dead.value(), StandardCharsets.UTF_8), "the oldest waiting label makes room");
        assertEquals("unmatched_label", header(dead, DeadLetterHandler.REASON_HEADER));
        assertTrue(header(dead, DeadLetterHandler.MESSAGE_HEADER).contains("label.max.pending"), header(dead, DeadLetterHandler.MESSAGE_HEADER));
        assertTrue(deadLetters.isEmpty());
        assertEquals(1, waitingLabels("press-01"), 0.0);
        assertEquals(1, waitingLabels("press-02"), 0.0);
        // Readings wait under a bound of their own: three unlabeled readings, two of them taken by their labels.
        sendReading("press-01", reading("press-01", "a", T0, 30, 1, null, null), 1_003);
        sendReading("press-02", reading("press-02", "b", T0, 45, 3, null, null), 1_004);
        sendReading("press-01", reading("press-01", "c", T0 + 1, 70, 6, null, null), 1_005);
        assertEquals(1, model("press-01").model().modelVersion(), "c trained, a did not");
        assertEquals(1, model("press-02").model().modelVersion());
        assertEquals(1, waiting("press-01"), 0.0, "a waits for a late label");
        assertEquals(2, count("streamlearn.labels", "outcome", "early"), 0.0);
        assertEquals(1, count("streamlearn.labels", "outcome", "unmatched"), 0.0);
        assertTrue(deadLetters.isEmpty());
    }

    /** Through the repartition topics too: the label waits in its model's task, and is dead-lettered as sent. */
    @Test
    void anEarlyLabelFindsItsReadingThroughTheRepartitionOfAGlobalModel() throws Exception {
        start("global", 4, Duration.ofMinutes(1));
        for (int s = 0; s < 4; s++) {
            sendLabel("press-0" + s, labelById("press-0" + s, "r-" + s, LABELS[s % 3]), 1_000 + s);
        }
        sendLabel("press-02", labelById("press-02", "gone", "normal"), 1_010);
        for (int s = 0; s < 4; s++) {
            sendReading("press-0" + s, reading("press-0" + s, "r-" + s, T0 + s, 30 + 10 * s, 1 + s, null, null), 2_000 + s);
        }
        assertEquals(4, model("default").model().modelVersion());
        assertTrue(deadLetters.isEmpty());
        sendReading("press-01", reading("press-01", "r-9", T0 + 9, 30, 1, null, null), 100_000);
        TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
        assertEquals(labelById("press-02", "gone", "normal"), new String(dead.value(), StandardCharsets.UTF_8));
        assertEquals("press-02", new String(dead.key(), StandardCharsets.UTF_8), "the key the label was sent with");
        assertEquals("sensor-labels", header(dead, DeadLetterHandler.TOPIC_HEADER), "the topic it was sent to");
        assertNull(header(dead, DeadLetterHandler.ORIGIN_HEADER), "internal headers stay internal");
        assertNull(header(dead, DeadLetterHandler.ORIGIN_KEY_HEADER));
    }
}
