package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import streamlearn.app.KafkaTestSupport.ChildLearner;
import streamlearn.app.KafkaTestSupport.Collector;
import streamlearn.app.KafkaTestSupport.PredictionCheck;
import streamlearn.app.KafkaTestSupport.Reference;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.Outcome;
import streamlearn.stream.DeadLetterHandler;
import streamlearn.stream.Topics;

/**
 * A broken sensor: a corpus of bad readings of 40+ kinds (malformed and truncated JSON, empty and
 * null values, a null key, bytes that are not UTF-8, wrong types, missing, extra and non-finite
 * features, "NaN" and 1e400, unknown labels, a 2 MB value, deeply nested JSON, duplicated fields,
 * ...), each twice, interleaved with 20,000 good readings, some of them unusual but valid. Every
 * bad one lands in the dead-letter topic with its original key and bytes and its reason, the
 * {@code rejected} counter counts them, every good one is predicted and trained exactly as a run
 * over the good ones alone, the model equals that run's, and the instance never leaves RUNNING.
 */
class BadInputIT {
    private static final long FIRST_TIMESTAMP = 1_795_334_400_000L;
    private static final int GOOD = 20_000;
    @RegisterExtension
    static final BrokerExtension broker = new BrokerExtension();

    /** One kind of bad reading: what it is, its record key and value, and the reason the learner must give. */
    record Bad(String kind, String key, byte[] value, String reason) {
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Bad bad(String kind, String value, String reason) {
        return new Bad(kind, "press-01", utf8(value), reason);
    }

    private static String reading(String features) {
        return "{\"sensorId\":\"press-01\",\"timestamp\":1795334399000,\"features\":{" + features + "},\"label\":\"normal\"}";
    }

