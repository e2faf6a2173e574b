package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import streamlearn.app.KafkaTestSupport.ChildLearner;
import streamlearn.app.KafkaTestSupport.Collector;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.Reading;
import streamlearn.stream.DeadLetterHandler;
import streamlearn.stream.Topics;

/**
 * Issue #14 on a real broker (one per class): clocks that lie and models that go quiet, a restart
 * with swapped features under each {@code model.on.spec.change}, and {@code model restore} /
 * {@code model reset} through the control topic, with a kill -9 between a command and its commit.
 */
class OperationsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final BrokerExtension broker = new BrokerExtension();

    private static StreamlearnConfig config(Map<String, String> values) {
        return StreamlearnConfig.of(values);
    }

    private static String json(ConsumerRecord<String, byte[]> r) {
        return new String(r.value(), StandardCharsets.UTF_8);
    }

    private static JsonNode tree(ConsumerRecord<String, byte[]> r) throws Exception {
        return JSON.readTree(r.value());
    }

    /** Readings of the seeds' stream, dated {@code from + i} in their field, labeled 90%. */
    private static List<ProducerRecord<String, byte[]>> readings(Topics topics, long seed, int count, long from) {
        return KafkaTestSupport.sensorStream(topics.readings(), seed, count, from, 0.1);
    }

    @Test
    @Timeout(120)
    void aReadingFromTheYear2100IsDeadLetteredAndAQuietModelsLastWindowIsPublishedByTheWallClock(@TempDir Path state)
            throws Exception {
        String bootstrap = broker.bootstrapServers();
        Topics topics = KafkaTestSupport.uniqueTopics("clock");
        KafkaTestSupport.createTopics(bootstrap, topics, 1);
        Map<String, String> values = KafkaTestSupport.learnerConfig(bootstrap, topics, "clock-it", state, 0);
        values.put("metrics.window", "4s");
        values.put("metrics.port", "none");
        long window = 4_000;
        try (LearnerApp app = LearnerApp.start(config(values));
             Collector windows = new Collector(bootstrap, topics.metrics());
             Collector dead = new Collector(bootstrap, topics.deadLetters())) {
            // Five seconds of a live sensor, event time = wall clock; a clock in the year 2100 after one second.
            SensorReadingGenerator generator = new SensorReadingGenerator(3, 4, 0.1);
            Reading r = new Reading(2);
            long lastReading = 0;
            try (var producer = KafkaTestSupport.producer(bootstrap)) {
                long end = System.currentTimeMillis() + 5_000;
                boolean sent2100 = false;
                while (System.currentTimeMillis() < end) {
                    long now = System.currentTimeMillis();
                    if (!sent2100 && now > end - 4_000) {
                        generator.next(r, 4_102_444_800_000L);
                        producer.send(new ProducerRecord<>(topics.readings(), r.sensorId(),
                                KafkaTestSupport.readingJson(r).getBytes(StandardCharsets.UTF_8)));
                        sent2100 = true;
                    }
                    generator.next(r, now);
                    producer.send(new ProducerRecord<>(topics.readings(), r.sensorId(),
                            KafkaTestSupport.readingJson(r).getBytes(StandardCharsets.UTF_8)));
                    lastReading = now;
                    Thread.sleep(20);
                }
                producer.flush();
            }
            long lastWindowStart = Math.floorDiv(lastReading, window) * window;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (windows.records().stream().noneMatch(w -> startOf(w) == lastWindowStart) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            ConsumerRecord<String, byte[]> last = windows.records().stream().filter(w -> startOf(w) == lastWindowStart)
                    .findFirst().orElse(null);
            assertNotNull(last, "the quiet model's last window was never published: " + windows.records().size() + " windows");
            // The metrics topic stamps LogAppendTime: when the window was published.
            long late = last.timestamp() - (lastWindowStart + window);
            assertTrue(late <= 2 * window, "published " + late + " ms after its end, more than two window lengths");
            assertTrue(windows.records().size() >= 2, "the windows kept closing after the reading from 2100");

            assertTrue(dead.awaitSize(1, Duration.ofSeconds(10)));
            assertEquals(1, dead.size());
            assertEquals("future_timestamp", new String(dead.records().get(0).headers()
                    .lastHeader(DeadLetterHandler.REASON_HEADER).value(), StandardCharsets.UTF_8));
            assertTrue(json(dead.records().get(0)).contains("4102444800000"));
            KafkaTestSupport.figure("OperationsIT", String.format("a quiet model's last window published %d ms after its "
                    + "end (window 4 s; bound 8 s); the reading from 2100 dead-lettered as future_timestamp", late));
        }
    }

    private static long startOf(ConsumerRecord<String, byte[]> window) {
        try {
            return JSON.readTree(window.value()).get("windowStart").asLong();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Timeout(240)
    void aRestartWithSwappedFeaturesFailsResetsOrKeepsAsConfigured(@TempDir Path state, @TempDir Path files) throws Exception {
        String bootstrap = broker.bootstrapServers();
        Topics topics = KafkaTestSupport.uniqueTopics("spec");
        KafkaTestSupport.createTopics(bootstrap, topics, 1);
        ModelSpec spec = SpecJson.defaultSpec();
        Path swapped = Files.writeString(files.resolve("swapped.json"), spec.json()
                .replace("[\"temperature\",\"vibration\"]", "[\"vibration\",\"temperature\"]"));
        Map<String, String> values = KafkaTestSupport.learnerConfig(bootstrap, topics, "spec-it", state, 0);
        values.put("metrics.port", "none");
        List<ProducerRecord<String, byte[]>> first = readings(topics, 5, 3_000, 1_795_334_400_000L);
        try (Collector predictions = new Collector(bootstrap, topics.predictions());
             Collector events = new Collector(bootstrap, topics.events());
             Collector models = new Collector(bootstrap, topics.models())) {
            try (LearnerApp app = LearnerApp.start(config(values))) {
                KafkaTestSupport.produce(bootstrap, first);
                assertTrue(predictions.awaitSize(3_000, Duration.ofSeconds(60)));
            }
            long trained = tree(predictions.records().get(2_999)).get("modelVersion").asLong();

            // fail (the default): exit 1, the last line names the model and what differs.
            values.put("model.spec", swapped.toString());
            try (ChildLearner child = ChildLearner.run("spec-fail", values)) {
                assertEquals(1, child.awaitExit(Duration.ofSeconds(60)), child.stderrTail());
                List<String> lines = Files.readAllLines(child.stderr).stream().filter(l -> !l.isBlank()).toList();
                String line = lines.get(lines.size() - 1);
                assertTrue(line.startsWith("streamlearn run: model 'default' was stored with another spec"), line);
                assertTrue(line.contains("features [temperature, vibration] -> [vibration, temperature]"), line);
            }

            // keep: the stored model goes on, features matched by name; one warning.
            values.put("model.on.spec.change", "keep");
            KafkaTestSupport.produce(bootstrap, readings(topics, 6, 1_000, 1_795_334_500_000L));
            try (ChildLearner child = ChildLearner.run("spec-keep", values)) {
                assertTrue(predictions.awaitSize(4_000, Duration.ofSeconds(60), child), child.stderrTail());
                assertEquals(0, child.terminate(Duration.ofSeconds(60)), child.stderrTail());
                String stderr = child.stderrText();
                assertEquals(1, stderr.lines().filter(l -> l.contains("keeps its stored spec")).count(), stderr);
            }
            long kept = tree(predictions.records().get(3_000)).get("modelVersion").asLong();
            assertTrue(kept >= trained && kept > 0, "the stored model continued: version " + kept + " after " + trained);
            long correct = predictions.records().subList(3_000, 4_000).stream().map(OperationsIT::node)
                    .filter(p -> p.has("label") && p.get("label").equals(p.get("predicted"))).count();
            long labeled = predictions.records().subList(3_000, 4_000).stream().map(OperationsIT::node)
                    .filter(p -> p.has("label")).count();
            double keptAccuracy = (double) correct / labeled;
            assertTrue(keptAccuracy > 0.85, "features matched by name: accuracy " + keptAccuracy);

            // reset: a fresh model of the new spec, a spec_changed event, the old model on learner-models.
            values.put("model.on.spec.change", "reset");
            KafkaTestSupport.produce(bootstrap, readings(topics, 7, 500, 1_795_334_600_000L));
            try (LearnerApp app = LearnerApp.start(config(values))) {
                assertTrue(predictions.awaitSize(4_500, Duration.ofSeconds(60)));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (events.records().stream().noneMatch(e -> json(e).contains("spec_changed")) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
            }
            JsonNode event = tree(events.records().stream().filter(e -> json(e).contains("spec_changed")).findFirst().orElseThrow());
            assertEquals("default", event.get("model").asText());
            assertEquals(0, event.get("modelVersion").asLong());
            assertTrue(event.get("detail").get("differences").asText().contains("features"), event.toString());
            long previous = event.get("detail").get("previousModelVersion").asLong();
            assertTrue(previous > trained, "the kept model had trained on");
            assertEquals(0, tree(predictions.records().get(4_000)).get("modelVersion").asLong(), "a fresh model serves");
            assertTrue(models.records().stream().map(OperationsIT::node).anyMatch(m -> m.get("modelVersion").asLong() == previous
                    && m.get("spec").get("features").get(0).asText().equals("temperature")), "the old model on " + topics.models());
            KafkaTestSupport.figure("OperationsIT", String.format("swapped features: fail exits 1 naming the model; keep "
                    + "serves by name (accuracy %.3f over 1,000 readings); reset emits spec_changed (old model version %d "
                    + "published) and serves a fresh model", keptAccuracy, previous));
        }
    }

    private static JsonNode node(ConsumerRecord<String, byte[]> r) {
        try {
            return JSON.readTree(r.value());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Records of {@code topic} so far, uncommitted ones included. */
    private static List<ConsumerRecord<String, byte[]>> uncommitted(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of(topic));
            for (int empty = 0; empty < 3; ) {
                var batch = c.poll(Duration.ofMillis(300));
                batch.forEach(out::add);
                empty = batch.isEmpty() ? empty + 1 : 0;
            }
        }
        return out;
    }

    private static Path lines(Path file, List<ProducerRecord<String, byte[]>> records) throws Exception {
        List<String> text = records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
        return Files.write(file, text);
    }

    @Test
    @Timeout(300)
    void restoreAndResetAreAppliedOnceInOrderWithTheReadingsThroughKillNine(@TempDir Path state, @TempDir Path files)
            throws Exception {
        String bootstrap = broker.bootstrapServers();
        Topics topics = KafkaTestSupport.uniqueTopics("control");
        KafkaTestSupport.createTopics(bootstrap, topics, 1);
        ModelSpec spec = SpecJson.defaultSpec();
        // The snapshot: the default spec trained elsewhere, on 1,500 readings of another stream.
        OnlineModel elsewhere = OnlineModel.create(spec);
        ReadingParser parser = new ReadingParser(spec);
        Reading r = new Reading(2);
        for (ProducerRecord<String, byte[]> p : readings(topics, 99, 1_500, 1_795_300_000_000L)) {
            parser.parse(p.value(), r);
            elsewhere.step(r);
        }
        Path snapshot = Files.writeString(files.resolve("snapshot.json"), ModelSnapshot.toJsonString(elsewhere));
        List<ProducerRecord<String, byte[]>> before = readings(topics, 8, 2_000, 1_795_334_400_000L);
        List<ProducerRecord<String, byte[]>> after = readings(topics, 9, 1_000, 1_795_334_500_000L);
        List<ProducerRecord<String, byte[]>> afterReset = readings(topics, 10, 200, 1_795_334_600_000L);

        Map<String, String> values = KafkaTestSupport.learnerConfig(bootstrap, topics, "control-it", state,
                KafkaTestSupport.freePort());
        // A long commit interval, so that the kill lands after the command was applied and before its commit.
        Map<String, String> slow = new java.util.TreeMap<>(values);
        slow.put("kafka.commit.interval.ms", "20000");
        slow.put("kafka.producer.transaction.timeout.ms", "60000");
        String restoreLine;
        try (Collector predictions = new Collector(bootstrap, topics.predictions());
             Collector events = new Collector(bootstrap, topics.events())) {
            try (ChildLearner child = ChildLearner.run("control-slow", slow)) {
                child.awaitHealthy(Duration.ofSeconds(60));
                KafkaTestSupport.produce(bootstrap, before);
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (uncommitted(bootstrap, topics.predictions()).size() < before.size() && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                ReplayCommandTest.Run sent = ReplayCommandTest.main("model", "restore", "--bootstrap", bootstrap,
                        "--model", "default", "--snapshot", snapshot.toString(), "--topic", topics.control());
                assertEquals(0, sent.code(), sent.err());
                restoreLine = sent.out().strip();
                KafkaTestSupport.produce(bootstrap, after);
                deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (uncommitted(bootstrap, topics.predictions()).size() < before.size() + after.size()
                        && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertTrue(uncommitted(bootstrap, topics.events()).stream().anyMatch(e -> json(e).contains("\"restored\"")),
                        "the learner applied the command");
                child.kill();
            }
            assertEquals(0, predictions.size(), "the kill landed before the commit of the command and its readings");
            assertEquals(0, events.size());

            try (ChildLearner child = ChildLearner.run("control", values)) {
                assertTrue(predictions.awaitSize(before.size() + after.size(), Duration.ofSeconds(90), child), child.stderrTail());
                ReplayCommandTest.Run reset = ReplayCommandTest.main("model", "reset", "--bootstrap", bootstrap,
                        "--model", "default", "--topic", topics.control());
                assertEquals(0, reset.code(), reset.err());
                long commandsDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (commandEvents(events).size() < 2 && System.nanoTime() < commandsDeadline) {
                    Thread.sleep(50);
                }
                assertEquals(2, commandEvents(events).size(), child.stderrTail());
                KafkaTestSupport.produce(bootstrap, afterReset);
                assertTrue(predictions.awaitSize(3_200, Duration.ofSeconds(60), child), child.stderrTail());
                assertEquals(0, child.terminate(Duration.ofSeconds(60)), child.stderrTail());
            }
            Thread.sleep(500);
            assertEquals(3_200, predictions.size(), "one prediction per reading");
            // The commands' events (the pool's champion_changed events are the learning's own).
            List<JsonNode> applied = commandEvents(events);
            assertEquals(List.of("restored", "reset"), applied.stream().map(e -> e.get("type").asText()).toList(),
                    "each command applied exactly once, in order");
            assertEquals(elsewhere.modelVersion(), applied.get(0).get("modelVersion").asLong());

            // After the restore: the snapshot's version, then byte for byte replay --model-in over the same readings.
            List<String> committed = predictions.records().stream().map(OperationsIT::json).toList();
            assertEquals(elsewhere.modelVersion(), JSON.readTree(committed.get(2_000)).get("modelVersion").asLong());
            ReplayCommandTest.Run replay = ReplayCommandTest.main("replay", "--model-in", snapshot.toString(), "--input",
                    lines(files.resolve("after.jsonl"), after).toString(), "--output", files.resolve("replayed.jsonl").toString());
            assertEquals(0, replay.code(), replay.err());
            assertEquals(Files.readAllLines(files.resolve("replayed.jsonl")), committed.subList(2_000, 3_000),
                    "the predictions after the restore");

            // After the reset: a fresh model, as a replay from the spec over the same readings makes.
            ReplayCommandTest.Run fresh = ReplayCommandTest.main("replay", "--input",
                    lines(files.resolve("reset.jsonl"), afterReset).toString(), "--output", files.resolve("fresh.jsonl").toString());
            assertEquals(0, fresh.code(), fresh.err());
            assertEquals(Files.readAllLines(files.resolve("fresh.jsonl")), committed.subList(3_000, 3_200),
                    "the predictions after the reset");
            assertFalse(restoreLine.isEmpty());
            KafkaTestSupport.figure("OperationsIT", "model restore applied once through kill -9 between the command and its "
                    + "commit; the 1,000 predictions after it equal replay --model-in byte for byte; model reset: the 200 "
                    + "after it equal a fresh model's (" + restoreLine + ")");
        }
    }

    /** The events of control commands ({@code restored}, {@code reset}) collected so far, in order. */
    private static List<JsonNode> commandEvents(Collector events) {
        return events.records().stream().map(OperationsIT::node)
                .filter(e -> List.of("restored", "reset").contains(e.get("type").asText())).toList();
    }

}
