package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import streamlearn.stream.DeadLetterHandler;
import streamlearn.stream.Topics;

/**
 * Late labels on a real broker, as issue #13 asks: 20,000 unlabeled readings with ids, then
 * their labels shuffled on the labels topic, 5% missing, and 200 labels for readings that never
 * existed. The topics are those of topics.json (four partitions) and the model is global, so
 * readings and labels both go through their repartition topics to the model's one task. Every
 * reading is predicted exactly once; the matched labels, the model's updates and
 * {@code streamlearn_labels_total{outcome="matched"}} are one number; each unmatched label is in
 * the dead-letter topic once, with its reason, its key and its topic.
 */
class LateLabelsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int READINGS = 20_000;
    private static final int BOGUS = 200;
    @RegisterExtension
    static final BrokerExtension broker = new BrokerExtension();

    @Test
    @Timeout(240)
    void labelsSentLaterTrainTheModelOnceEachAndTheRestAreDeadLettered(@TempDir Path state) throws Exception {
        long began = System.nanoTime();
        String bootstrap = broker.bootstrapServers();
        Topics topics = KafkaTestSupport.uniqueTopics("late");
        KafkaTestSupport.createTopics(bootstrap, topics, 0);

        LateLabelStream stream = LateLabelStream.generate(21, READINGS, 1, 1, 0.05, 0);
        List<ProducerRecord<String, byte[]>> readings = new ArrayList<>();
        List<ProducerRecord<String, byte[]>> labels = new ArrayList<>();
        for (LateLabelStream.Line line : stream.lines) {
            (line.label() ? labels : readings).add(new ProducerRecord<>(line.label() ? topics.labels() : topics.readings(),
                    line.sensorId(), line.bytes()));
        }
        Set<String> bogus = new HashSet<>();
        Random random = new Random(21);
        for (int i = 0; i < BOGUS; i++) {
            String sensor = SensorReadingGenerator.sensorId(random.nextInt(16));
            String id = "never-" + i;
            bogus.add(id);
            labels.add(new ProducerRecord<>(topics.labels(), sensor, LateLabelStream.label(sensor, id, random.nextInt(3))
                    .getBytes(StandardCharsets.UTF_8)));
        }
        Collections.shuffle(labels, random);
        int real = stream.labels;
        assertEquals(READINGS, readings.size());
        assertTrue(real > READINGS * 0.94 && real < READINGS * 0.96, "5% of the labels missing: " + real);

        Map<String, String> config = KafkaTestSupport.learnerConfig(bootstrap, topics, "late-it", state,
                KafkaTestSupport.freePort());
        // Labels for nothing are dead-lettered when label.max.delay is up: 10 minutes, so that a label
        // record stamped past it is one the broker takes, at most an hour ahead of its clock.
        config.put("label.max.delay", "10m");
        try (LearnerApp app = LearnerApp.start(StreamlearnConfig.of(config))) {
            assertTrue(app.settings().needsRepartition(), "four partitions, one global model");
            KafkaTestSupport.produce(bootstrap, readings);
            List<ConsumerRecord<String, byte[]>> predictions = KafkaTestSupport.readUntil(bootstrap, topics.predictions(),
                    all -> all.size() >= READINGS, Duration.ofSeconds(120));
            assertEquals(READINGS, predictions.size());
            PrometheusText before = new PrometheusText(app.registry().scrape());
            assertEquals(READINGS, before.sum("streamlearn_pending_readings", "model=\"default\""), 0.0,
                    "every reading waits for its label");

            // Then the labels, shuffled: each finds its reading whatever the order.
            KafkaTestSupport.produce(bootstrap, labels);
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            PrometheusText metrics = before;
            while (System.nanoTime() < deadline) {
                metrics = new PrometheusText(app.registry().scrape());
                // The labels for readings that never existed wait for them, and are dead-lettered
                // when their label.max.delay is up, below.
                if (metrics.sum("streamlearn_labels_total", "outcome=\"matched\"") >= real
                        && metrics.sum("streamlearn_waiting_labels", "model=\"default\"") >= BOGUS) {
                    break;
                }
                Thread.sleep(200);
            }
            assertEquals(BOGUS, metrics.sum("streamlearn_waiting_labels", "model=\"default\""), 0.0,
                    "the labels of readings that never existed wait for them");
            assertEquals(0, metrics.sum("streamlearn_labels_total", "outcome=\"unmatched\""), 0.0, "until their time is up");
            PrometheusText waitingMetrics = metrics;
            // A label record stamped more than label.max.delay on moves the learner's stream time past it.
            KafkaTestSupport.produce(bootstrap, List.of(new ProducerRecord<>(topics.labels(), null,
                    System.currentTimeMillis() + Duration.ofMinutes(10).plusSeconds(11).toMillis(), "press-00",
                    LateLabelStream.label("press-00", "tick", 0).getBytes(StandardCharsets.UTF_8))));
            List<ConsumerRecord<String, byte[]>> dead = KafkaTestSupport.readUntil(bootstrap, topics.deadLetters(),
                    all -> all.size() >= BOGUS, Duration.ofSeconds(60));
            deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                metrics = new PrometheusText(app.registry().scrape());
                if (metrics.sum("streamlearn_labels_total", "outcome=\"unmatched\"") >= BOGUS) {
                    break;
                }
                Thread.sleep(200);
            }
            Map<String, Long> versions = Map.of("default", (long) real);
            var snapshots = KafkaTestSupport.awaitSnapshots(bootstrap, topics.models(), versions, Duration.ofSeconds(30));
            Thread.sleep(1000); // anything more would show up as a duplicate
            predictions = KafkaTestSupport.readUntil(bootstrap, topics.predictions(), all -> false, Duration.ofSeconds(3));

            // Every reading predicted exactly once, with its id.
            Map<String, Integer> predicted = new HashMap<>();
            for (ConsumerRecord<String, byte[]> p : predictions) {
                JsonNode json = JSON.readTree(p.value());
                predicted.merge(json.get("id").asText(), 1, Integer::sum);
                assertTrue(!json.has("label"), "predicted before any label came: " + json);
            }
            assertEquals(READINGS, predictions.size(), "one prediction per reading, none for a label");
            assertEquals(stream.truth.keySet(), predicted.keySet());

            // Matched labels = updates = streamlearn_labels_total{matched}.
            double matched = metrics.sum("streamlearn_labels_total", "outcome=\"matched\"");
            double unmatched = metrics.sum("streamlearn_labels_total", "outcome=\"unmatched\"");
            assertEquals(real, matched, 0.0, "every label of a reading found it");
            assertEquals(BOGUS, unmatched, 0.0);
            assertEquals(1, metrics.sum("streamlearn_waiting_labels", "model=\"default\""), 0.0, "only the tick waits");
            assertEquals(real, snapshots.get("default").modelVersion(), "one update per matched label");
            assertEquals(real, metrics.sum("streamlearn_model_version", "model=\"default\""), 0.0);
            assertEquals(READINGS - real, waitingMetrics.sum("streamlearn_pending_readings", "model=\"default\""), 0.0,
                    "the readings whose label never came still wait (until the tick)");
            assertEquals(real, metrics.sum("streamlearn_label_delay_seconds_count", ""), 0.0);
            assertEquals(READINGS, metrics.sum("streamlearn_records_total", "outcome=\"predicted\""), 0.0);

            // Each unmatched label in the dead-letter topic once, as it was sent.
            Set<String> deadIds = new HashSet<>();
            for (ConsumerRecord<String, byte[]> d : dead) {
                JsonNode json = JSON.readTree(d.value());
                assertTrue(deadIds.add(json.get("id").asText()), "dead-lettered twice: " + json);
                assertEquals(json.get("sensorId").asText(), d.key(), "the key it was sent with");
                assertEquals("unmatched_label", header(d, DeadLetterHandler.REASON_HEADER));
                assertEquals(topics.labels(), header(d, DeadLetterHandler.TOPIC_HEADER));
            }
            assertEquals(bogus, deadIds);

            KafkaTestSupport.figure("LateLabelsIT", String.format("%,d unlabeled readings, then %,d labels shuffled (%,d for "
                            + "readings, %,d missing, %d for readings that never existed) on 4 partitions through the "
                            + "repartition topics: %,d predictions (each reading once), matched %.0f = model updates %d = "
                            + "streamlearn_labels_total{matched}, unmatched %.0f, each in the dead-letter topic once; "
                            + "still waiting %.0f; test %d s", READINGS, labels.size(), real, READINGS - real, BOGUS,
                    predictions.size(), matched, snapshots.get("default").modelVersion(), unmatched,
                    waitingMetrics.sum("streamlearn_pending_readings", ""), (System.nanoTime() - began) / 1_000_000_000));
        }
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
