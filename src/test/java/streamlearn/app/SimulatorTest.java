package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulator's late labels ({@code --label-delay}): readings unlabeled with ids, each label after its reading, some never. */
class SimulatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<ProducerRecord<String, byte[]>> run(Duration labelDelay, int count) {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        new Simulator(producer, "readings", 42, 16, 20_000, count, 0.1, -1, 0, "labels", labelDelay).run();
        return producer.history();
    }

    @Test
    void withALabelDelayReadingsGoOutUnlabeledAndTheirLabelsFollowOnTheLabelsTopic() throws Exception {
        List<ProducerRecord<String, byte[]>> sent = run(Duration.ofMillis(50), 3_000);
        Map<String, Integer> readAt = new HashMap<>();
        int labels = 0;
        long waitedReadings = 0;
        for (int i = 0; i < sent.size(); i++) {
            ProducerRecord<String, byte[]> r = sent.get(i);
            JsonNode json = JSON.readTree(r.value());
            assertEquals(json.get("sensorId").asText(), r.key(), "keyed by sensorId");
            if (r.topic().equals("readings")) {
                assertFalse(json.has("label"), "a reading goes out unlabeled");
                readAt.put(json.get("id").asText(), i);
            } else {
                assertEquals("labels", r.topic());
                Integer reading = readAt.get(json.get("id").asText());
                assertTrue(reading != null && reading < i, "a label follows its reading: " + json);
                assertTrue(List.of(SensorReadingGenerator.CLASSES).contains(json.get("label").asText()));
                assertNull(json.get("features"));
                labels++;
                waitedReadings += i - reading;
            }
        }
        assertEquals(3_000, readAt.size(), "every reading, with an id of its own");
        assertTrue(labels > 2_550 && labels < 2_850, "about 90% get their label, the rest never: " + labels);
        assertTrue(waitedReadings / labels > 10, "labels come readings later, not right after: " + waitedReadings / labels);
    }

    @Test
    void withoutALabelDelayTheReadingsAreTheOnesTheyAlwaysWere() throws Exception {
        List<ProducerRecord<String, byte[]>> inline = run(null, 500);
        List<ProducerRecord<String, byte[]>> late = run(Duration.ofMillis(10), 500);
        assertEquals(500, inline.size());
        List<ProducerRecord<String, byte[]>> lateReadings = late.stream().filter(r -> r.topic().equals("readings")).toList();
        for (int i = 0; i < 500; i++) {
            JsonNode a = JSON.readTree(inline.get(i).value());
            JsonNode b = JSON.readTree(lateReadings.get(i).value());
            assertEquals(a.get("features"), b.get("features"), "reading " + i);
            assertFalse(a.has("id"));
        }
    }

    @Test
    void outputFileReplaysWithNothingRejectedAndTheLateLabelsMatched(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sim.jsonl");
        ReplayCommandTest.Run simulate = ReplayCommandTest.main("simulate", "--output", file.toString(), "--count", "3000",
                "--rate", "500", "--label-delay", "2s", "--seed", "7");
        assertEquals(0, simulate.code(), simulate.err());
        List<String> lines = Files.readAllLines(file);
        long labelLines = lines.stream().filter(l -> !l.contains("\"features\"")).count();
        assertEquals(List.of("wrote 3000 readings and " + labelLines + " late labels to " + file), simulate.outLines());
        assertEquals(3000 + labelLines, lines.size());
        assertTrue(labelLines > 2_550 && labelLines < 2_850, "about 90% get a late label: " + labelLines);
        // Arrival order: the labels are among the readings (up to 2 s = 1,000 readings later), not all at the end.
        int firstLabel = 0;
        while (lines.get(firstLabel).contains("\"features\"")) {
            firstLabel++;
        }
        assertTrue(firstLabel < 1_100, "the first label comes within its delay: line " + firstLabel);
        Map<String, Integer> readingLine = new HashMap<>();
        long lastTimestamp = Long.MIN_VALUE;
        for (int i = 0; i < lines.size(); i++) {
            JsonNode json = JSON.readTree(lines.get(i));
            if (json.has("features")) {
                readingLine.put(json.get("id").asText(), i);
                long t = json.get("timestamp").asLong();
                assertTrue(lastTimestamp == Long.MIN_VALUE || t - lastTimestamp == 2 || t - lastTimestamp == 1,
                        "1/rate apart: " + lastTimestamp + " then " + t);
                lastTimestamp = t;
            } else {
                Integer at = readingLine.get(json.get("id").asText());
                assertTrue(at != null && at < i, "a label after its reading: " + lines.get(i));
            }
        }
        assertTrue(lastTimestamp <= System.currentTimeMillis(), "no reading dated in the future");

        ReplayCommandTest.Run replay = ReplayCommandTest.main("replay", "--input", file.toString());
        assertEquals(0, replay.code(), replay.err());
        assertEquals("", replay.err(), "no bad line, no unmatched label");
        JsonNode summary = replay.summary();
        assertEquals(3000 + labelLines, summary.get("records").asLong());
        assertEquals(0, summary.get("rejected").asLong());
        assertEquals(labelLines, summary.get("matchedLabels").asLong());
        assertEquals(0, summary.get("unmatchedLabels").asLong());
        assertEquals(labelLines, summary.get("labeled").asLong());
    }

    @Test
    void outputNeedsACount(@TempDir Path dir) {
        ReplayCommandTest.Run run = ReplayCommandTest.main("simulate", "--output", dir.resolve("x.jsonl").toString());
        assertEquals(2, run.code());
        assertEquals("streamlearn: simulate: --output needs --count (a file does not run until Ctrl-C)\n", run.err());
    }
}
