package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import streamlearn.format.ModelSnapshot;
import streamlearn.stream.DeadLetterHandler;
import streamlearn.stream.Topics;

/**
 * The whole learner on a real single-node KRaft broker with exactly-once: 50,000 readings of the
 * seeds' sensor stream in, every prediction, the metrics windows, a snapshot and /metrics out.
 */
class LearnerAppIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int READINGS = 50_000;
    private static final int BAD = 50;
    @RegisterExtension
    static final BrokerExtension broker = new BrokerExtension();

    @Test
    @Timeout(240)
    void learnsTheSensorStreamWithExactlyOnce(@TempDir Path state) throws Exception {
        String bootstrap = broker.bootstrapServers();
        Topics topics = KafkaTestSupport.uniqueTopics("full");
        // One partition: the readings reach the global model in event-time order, so the metrics
        // windows can be checked exactly (with more partitions a late reading counts in the open window).
        KafkaTestSupport.createTopics(bootstrap, topics, 1);

        // 10% unlabeled, and a bad reading every 1000: the stream must go around them.
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(
                KafkaTestSupport.sensorStream(topics.readings(), 42, READINGS, 1_795_334_400_000L, 0.1));
        long labeled = records.stream().filter(r -> new String(r.value(), StandardCharsets.UTF_8).contains("\"label\"")).count();
        for (int i = 0; i < BAD; i++) {
            records.add(i * 1000 + 500, new ProducerRecord<>(topics.readings(), "press-00",
                    ("{\"sensorId\":\"press-00\",\"features\":{\"temperature\":\"hot\"}} #" + i).getBytes(StandardCharsets.UTF_8)));
        }
        KafkaTestSupport.produce(bootstrap, records);

        int port = KafkaTestSupport.freePort();
        Map<String, String> config = KafkaTestSupport.learnerConfig(bootstrap, topics, "learner-it", state, port);
        config.put("snapshot.interval", "2s");
        try (LearnerApp app = LearnerApp.start(StreamlearnConfig.of(config))) {
            List<ConsumerRecord<String, byte[]>> predictions = KafkaTestSupport.readUntil(bootstrap, topics.predictions(),
                    all -> all.size() >= READINGS, Duration.ofSeconds(150));

            // One prediction per good reading, none twice.
            Map<Long, JsonNode> byReading = new HashMap<>();
            for (ConsumerRecord<String, byte[]> r : predictions) {
                JsonNode p = JSON.readTree(r.value());
                assertEquals(p.get("sensorId").asText(), r.key());
                assertTrue(byReading.put(p.get("timestamp").asLong(), p) == null, "duplicate prediction " + p);
            }
            assertEquals(READINGS, byReading.size());

            // Prequential accuracy over the second half of the stream (by reading order).
            long correct = 0;
            long scored = 0;
            for (int i = READINGS / 2; i < READINGS; i++) {
                JsonNode p = byReading.get(1_795_334_400_000L + i);
                if (p.has("label")) {
                    scored++;
                    correct += p.get("label").asText().equals(p.get("predicted").asText()) ? 1 : 0;
                }
            }
            double accuracy = (double) correct / scored;
            System.out.printf("LearnerAppIT: accuracy over the last %d labeled readings: %.4f%n", scored, accuracy);
            assertTrue(accuracy >= 0.96, "accuracy " + accuracy);

            // The dead letters, with their reason.
            List<ConsumerRecord<String, byte[]>> dead = KafkaTestSupport.readUntil(bootstrap, topics.deadLetters(),
                    all -> all.size() >= BAD, Duration.ofSeconds(30));
            assertEquals(BAD, dead.size());
            assertEquals("non_numeric_feature", new String(dead.get(0).headers().lastHeader(DeadLetterHandler.REASON_HEADER).value(),
                    StandardCharsets.UTF_8));

            // Metrics windows: 10 s windows over 50 s of event time; every closed window is whole.
            List<ConsumerRecord<String, byte[]>> windows = KafkaTestSupport.readUntil(bootstrap, topics.metrics(),
                    all -> all.size() >= 4, Duration.ofSeconds(30));
            assertTrue(windows.size() >= 4, "windows: " + windows.size());
            // The four windows readings closed; a fifth, the last, is closed by the wall clock once the
            // learner has been quiet for half a window, which a slow run may already have seen.
            long windowed = 0;
            for (ConsumerRecord<String, byte[]> w : windows.subList(0, 4)) {
                JsonNode m = JSON.readTree(w.value());
                assertEquals("default", w.key());
                assertEquals(10_000, m.get("windowEnd").asLong() - m.get("windowStart").asLong());
                windowed += m.get("records").asLong();
            }
            assertEquals(40_000, windowed, "four whole 10 s windows of one reading per ms");

            // A snapshot of the final model (modelVersion = labeled readings) on the compacted topic.
            List<ConsumerRecord<String, byte[]>> snapshots = KafkaTestSupport.readUntil(bootstrap, topics.models(),
                    all -> !all.isEmpty() && version(all.get(all.size() - 1)) == labeled, Duration.ofSeconds(30));
            assertEquals(labeled, version(snapshots.get(snapshots.size() - 1)));

            // /metrics over HTTP: every docs/DESIGN.md name, with values that fit the run.
            var scrape = KafkaTestSupport.get(app.metricsPort(), "/metrics");
            assertEquals(200, scrape.statusCode());
            PrometheusText metrics = new PrometheusText(scrape.body());
            assertEquals(labeled, metrics.sum("streamlearn_records_total", "outcome=\"trained\""), 0.0);
            assertEquals(READINGS - labeled, metrics.sum("streamlearn_records_total", "outcome=\"predicted\""), 0.0);
            assertEquals(BAD, metrics.sum("streamlearn_records_total", "outcome=\"rejected\""), 0.0);
            assertEquals(0, metrics.sum("streamlearn_records_total", "outcome=\"diverged\""), 0.0);
            assertEquals(READINGS, metrics.sum("streamlearn_predictions_total", ""), 0.0);
            assertEquals(labeled, metrics.sum("streamlearn_model_version", "model=\"default\""), 0.0);
            double loss = metrics.sum("streamlearn_loss", "model=\"default\"");
            assertTrue(loss > 0 && loss < 0.3, "windowed loss " + loss);
            double acc = metrics.sum("streamlearn_accuracy", "model=\"default\"");
            assertTrue(acc > 0.9 && acc <= 1, "windowed accuracy " + acc);
            assertEquals(READINGS, metrics.sum("streamlearn_update_seconds_count", ""), 0.0);
            assertEquals(READINGS, metrics.sum("streamlearn_prediction_lag_seconds_count", ""), 0.0);
            assertTrue(metrics.has("jvm_memory_used_bytes"));
            assertTrue(metrics.has("kafka_stream_thread_process_total") || metrics.has("kafka_stream_thread_process_rate"),
                    "Kafka Streams' own metrics");
            assertEquals(200, KafkaTestSupport.get(app.metricsPort(), "/health").statusCode());
        }
    }

    private static long version(ConsumerRecord<String, byte[]> snapshot) {
        return ModelSnapshot.fromJson(new String(snapshot.value(), StandardCharsets.UTF_8)).modelVersion();
    }
}
