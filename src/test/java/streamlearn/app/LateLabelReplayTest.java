package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;
import streamlearn.stream.LearnerSettings;
import streamlearn.stream.LearnerTopology;
import streamlearn.stream.ModelKey;
import streamlearn.stream.Topics;

/**
 * {@code replay} with late labels is the stream's learner: over the same arrival order of readings
 * and labels, the same predictions byte for byte, the same unmatched labels, and the same final
 * model; and its own reporting of late-label lines (by timestamp, unmatched, malformed).
 */
class LateLabelReplayTest {
    /** The driver's wall clock at start: after the readings' event times (else they lie in the future). */
    private static final long WALL_CLOCK = 1_800_000_000_000L;
    @TempDir
    Path dir;

    @Test
    void replayAndTheStreamAreTheSameLearnerOverTheSameArrivalOrder() throws Exception {
        LateLabelStream stream = LateLabelStream.generate(7, 6_000, 1, 400, 0.05, 0.01);
        Path input = Files.write(dir.resolve("in.jsonl"), stream.jsonLines());
        Path output = dir.resolve("out.jsonl");
        Path model = dir.resolve("model.json");
        ReplayCommandTest.Run run = ReplayCommandTest.main("replay", "--input", input.toString(),
                "--output", output.toString(), "--model", model.toString());
        assertEquals(0, run.code(), run.err());

        try (Stream learner = Stream.open("replay-vs-stream", dir.resolve("state"))) {
            TestInputTopic<String, byte[]> readings = learner.readings;
            TestInputTopic<String, byte[]> labels = learner.labels;
            TestOutputTopic<String, byte[]> predictions = learner.predictions;
            TestOutputTopic<byte[], byte[]> dead = learner.dead;
            TestOutputTopic<String, byte[]> models = learner.models;
            // Record timestamps as replay sees them: a reading's own, and a label's the stream time it comes at.
            long time = 0;
            for (LateLabelStream.Line line : stream.lines) {
                if (line.label()) {
                    labels.pipeInput(line.sensorId(), line.bytes(), time);
                } else {
                    time = Readings.timestamp(line.json());
                    readings.pipeInput(line.sensorId(), line.bytes(), time);
                }
            }
            List<String> streamed = predictions.readValuesToList().stream()
                    .map(b -> new String(b, StandardCharsets.UTF_8)).toList();
            assertEquals(Files.readAllLines(output), streamed, "the same predictions, byte for byte");
            // Labels of readings that never came are dead-lettered when their label.max.delay of
            // stream time is up: a label record an hour on moves it.
            assertTrue(dead.isEmpty());
            labels.pipeInput("press-00", LateLabelStream.label("press-00", "tick", 0).getBytes(StandardCharsets.UTF_8),
                    time + LearnerSettings.DEFAULT_LABEL_MAX_DELAY.toMillis() + 10_001);
            assertEquals(stream.bogus, dead.readRecordsToList().size(), "the same labels unmatched");
            learner.driver.advanceWallClockTime(Duration.ofSeconds(31));
            assertEquals(Files.readString(model).strip(), new String(models.readValue(), StandardCharsets.UTF_8),
                    "the same final model");
        }
        JsonNode summary = run.summary();
        assertEquals(stream.labels, summary.get("matchedLabels").asLong());
        assertEquals(stream.labels, summary.get("modelVersion").asLong());
    }