    /** The corpus: every kind of bad reading the learner must turn away, with the reason it must give. */
    static List<Bad> corpus() {
        List<Bad> c = new ArrayList<>();
        String good = reading("\"temperature\":30.5,\"vibration\":1.2");
        c.add(bad("truncated JSON", good.substring(0, good.length() / 2), "malformed_json"));
        c.add(bad("JSON cut after a field name", "{\"sensorId\":\"press-01\",\"features\"", "malformed_json"));
        c.add(bad("unquoted field names", "{sensorId:\"press-01\",features:{temperature:30.5,vibration:1.2}}", "malformed_json"));
        c.add(bad("single quotes", "{'sensorId':'press-01'}", "malformed_json"));
        c.add(bad("plain text", "temperature=30.5 vibration=1.2", "malformed_json"));
        c.add(bad("trailing comma", reading("\"temperature\":30.5,\"vibration\":1.2,"), "malformed_json"));
        c.add(bad("two readings in one value", good + good, "malformed_json"));
        c.add(bad("raw control character in a string", "{\"sensorId\":\"press\u0001-01\",\"features\":{}}", "malformed_json"));
        c.add(new Bad("empty value", "press-01", new byte[0], "empty"));
        c.add(new Bad("null value (tombstone)", "press-01", null, "empty"));
        c.add(bad("only whitespace", "   \n  ", "wrong_type"));
        c.add(new Bad("null key", null, utf8(good), "missing_key"));
        byte[] latin1 = "{\"sensorId\":\"press-01 \u00b0C\",\"features\":{\"temperature\":30.5,\"vibration\":1.2}}"
                .getBytes(StandardCharsets.ISO_8859_1);
        c.add(new Bad("ISO-8859-1 bytes, not UTF-8", "press-01", latin1, "invalid_encoding"));
        c.add(new Bad("random binary", "press-01", new byte[] {(byte) 0x9c, 0x00, (byte) 0xff, 0x13, (byte) 0xc3, 0x28, 0x7f},
                "malformed_json"));
        c.add(bad("a JSON array", "[30.5,1.2]", "wrong_type"));
        c.add(bad("a JSON string", "\"press-01\"", "wrong_type"));
        c.add(bad("a JSON number", "42", "wrong_type"));
        c.add(bad("JSON null", "null", "wrong_type"));
        c.add(bad("sensorId a number", "{\"sensorId\":1,\"features\":{\"temperature\":30.5,\"vibration\":1.2}}", "wrong_type"));
        c.add(bad("features an array", "{\"sensorId\":\"press-01\",\"features\":[30.5,1.2]}", "wrong_type"));
        c.add(bad("timestamp a string", "{\"sensorId\":\"press-01\",\"timestamp\":\"2026-01-01\",\"features\":"
                + "{\"temperature\":30.5,\"vibration\":1.2}}", "wrong_type"));
        c.add(bad("negative timestamp", "{\"sensorId\":\"press-01\",\"timestamp\":-5,\"features\":"
                + "{\"temperature\":30.5,\"vibration\":1.2}}", "wrong_type"));
        c.add(bad("fractional timestamp", "{\"sensorId\":\"press-01\",\"timestamp\":1.5,\"features\":"
                + "{\"temperature\":30.5,\"vibration\":1.2}}", "wrong_type"));
        c.add(bad("label a number", "{\"sensorId\":\"press-01\",\"features\":{\"temperature\":30.5,\"vibration\":1.2},"
                + "\"label\":2}", "wrong_type"));
        c.add(bad("regression target in a classification reading", "{\"sensorId\":\"press-01\",\"features\":"
                + "{\"temperature\":30.5,\"vibration\":1.2},\"target\":0.5}", "wrong_type"));
        c.add(bad("missing features", "{\"sensorId\":\"press-01\",\"label\":\"normal\"}", "missing_field"));
        c.add(bad("missing sensorId", "{\"features\":{\"temperature\":30.5,\"vibration\":1.2}}", "missing_field"));
        c.add(bad("missing feature", reading("\"temperature\":30.5"), "missing_feature"));
        c.add(bad("no features at all", reading(""), "missing_feature"));
        c.add(bad("extra feature", reading("\"temperature\":30.5,\"vibration\":1.2,\"pressure\":3.1"), "unknown_feature"));
        c.add(bad("misspelt feature", reading("\"temperature\":30.5,\"vibraton\":1.2"), "unknown_feature"));
        c.add(bad("feature a string", reading("\"temperature\":\"hot\",\"vibration\":1.2"), "non_numeric_feature"));
        c.add(bad("feature \"NaN\" as a string", reading("\"temperature\":\"NaN\",\"vibration\":1.2"), "non_numeric_feature"));
        c.add(bad("feature a numeric string", reading("\"temperature\":\"30.5\",\"vibration\":1.2"), "non_numeric_feature"));
        c.add(bad("feature null", reading("\"temperature\":null,\"vibration\":1.2"), "non_numeric_feature"));
        c.add(bad("feature a boolean", reading("\"temperature\":true,\"vibration\":1.2"), "non_numeric_feature"));
        c.add(bad("feature an object", reading("\"temperature\":{\"value\":30.5},\"vibration\":1.2"), "non_numeric_feature"));
        c.add(bad("feature 1e400", reading("\"temperature\":1e400,\"vibration\":1.2"), "non_finite_feature"));
        c.add(bad("feature -1e400", reading("\"temperature\":30.5,\"vibration\":-1e400"), "non_finite_feature"));
        c.add(bad("feature bare NaN", reading("\"temperature\":NaN,\"vibration\":1.2"), "malformed_json"));
        c.add(bad("feature bare Infinity", reading("\"temperature\":Infinity,\"vibration\":1.2"), "malformed_json"));
        c.add(bad("feature a 1000-digit number", reading("\"temperature\":" + "9".repeat(1000) + ",\"vibration\":1.2"),
                "malformed_json"));
        c.add(bad("unknown label", "{\"sensorId\":\"press-01\",\"features\":{\"temperature\":30.5,\"vibration\":1.2},"
                + "\"label\":\"exploded\"}", "unknown_label"));
        c.add(bad("label in the wrong case", "{\"sensorId\":\"press-01\",\"features\":{\"temperature\":30.5,\"vibration\":1.2},"
                + "\"label\":\"Warning\"}", "unknown_label"));
        c.add(bad("duplicated feature", reading("\"temperature\":30.5,\"temperature\":99.0,\"vibration\":1.2"),
                "duplicate_field"));
        c.add(bad("duplicated sensorId", "{\"sensorId\":\"press-01\",\"sensorId\":\"press-02\",\"features\":"
                + "{\"temperature\":30.5,\"vibration\":1.2}}", "duplicate_field"));
        c.add(bad("deeply nested JSON (1000 levels)", "{\"sensorId\":\"press-01\",\"meta\":" + "{\"a\":".repeat(1000)
                + "1" + "}".repeat(1000) + ",\"features\":{\"temperature\":30.5,\"vibration\":1.2}}", "wrong_type"));
        c.add(bad("deeply nested arrays (1000 levels)", "[".repeat(1000) + "]".repeat(1000), "wrong_type"));
        c.add(bad("70 KB value, over reading.max.bytes", "{\"sensorId\":\"press-01\",\"note\":\"" + "x".repeat(70 * 1024)
                + "\",\"features\":{\"temperature\":30.5,\"vibration\":1.2}}", "oversized"));
        c.add(bad("2 MB value", "{\"sensorId\":\"press-01\",\"note\":\"" + "x".repeat(2 * 1024 * 1024)
                + "\",\"features\":{\"temperature\":30.5,\"vibration\":1.2}}", "oversized"));
        return c;
    }

