package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.stream.LearnerSettings;
import streamlearn.stream.LearnerTopology;
import streamlearn.stream.LiveView;
import streamlearn.stream.ModelKey;
import streamlearn.stream.Topics;

/**
 * The JSON of {@code GET /models} and {@code GET /models/{id}} for a pool of candidates (the
 * default spec) and for a single network (specs/single.json): the pool's entry names its champion
 * and each of its windows the champion and every candidate's loss and weight, as the metrics topic
 * has them; the single network's has a null champion and windows without candidates; the fields
 * that were there before come first, in their order.
 */
class ModelsJsonTest {
    /** The fields of an entry, and of a window, before the champion came: first, in this order. */
    private static final List<String> ENTRY_FIELDS = List.of("id", "instance", "partition", "modelVersion", "accuracy", "loss",
            "recall", "drifts", "windowDrifts", "lastReading", "windowEnd", "records", "labeled");
    private static final List<String> WINDOW_FIELDS = List.of("start", "end", "records", "labeled", "loss", "accuracy",
            "recall", "drifts", "modelVersion");

    @Test
    void aPoolsEntryHasItsChampionAndItsWindowsTheCandidatesWeights() throws Exception {
        ObjectNode m = modelJson(SpecJson.defaultSpec());
        assertEquals(ENTRY_FIELDS, fields(m).subList(0, ENTRY_FIELDS.size()), m.toString());
        assertTrue(List.of("main", "linear", "wide").contains(m.get("champion").asText()), m.toString());
        JsonNode windows = m.get("windows");
        assertTrue(windows.size() > 5, m.toString());
        for (JsonNode w : windows) {
            assertEquals(WINDOW_FIELDS, fields(w).subList(0, WINDOW_FIELDS.size()), w.toString());
            assertEquals(List.of("champion", "candidates"), fields(w).subList(WINDOW_FIELDS.size(), WINDOW_FIELDS.size() + 2));
            JsonNode candidates = w.get("candidates");
            assertEquals(List.of("main", "linear", "wide"), fields(candidates), w.toString());
            double sum = 0;
            for (JsonNode c : candidates) {
                assertEquals(List.of("loss", "weight"), fields(c));
                assertTrue(c.get("loss").isNumber(), "every window here had labels: " + w);
                sum += c.get("weight").asDouble();
            }
            assertEquals(1.0, sum, 1e-9, "the weights are the mixture's: " + w);
            assertTrue(candidates.has(w.get("champion").asText()), w.toString());
        }
        JsonNode last = windows.get(windows.size() - 1);
        assertEquals(last.get("champion"), m.get("champion"), "the entry's champion is the last window's");
        double championWeight = last.get("candidates").get(last.get("champion").asText()).get("weight").asDouble();
        for (JsonNode c : last.get("candidates")) {
            assertTrue(c.get("weight").asDouble() <= championWeight, "the champion leads: " + last);
        }
    }

    @Test
    void aSingleNetworksEntryHasNoChampionAndItsWindowsNoCandidates() throws Exception {
        ModelSpec single = SpecJson.parse(Files.readString(Path.of("specs/single.json")));
        assertFalse(single.hasCandidates());
        ObjectNode m = modelJson(single);
        assertEquals(ENTRY_FIELDS, fields(m).subList(0, ENTRY_FIELDS.size()), m.toString());
        assertTrue(m.has("champion") && m.get("champion").isNull(), m.toString());
        assertTrue(m.get("windows").size() > 5, m.toString());
        for (JsonNode w : m.get("windows")) {
            assertEquals(WINDOW_FIELDS, fields(w), "no champion, no candidates: " + w);
        }
    }

    /** The {@code GET /models/press-01} answer after 40 one-second windows of four sensors, every reading labeled. */
    private static ObjectNode modelJson(ModelSpec spec) {
        LearnerSettings settings = new LearnerSettings(spec, ModelKey.parse("sensor"), Topics.DEFAULT,
                Duration.ofSeconds(1), Duration.ofSeconds(30), 1, ReadingParser.DEFAULT_MAX_BYTES,
                LearnerSettings.DEFAULT_LABEL_MAX_DELAY, LearnerSettings.DEFAULT_LABEL_MAX_PENDING, new SimpleMeterRegistry());
        LiveView view = new LiveView(spec);
        Properties base = new Properties();
        base.put(StreamsConfig.APPLICATION_ID_CONFIG, "models-json-test");
        base.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(LearnerTopology.build(settings, view),
                LearnerTopology.streamsProperties(settings, base), Instant.ofEpochMilli(0))) {
            TestInputTopic<String, byte[]> readings = driver.createInputTopic("sensor-readings", new StringSerializer(),
                    new ByteArraySerializer());
            Random random = new Random(3);
            String[] classes = {"normal", "warning", "critical"};
            for (long t = 1_000; t < 41_000; t += 50) {
                for (int s = 0; s < 4; s++) {
                    String sensor = "press-0" + s;
                    int c = random.nextInt(3);
                    double temperature = 30 + 20 * c + random.nextDouble() * 10;
                    double vibration = 1 + 2 * c + random.nextDouble();
                    readings.pipeInput(sensor, ("{\"sensorId\":\"" + sensor + "\",\"timestamp\":" + t
                            + ",\"features\":{\"temperature\":" + temperature + ",\"vibration\":" + vibration
                            + "},\"label\":\"" + classes[c] + "\"}").getBytes(StandardCharsets.UTF_8), t);
                }
            }
            LearnerHttpApi api = new LearnerHttpApi(null, view, settings, new HostInfo("127.0.0.1", 9404),
                    System::currentTimeMillis);
            assertNotNull(view.summaries().get("press-01"));
            return api.summaryJson(view.summaries().get("press-01"), true);
        }
    }

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
