package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import streamlearn.app.KafkaTestSupport.ChildLearner;
import streamlearn.app.KafkaTestSupport.Collector;
import streamlearn.format.ModelSnapshot;
import streamlearn.model.OnlineModel;
import streamlearn.stream.Topics;

/**
 * Exactly-once with late labels through kill -9: {@code streamlearn run} as a child JVM (global
 * model, one partition) over readings and their labels, 1 to 2,000 readings late, interleaved in
 * one arrival order (their record timestamps, which Kafka Streams merges the two topics by), is
 * SIGKILLed three times while labels are pending and restarted on the same state directory. The
 * final model equals, bit for bit, the model of an uninterrupted run over the same arrival order
 * ({@code replay} of the same lines, which is the stream's learner: LateLabelReplayTest); every
 * reading is predicted once, byte for byte as that run predicted it; every label is applied once
 * (updates = labels of readings) and each unmatched one is dead-lettered once.
 */
class LateLabelCrashIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int READINGS = 60_000;
    private static final double[] KILL_AT = {0.25, 0.5, 0.75};
    @RegisterExtension
    static final BrokerExtension broker = new BrokerExtension();

    @Test
    @Timeout(300)
    void killNineWhileLabelsArePendingLosesAndRepeatsNothing(@TempDir Path state) throws Exception {
        long began = System.nanoTime();
        String bootstrap = broker.bootstrapServers();
        Topics topics = KafkaTestSupport.uniqueTopics("latecrash");
        KafkaTestSupport.createTopics(bootstrap, topics, 1);
        LateLabelStream stream = LateLabelStream.generate(17, READINGS, 1, 2_000, 0.05, 0.01);

        // One arrival order: strictly increasing record timestamps across both topics.
        long base = System.currentTimeMillis() - Duration.ofMinutes(20).toMillis();
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int k = 0; k < stream.lines.size(); k++) {
            LateLabelStream.Line line = stream.lines.get(k);
            records.add(new ProducerRecord<>(line.label() ? topics.labels() : topics.readings(), null, base + k,
                    line.sensorId(), line.bytes()));
        }
        // Labels of readings that never existed wait for them until label.max.delay of stream time is
        // up; a label record an hour and more after the last moves it there, and itself waits.
        records.add(new ProducerRecord<>(topics.labels(), null, base + stream.lines.size()
                + Duration.ofHours(1).plusSeconds(11).toMillis(), "press-00",
                LateLabelStream.label("press-00", "tick", 0).getBytes(StandardCharsets.UTF_8)));
        KafkaTestSupport.produce(bootstrap, records);

        // The uninterrupted run over the same arrival order.
        Path input = Files.write(state.resolve("latecrash-in.jsonl"), stream.jsonLines());
        Path expectedPredictions = state.resolve("latecrash-out.jsonl");
        Path expectedModel = state.resolve("latecrash-model.json");
        ReplayCommandTest.Run replay = ReplayCommandTest.main("replay", "--input", input.toString(),
                "--output", expectedPredictions.toString(), "--model", expectedModel.toString());
        assertEquals(0, replay.code(), replay.err());
        Map<String, String> expected = new HashMap<>();
        for (String p : Files.readAllLines(expectedPredictions)) {
            expected.put(JSON.readTree(p).get("id").asText(), p);
        }
        OnlineModel uninterrupted = ModelSnapshot.fromJson(Files.readString(expectedModel));
        assertEquals(stream.labels, uninterrupted.modelVersion());

        Map<String, String> config = KafkaTestSupport.learnerConfig(bootstrap, topics, "latecrash-it", state.resolve("s"),
                KafkaTestSupport.freePort());
        List<String> kills = new ArrayList<>();
        ChildLearner child = null;
        try (Collector predictions = new Collector(bootstrap, topics.predictions());
             Collector dead = new Collector(bootstrap, topics.deadLetters())) {
            child = ChildLearner.run("latecrash-0", config);
            child.awaitHealthy(Duration.ofSeconds(60));
            for (int k = 0; k < KILL_AT.length; k++) {
                int target = (int) (KILL_AT[k] * READINGS);
                assertTrue(predictions.awaitSize(target, Duration.ofSeconds(120)),
                        "stuck at " + predictions.size() + " predictions before kill " + (k + 1) + "\n" + child.stderrTail());
                double waiting = child.metrics().sum("streamlearn_pending_readings", "model=\"default\"");
                double matched = child.metrics().sum("streamlearn_labels_total", "outcome=\"matched\"");
                int committed = predictions.size();
                child.kill();
                assertTrue(waiting > 0, "labels pending at kill " + (k + 1));
                kills.add(String.format("kill %d at %,d committed predictions, %.0f readings waiting for their label, "
                        + "%.0f labels matched by this instance", k + 1, committed, waiting, matched));
                child = ChildLearner.run("latecrash-" + (k + 1), config);
                child.awaitHealthy(Duration.ofSeconds(90));
            }
            assertTrue(predictions.awaitSize(READINGS, Duration.ofSeconds(180)),
                    "only " + predictions.size() + " predictions\n" + child.stderrTail());
            Map<String, OnlineModel> snapshots = KafkaTestSupport.awaitSnapshots(bootstrap, topics.models(),
                    Map.of("default", (long) stream.labels), Duration.ofSeconds(90));
            assertTrue(dead.awaitSize(stream.bogus, Duration.ofSeconds(30)), "dead letters: " + dead.size());
            assertEquals(0, child.terminate(Duration.ofSeconds(60)), "exit code of SIGTERM\n" + child.stderrTail());
            Thread.sleep(1000); // anything still in flight would show up as a duplicate

            // Every reading predicted once, as the uninterrupted run predicted it.
            Map<String, Integer> seen = new HashMap<>();
            int differing = 0;
            String firstDifference = null;
            for (ConsumerRecord<String, byte[]> p : predictions.records()) {
                String json = new String(p.value(), StandardCharsets.UTF_8);
                String id = JSON.readTree(json).get("id").asText();
                seen.merge(id, 1, Integer::sum);
                if (!json.equals(expected.get(id))) {
                    differing++;
                    firstDifference = firstDifference != null ? firstDifference : json + " expected " + expected.get(id);
                }
            }
            long duplicates = seen.values().stream().filter(n -> n > 1).count();
            assertEquals(0, duplicates, "readings predicted twice");
            assertEquals(expected.keySet(), seen.keySet(), "every reading predicted");
            assertEquals(0, differing, "predictions differing from the uninterrupted run's; first: " + firstDifference);

            // The final model, bit for bit; each label applied once.
            OnlineModel actual = snapshots.get("default");
            assertEquals(stream.labels, actual.modelVersion(), "one update per label of a reading: none lost, none twice");
            assertArrayEquals(ModelSnapshot.toBytes(uninterrupted), ModelSnapshot.toBytes(actual),
                    "the final model differs from the uninterrupted run's");

            // Each unmatched label dead-lettered once.
            Set<String> deadIds = new HashSet<>();
            for (ConsumerRecord<String, byte[]> d : dead.records()) {
                JsonNode label = JSON.readTree(d.value());
                assertTrue(deadIds.add(label.get("id").asText()), "dead-lettered twice: " + label);
                assertTrue(label.get("id").asText().startsWith("x-"), "a label of a reading was unmatched: " + label);
            }
            assertEquals(stream.bogus, deadIds.size());

            String name = "LateLabelCrashIT";
            kills.forEach(k -> KafkaTestSupport.figure(name, k));
            KafkaTestSupport.figure(name, String.format("%d kill -9 survived with labels pending; %,d readings and %,d late "
                            + "labels (1-2,000 readings late) + %,d for readings that never existed, in one arrival order; "
                            + "predictions %,d, duplicates %d, differing from the uninterrupted run %d; final model "
                            + "bit-identical (modelVersion %,d = labels of readings); %d unmatched labels dead-lettered once "
                            + "each; test %d s", KILL_AT.length, READINGS, stream.labels, stream.bogus,
                    predictions.size(), duplicates, differing, actual.modelVersion(), deadIds.size(),
                    (System.nanoTime() - began) / 1_000_000_000));
        } finally {
            if (child != null) {
                child.close();
            }
        }
    }
}