    /** Good readings a strict parser must still accept. */
    static List<ProducerRecord<String, byte[]>> unusualButValid(String topic, long timestamp) {
        String[] values = {
            // features in the other order, integers, an extra metadata field, no timestamp
            "{\"sensorId\":\"press-03\",\"features\":{\"vibration\":2,\"temperature\":41},\"label\":\"warning\",\"site\":\"plant-7\"}",
            // explicit null label (predict only) and null timestamp
            "{\"label\":null,\"timestamp\":null,\"features\":{\"temperature\":22.25,\"vibration\":0.75},\"sensorId\":\"press-04\"}",
            // exponent notation, whitespace, unicode sensor id
            " { \"sensorId\" : \"presse-\u00e9t\u00e9\" , \"features\" : { \"temperature\" : 6.1E1 , \"vibration\" : 5e0 } ,"
                    + " \"label\" : \"critical\" } ",
        };
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            String key = values[i].contains("press-03") ? "press-03" : values[i].contains("press-04") ? "press-04" : "presse-\u00e9t\u00e9";
            out.add(new ProducerRecord<>(topic, null, timestamp + i, key, utf8(values[i])));
        }
        return out;
    }

    @Test
    @Timeout(180)
    void everyBadReadingGoesToTheDeadLetterTopicAndTheStreamGoesOn(@TempDir Path state) throws Exception {
        long began = System.nanoTime();
        String bootstrap = broker.bootstrapServers();
        Topics topics = KafkaTestSupport.uniqueTopics("badinput");
        KafkaTestSupport.createTopics(bootstrap, topics, 1);

        // Good readings with the bad ones interleaved: each kind twice, at spread-out positions.
        List<ProducerRecord<String, byte[]>> good = new ArrayList<>(
                KafkaTestSupport.sensorStream(topics.readings(), 5, GOOD, FIRST_TIMESTAMP, 0.1));
        List<ProducerRecord<String, byte[]>> unusual = unusualButValid(topics.readings(), FIRST_TIMESTAMP + 10 * GOOD);
        for (int i = 0; i < unusual.size(); i++) {
            good.add(GOOD / 4 + i * 1000, unusual.get(i));
        }
        List<Bad> corpus = corpus();
        List<ProducerRecord<String, byte[]>> all = new ArrayList<>();
        Map<Integer, Bad> badAt = new HashMap<>();
        int slots = 2 * corpus.size();
        int every = good.size() / (slots + 1);
        int next = 0;
        for (int i = 0; i < good.size(); i++) {
            all.add(good.get(i));
            if ((i + 1) % every == 0 && next < slots) {
                Bad b = corpus.get(next % corpus.size());
                badAt.put(all.size(), b);
                all.add(new ProducerRecord<>(topics.readings(), b.key(), b.value()));
                next++;
            }
        }
        assertEquals(slots, badAt.size());
        Reference reference = new Reference(SpecJson.defaultSpec(), false).feedAll(good);
        assertEquals(0, reference.rejected, "a good reading of the test is not good");

        Map<String, String> config = KafkaTestSupport.learnerConfig(bootstrap, topics, "badinput-it", state,
                KafkaTestSupport.freePort());
        try (ChildLearner child = ChildLearner.run("badinput", config);
             Collector predictions = new Collector(bootstrap, topics.predictions());
             Collector deadLetters = new Collector(bootstrap, topics.deadLetters())) {
            child.awaitHealthy(Duration.ofSeconds(60));
            int transitionsBefore = child.stateTransitions().size();
            List<RecordMetadata> offsets = KafkaTestSupport.produceAndGet(bootstrap, all);

            boolean complete = predictions.awaitSize(good.size(), Duration.ofSeconds(120), child)
                    && deadLetters.awaitSize(slots, Duration.ofSeconds(60), child);
            assertTrue(child.isAlive() && child.healthy(), "the learner left RUNNING: " + child.diagnose());
            assertTrue(complete, predictions.size() + " predictions, " + deadLetters.size() + " dead letters; "
                    + child.diagnose());
            Map<String, OnlineModel> models = KafkaTestSupport.awaitSnapshots(bootstrap, topics.models(),
                    reference.versions(), Duration.ofSeconds(30));
            PrometheusText metrics = child.metrics();
            List<String> transitionsWhileFed = child.stateTransitions().subList(transitionsBefore,
                    child.stateTransitions().size());
            assertEquals(List.of(), transitionsWhileFed, "Kafka Streams changed state while fed bad input");
            assertEquals(0, child.terminate(Duration.ofSeconds(60)), child.stderrTail());
            Thread.sleep(500);

            // Every bad reading, and only those, in the dead-letter topic: original key and bytes, the reason.
            Map<Long, Bad> byOffset = new HashMap<>();
            badAt.forEach((index, b) -> byOffset.put(offsets.get(index).offset(), b));
            List<ConsumerRecord<String, byte[]>> dead = deadLetters.records();
            assertEquals(slots, dead.size());
            Set<String> kindsSeen = new LinkedHashSet<>();
            List<String> wrong = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> d : dead) {
                long offset = Long.parseLong(header(d, DeadLetterHandler.OFFSET_HEADER));
                Bad b = byOffset.remove(offset);
                assertTrue(b != null, "dead letter for offset " + offset + " which was not a bad reading: "
                        + header(d, DeadLetterHandler.MESSAGE_HEADER));
                String reason = header(d, DeadLetterHandler.REASON_HEADER);
                if (!b.reason().equals(reason)) {
                    wrong.add(b.kind() + ": reason " + reason + " (" + header(d, DeadLetterHandler.MESSAGE_HEADER)
                            + "), expected " + b.reason());
                }
                assertEquals(b.key(), d.key(), b.kind());
                assertArrayEquals(b.value(), d.value(), b.kind() + ": the dead letter must carry the original bytes");
                assertEquals(topics.readings(), header(d, DeadLetterHandler.TOPIC_HEADER));
                assertTrue(!header(d, DeadLetterHandler.MESSAGE_HEADER).isBlank(), b.kind() + ": no message");
                kindsSeen.add(b.kind());
            }
            assertEquals(List.of(), wrong, "dead letters with an unexpected reason");
            assertEquals(corpus.size(), kindsSeen.size());

            // Every good reading predicted once, exactly as a run over the good ones alone.
            PredictionCheck check = KafkaTestSupport.checkPredictions(predictions.records(), reference);
            assertTrue(check.exact(), check.toString());
            OnlineModel expected = reference.models.get("default");
            assertArrayEquals(ModelSnapshot.toBytes(expected), ModelSnapshot.toBytes(models.get("default")),
                    "the model differs from the model trained on the good readings alone");

            // The counters.
            assertEquals(slots, metrics.sum("streamlearn_records_total", "outcome=\"rejected\""), 0.0);
            assertEquals(reference.count(Outcome.TRAINED), metrics.sum("streamlearn_records_total", "outcome=\"trained\""), 0.0);
            assertEquals(reference.count(Outcome.PREDICTED), metrics.sum("streamlearn_records_total", "outcome=\"predicted\""), 0.0);

            KafkaTestSupport.figure("BadInputIT", String.format(
                    "%d kinds of bad readings x2 = %d bad among %,d good: %d dead letters with the expected reason, "
                            + "rejected=%d, %s; model equal to the good-only run's (modelVersion %,d); Kafka Streams state "
                            + "changes while fed: %d; test %d s", corpus.size(), slots, good.size(), dead.size(),
                    (long) metrics.sum("streamlearn_records_total", "outcome=\"rejected\""), check,
                    expected.modelVersion(), transitionsWhileFed.size(), (System.nanoTime() - began) / 1_000_000_000));
        }
    }

    /**
     * Readings as large as the readings topic accepts, with the learner's own producer settings:
     * a 2 MB one (over the producer's default max.request.size of 1 MiB once it is a dead letter)
     * and one just under the readings topic's 4 MiB limit (over the dead-letter topic's 4 MiB once
     * the dead-letter headers are added). Both must land in the dead-letter topic (the original
     * bytes, or a prefix of them if the learner truncates oversized dead letters), and the stream
     * must go on.
     */
    @Test
    @Timeout(120)
    void hugeReadingsWithDefaultProducerSettings(@TempDir Path state) throws Exception {
        String bootstrap = broker.bootstrapServers();
        Topics topics = KafkaTestSupport.uniqueTopics("badinput-huge");
        KafkaTestSupport.createTopics(bootstrap, topics, 1);
        List<ProducerRecord<String, byte[]>> good =
                KafkaTestSupport.sensorStream(topics.readings(), 3, 1_000, FIRST_TIMESTAMP, 0.1);
        String prefix = "{\"sensorId\":\"press-01\",\"note\":\"";
        String suffix = "\",\"features\":{\"temperature\":30.5,\"vibration\":1.2}}";
        // about the largest reading the readings topic (max.message.bytes 4 MiB, per batch) accepts
        int nearLimit = 4 * 1024 * 1024 - 160;
        List<Bad> huge = List.of(
                bad("2 MB value", prefix + "x".repeat(2 * 1024 * 1024) + suffix, "oversized"),
                bad("value just under the readings topic's 4 MiB limit",
                        prefix + "x".repeat(nearLimit - prefix.length() - suffix.length()) + suffix, "oversized"));
        List<ProducerRecord<String, byte[]>> all = new ArrayList<>(good);
        all.add(300, new ProducerRecord<>(topics.readings(), huge.get(0).key(), huge.get(0).value()));
        all.add(700, new ProducerRecord<>(topics.readings(), huge.get(1).key(), huge.get(1).value()));
        Reference reference = new Reference(SpecJson.defaultSpec(), false).feedAll(good);

        Map<String, String> config = KafkaTestSupport.learnerConfig(bootstrap, topics, "badinput-huge-it", state,
                KafkaTestSupport.freePort());
        try (ChildLearner child = ChildLearner.run("badinput-huge", config);
             Collector predictions = new Collector(bootstrap, topics.predictions());
             Collector deadLetters = new Collector(bootstrap, topics.deadLetters())) {
            child.awaitHealthy(Duration.ofSeconds(60));
            KafkaTestSupport.produceAndGet(bootstrap, all);
            boolean complete = predictions.awaitSize(good.size(), Duration.ofSeconds(60), child)
                    && deadLetters.awaitSize(huge.size(), Duration.ofSeconds(30), child);
            assertTrue(child.isAlive() && child.healthy(), "the learner left RUNNING: " + child.diagnose());
            assertTrue(complete, predictions.size() + " predictions, " + deadLetters.size() + " dead letters; "
                    + child.diagnose());
            assertEquals(0, child.terminate(Duration.ofSeconds(60)), child.stderrTail());
            Thread.sleep(500);
            List<ConsumerRecord<String, byte[]>> dead = deadLetters.records();
            assertEquals(huge.size(), dead.size());
            for (int i = 0; i < huge.size(); i++) {
                Bad b = huge.get(i);
                ConsumerRecord<String, byte[]> d = dead.get(i);
                assertEquals(b.reason(), header(d, DeadLetterHandler.REASON_HEADER), b.kind());
                byte[] v = d.value();
                assertTrue(v != null && v.length > 0 && v.length <= b.value().length
                        && java.util.Arrays.equals(v, 0, v.length, b.value(), 0, v.length),
                        b.kind() + ": the dead letter must carry the original bytes (or a prefix)");
            }
            PredictionCheck check = KafkaTestSupport.checkPredictions(predictions.records(), reference);
            assertTrue(check.exact(), check.toString());
        }
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
