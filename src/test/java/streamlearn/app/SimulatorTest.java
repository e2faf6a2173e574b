package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

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
}
