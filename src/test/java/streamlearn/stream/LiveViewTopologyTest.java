package streamlearn.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.model.Reading;

/**
 * The HTTP endpoint's view of a running task ({@link LiveView}): a prediction on request is,
 * byte for byte, the prediction the topic gets when the same reading comes next, for models in
 * memory and for models that left the cache (read from the store); an unknown model is said; the
 * summaries list every model with its windows; a closed task answers nothing.
 */
class LiveViewTopologyTest {
    private static final ModelSpec SPEC = SpecJson.defaultSpec();

    @Test
    void predictionsOnRequestAreTheNextPredictionsOfTheTopic() throws Exception {
        LearnerSettings settings = new LearnerSettings(SPEC, ModelKey.parse("sensor"), Topics.DEFAULT,
                Duration.ofSeconds(1), Duration.ofSeconds(30), 1, ReadingParser.DEFAULT_MAX_BYTES,
                LearnerSettings.DEFAULT_LABEL_MAX_DELAY, LearnerSettings.DEFAULT_LABEL_MAX_PENDING, new SimpleMeterRegistry())
                .withScale(3, 10, 100);
        LiveView view = new LiveView(SPEC);
        Properties base = new Properties();
        base.put(StreamsConfig.APPLICATION_ID_CONFIG, "live-view-test");
        base.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        TopologyTestDriver driver = new TopologyTestDriver(LearnerTopology.build(settings, view),
                LearnerTopology.streamsProperties(settings, base), Instant.ofEpochMilli(0));
        TestInputTopic<String, byte[]> readings = driver.createInputTopic("sensor-readings", new StringSerializer(),
                new ByteArraySerializer());
        TestOutputTopic<String, byte[]> predictions = driver.createOutputTopic("sensor-predictions", new StringDeserializer(),
                new ByteArrayDeserializer());
        ReadingParser parser = new ReadingParser(SPEC, null, ReadingParser.DEFAULT_MAX_BYTES);
        Random random = new Random(1);
        int sensors = 10;
        long t = 1_000;
        int compared = 0;
        int inMemory = 0;
        try {
            assertEquals(LiveView.Found.NOT_RUNNING_HERE, view.predict(1, "press-00", reading(parser, "press-00", t, null)).found());
            for (int round = 0; round < 60; round++) {
                for (int s = 0; s < sensors; s++) {
                    String sensor = String.format("press-%02d", s);
                    String label = random.nextInt(10) == 0 ? null : new String[] {"normal", "warning", "critical"}[random.nextInt(3)];
                    byte[] json = json(sensor, t, random, label);
                    int mode = (round + s) % 3;
                    if (round > 0 && mode == 1) {
                        // Sensor s's model comes into memory (the cache holds the last three sensors that sent).
                        readings.pipeInput(sensor, json(sensor, t, random, "normal"), t);
                        predictions.readValue();
                        t += 1;
                    }
                    if (round > 0 && mode != 2) {
                        // Sensor s's model: in memory (mode 1) or read from the store (mode 0: it left the cache).
                        Reading reading = new Reading(SPEC.features().size());
                        parser.parse(json, reading);
                        LiveView.Prediction asked = view.predict(0, sensor, reading);
                        assertEquals(LiveView.Found.PREDICTED, asked.found());
                        readings.pipeInput(sensor, json, t);
                        assertEquals(new String(predictions.readValue(), StandardCharsets.UTF_8),
                                new String(asked.json(), StandardCharsets.UTF_8), "round " + round + ", " + sensor);
                        compared++;
                        inMemory += mode == 1 ? 1 : 0;
                    } else {
                        readings.pipeInput(sensor, json, t);
                        predictions.readValue();
                    }
                    t += 37;
                }
            }
            assertTrue(compared > 300 && inMemory > 150, "compared " + compared + ", " + inMemory + " in memory");
            assertEquals(3, view.modelsInMemory(), "the cache's models are published, no more");
            assertEquals(LiveView.Found.UNKNOWN_MODEL, view.predict(0, "press-99", reading(parser, "press-99", t, null)).found());

            assertEquals(sensors, view.summaries().all().size());
            ModelSummaries.Summary summary = view.summaries().get("press-04");
            assertNotNull(summary.last(), "press-04 closed windows");
            assertTrue(summary.windows().size() > 5 && summary.windows().size() <= ModelSummaries.WINDOWS_KEPT);
            assertTrue(summary.lastReading() > 1_000 && summary.modelVersion() > 0);
            // The default spec is a pool: each window has its champion and every candidate's weight at its close.
            for (ModelSummaries.Window w : summary.windows()) {
                assertEquals(SPEC.candidateNames(), w.candidates(), "the pool's candidates, main first");
                assertTrue(w.candidates().contains(w.champion()), w.champion());
                assertEquals(1.0, java.util.Arrays.stream(w.candidateWeight()).sum(), 1e-9);
                assertEquals(w.candidates().size(), w.candidateLoss().length);
            }
            assertTrue(!view.summaries().series().isEmpty());
        } finally {
            driver.close();
        }
        assertEquals(LiveView.Found.NOT_RUNNING_HERE, view.predict(0, "press-00", reading(parser, "press-00", t, null)).found());
        assertEquals(0, view.modelsInMemory());
        assertEquals(0, view.summaries().all().size(), "the task's models leave with it");
    }

    private static byte[] json(String sensor, long t, Random random, String label) {
        double temperature = 20 + random.nextDouble() * 60;
        double vibration = 0.5 + random.nextDouble() * 6;
        return ("{\"sensorId\":\"" + sensor + "\",\"timestamp\":" + t + ",\"features\":{\"temperature\":" + temperature
                + ",\"vibration\":" + vibration + "}" + (label == null ? "" : ",\"label\":\"" + label + "\"") + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static Reading reading(ReadingParser parser, String sensor, long t, String label) throws Exception {
        Reading reading = new Reading(SPEC.features().size());
        parser.parse(json(sensor, t, new Random(0), label), reading);
        return reading;
    }
}