    /**
     * Labels before their readings. A tenth of the labels of the stream above is moved
     * before its reading (up to 50 lines, the first one before the first reading): replay and the
     * stream find each one when its reading comes, and make the same predictions and the same model.
     */
    @Test
    void labelLinesBeforeTheirReadingsAreMatchedAsTheStreamMatchesThem() throws Exception {
        LateLabelStream stream = LateLabelStream.generate(11, 3_000, 1, 200, 0.05, 0.01);
        List<LateLabelStream.Line> lines = new java.util.ArrayList<>(stream.lines);
        java.util.Random random = new java.util.Random(11);
        int early = 0;
        for (int i = 0; i < lines.size(); i++) {
            LateLabelStream.Line line = lines.get(i);
            if (!line.label() || !line.json().contains("\"r-") || (early > 0 && random.nextInt(10) != 0)) {
                continue;
            }
            String id = line.json().substring(line.json().indexOf("\"id\":\"") + 6, line.json().indexOf("\",\"label\""));
            int reading = -1;
            for (int j = 0; j < i; j++) {
                if (!lines.get(j).label() && lines.get(j).json().contains("\"id\":\"" + id + "\"")) {
                    reading = j;
                    break;
                }
            }
            lines.remove(i);
            lines.add(early == 0 ? 0 : Math.max(0, reading - random.nextInt(50)), line);
            early++;
        }
        assertTrue(!lines.get(0).label() || lines.get(0).json().contains("\"r-"), "the first line is an early label");
        assertTrue(lines.get(0).label());
        Path input = Files.write(dir.resolve("early.jsonl"), lines.stream().map(LateLabelStream.Line::json).toList());
        Path output = dir.resolve("out.jsonl");
        Path model = dir.resolve("model.json");
        ReplayCommandTest.Run run = ReplayCommandTest.main("replay", "--input", input.toString(),
                "--output", output.toString(), "--model", model.toString());
        assertEquals(0, run.code(), run.err());
        JsonNode summary = run.summary();
        assertEquals(stream.labels, summary.get("matchedLabels").asLong(), "every label of a reading finds it: " + summary);
        assertEquals(stream.labels, summary.get("modelVersion").asLong(), summary.toString());
        assertEquals(stream.bogus, summary.get("unmatchedLabels").asLong(), "the labels of readings that never came");
        assertEquals(stream.bogus, run.errLines().size(), run.err());
        List<String> replayed = Files.readAllLines(output);
        long labeledInPredictions = replayed.stream().filter(p -> p.contains("\"label\":")).count();
        assertEquals(early, labeledInPredictions, "a reading whose label waited is predicted, then trained as if labeled inline");

        try (Stream learner = Stream.open("replay-vs-stream-early", dir.resolve("state"))) {
            TestInputTopic<String, byte[]> readings = learner.readings;
            TestInputTopic<String, byte[]> labels = learner.labels;
            TestOutputTopic<String, byte[]> predictions = learner.predictions;
            TestOutputTopic<byte[], byte[]> dead = learner.dead;
            TestOutputTopic<String, byte[]> models = learner.models;
            // A label's record time: the stream time it comes at (before the first reading, that reading's).
            long time = LateLabelStream.T0;
            for (LateLabelStream.Line line : lines) {
                if (line.label()) {
                    labels.pipeInput(line.sensorId(), line.bytes(), time);
                } else {
                    time = Readings.timestamp(line.json());
                    readings.pipeInput(line.sensorId(), line.bytes(), time);
                }
            }
            List<String> streamed = predictions.readValuesToList().stream()
                    .map(b -> new String(b, StandardCharsets.UTF_8)).toList();
            assertEquals(replayed, streamed, "the same predictions, byte for byte");
            assertTrue(dead.isEmpty(), "no label is dead-lettered before its time is up");
            learner.driver.advanceWallClockTime(Duration.ofSeconds(31));
            assertEquals(Files.readString(model).strip(), new String(models.readValue(), StandardCharsets.UTF_8),
                    "the same final model");
        }
    }

    @Test
    void lateLabelLinesByIdOrTimestampAndTheOnesThatFindNothingOrAreBad() throws Exception {
        List<String> lines = List.of(
                "{\"sensorId\":\"p1\",\"id\":\"a\",\"timestamp\":10,\"features\":{\"temperature\":30,\"vibration\":1}}",
                "{\"sensorId\":\"p1\",\"timestamp\":11,\"features\":{\"temperature\":70,\"vibration\":6}}",
                "{\"sensorId\":\"p1\",\"features\":{\"temperature\":45,\"vibration\":3},\"label\":\"warning\"}",
                "{\"sensorId\":\"p1\",\"timestamp\":11,\"label\":\"critical\"}",
                "{\"sensorId\":\"p1\",\"id\":\"a\",\"label\":\"normal\"}",
                "{\"sensorId\":\"p1\",\"id\":\"a\",\"label\":\"normal\"}",
                "{\"sensorId\":\"p1\",\"timestamp\":3,\"label\":\"warning\"}",
                "{\"sensorId\":\"p1\",\"id\":\"b\",\"label\":\"broken\"}",
                "{\"sensorId\":\"p1\",\"label\":\"normal\"}");
        Path input = Files.write(dir.resolve("in.jsonl"), lines);
        Path output = dir.resolve("out.jsonl");
        ReplayCommandTest.Run run = ReplayCommandTest.main("replay", "--input", input.toString(), "--output", output.toString());
        assertEquals(0, run.code(), run.err());
        JsonNode summary = run.summary();
        assertEquals(9, summary.get("records").asLong(), "every non-blank line");
        assertEquals(3, summary.get("labeled").asLong(), "one inline, two late");
        assertEquals(2, summary.get("matchedLabels").asLong());
        assertEquals(2, summary.get("unmatchedLabels").asLong(), "a second label for 'a', and one for the inline-labeled line 3");
        assertEquals(2, summary.get("rejected").asLong());
        assertEquals(3, summary.get("modelVersion").asLong());
        List<String> err = run.errLines();
        assertEquals(4, err.size(), run.err());
        // Lines 6 and 7 wait for a reading of their name, and are reported when the file ends without it.
        assertTrue(err.get(0).startsWith("replay: line 8 rejected (unknown_label)"), err.get(0));
        assertTrue(err.get(1).startsWith("replay: line 9 rejected (missing_field)"), err.get(1));
        assertTrue(err.get(2).startsWith("replay: line 6: late label unmatched (unmatched_label)"), err.get(2));
        assertTrue(err.get(3).startsWith("replay: line 7: late label unmatched (unmatched_label)"), err.get(3));
        List<String> predictions = Files.readAllLines(output);
        assertEquals(3, predictions.size(), "one prediction per reading, none per label");
        assertTrue(predictions.get(0).startsWith("{\"sensorId\":\"p1\",\"id\":\"a\",\"timestamp\":10,"), predictions.get(0));
    }

    /** The timestamp of a reading line of {@link LateLabelStream}. */
    private static final class Readings {
        static long timestamp(String json) {
            int at = json.indexOf("\"timestamp\":") + "\"timestamp\":".length();
            return Long.parseLong(json.substring(at, json.indexOf(',', at)));
        }
    }

    /** The learner's topology under TopologyTestDriver, with its topics: the stream replay is held against. */
    private static final class Stream implements AutoCloseable {
        final TopologyTestDriver driver;
        final TestInputTopic<String, byte[]> readings;
        final TestInputTopic<String, byte[]> labels;
        final TestOutputTopic<String, byte[]> predictions;
        final TestOutputTopic<byte[], byte[]> dead;
        final TestOutputTopic<String, byte[]> models;

        private Stream(TopologyTestDriver driver) {
            this.driver = driver;
            readings = driver.createInputTopic("sensor-readings", new StringSerializer(), new ByteArraySerializer());
            labels = driver.createInputTopic("sensor-labels", new StringSerializer(), new ByteArraySerializer());
            predictions = driver.createOutputTopic("sensor-predictions", new StringDeserializer(), new ByteArrayDeserializer());
            dead = driver.createOutputTopic("sensor-readings-dlq", new ByteArrayDeserializer(), new ByteArrayDeserializer());
            models = driver.createOutputTopic("learner-models", new StringDeserializer(), new ByteArrayDeserializer());
        }

        /** The default spec's global model; its own state directory, as another build may run this test at the same time. */
        static Stream open(String applicationId, Path stateDir) {
            LearnerSettings settings = new LearnerSettings(SpecJson.defaultSpec(), ModelKey.parse("global"), Topics.DEFAULT,
                    Duration.ofSeconds(10), Duration.ofSeconds(30), 1, ReadingParser.DEFAULT_MAX_BYTES,
                    LearnerSettings.DEFAULT_LABEL_MAX_DELAY, LearnerSettings.DEFAULT_LABEL_MAX_PENDING, new SimpleMeterRegistry());
            Properties base = new Properties();
            base.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
            base.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
            base.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
            return new Stream(new TopologyTestDriver(LearnerTopology.build(settings),
                    LearnerTopology.streamsProperties(settings, base), Instant.ofEpochMilli(WALL_CLOCK)));
        }

        @Override
        public void close() {
            driver.close();
        }
    }
}
