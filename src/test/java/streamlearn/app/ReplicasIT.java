package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import streamlearn.app.KafkaTestSupport.ChildLearner;
import streamlearn.app.KafkaTestSupport.Collector;
import streamlearn.app.KafkaTestSupport.PacedProducer;
import streamlearn.format.ReplicaMessage;
import streamlearn.model.OnlineModel;
import streamlearn.stream.ModelKey;
import streamlearn.stream.Topics;

/**
 * {@code model.replicas=true} on a real broker: the global model as 4 replicas (4 partitions),
 * trained by two instances, one of which joins mid-stream and picks up replicas from their
 * stored state; that one is killed with SIGKILL twice mid-stream, the other once, each started
 * again on its state directory. No update is lost or counted twice: every reading is labeled, every one gets
 * exactly one prediction, and the merged model's version (its snapshot on the models topic, from
 * the merges that follow the last readings) is the number of readings; and each replica's own
 * updates, read from the states it sent round after round, are the readings of its partition.
 */
class ReplicasIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int READINGS = 40_000;
    private static final int PER_SECOND = 2_000;
    private static final int PARTITIONS = 4;
    @RegisterExtension
    static final BrokerExtension broker = new BrokerExtension();

    @Test
    @Timeout(300)
    void killNineLosesAndDoublesNoUpdate(@TempDir Path state) throws Exception {
        String bootstrap = broker.bootstrapServers();
        Topics topics = KafkaTestSupport.uniqueTopics("replicas");
        KafkaTestSupport.createTopics(bootstrap, topics, PARTITIONS);
        long first = System.currentTimeMillis() - READINGS;
        // 64 sensors, so every partition has readings; every reading labeled.
        List<ProducerRecord<String, byte[]>> readings = KafkaTestSupport.sensorStream(topics.readings(), 7, 64, READINGS,
                first, 0.0, -1, -1);
        List<ChildLearner> children = new ArrayList<>();
        try (Collector predictions = new Collector(bootstrap, topics.predictions());
             PacedProducer producer = new PacedProducer(bootstrap, readings, PER_SECOND)) {
            ChildLearner a = start("A", bootstrap, topics, state, children);
            await(predictions, READINGS / 5, a);
            ChildLearner b = start("B", bootstrap, topics, state, children);
            await(predictions, READINGS * 2 / 5, b);
            b.kill();
            b = start("B2", bootstrap, topics, state, children);
            await(predictions, READINGS * 3 / 5, b);
            b.kill();
            b = start("B3", bootstrap, topics, state, children);
            await(predictions, READINGS * 4 / 5, b);
            a.kill();
            a = start("A2", bootstrap, topics, state, children);
            assertTrue(predictions.awaitSize(READINGS, Duration.ofSeconds(120)),
                    "predictions: " + predictions.size() + " of " + READINGS + "\n" + a.diagnose() + "\n" + b.diagnose());

            Set<String> predicted = new HashSet<>();
            for (ConsumerRecord<String, byte[]> r : predictions.records()) {
                JsonNode p = JSON.readTree(r.value());
                assertTrue(predicted.add(r.key() + "@" + p.get("timestamp").asLong()), "predicted twice: " + r.key() + " "
                        + p.get("timestamp"));
            }
            assertEquals(READINGS, predicted.size());

            // After the last readings the replicas merge within the merge interval: the merged
            // model counts every labeled reading once.
            Map<String, OnlineModel> models = KafkaTestSupport.awaitSnapshots(bootstrap, topics.models(),
                    Map.of(ModelKey.GLOBAL_MODEL_ID, (long) READINGS), Duration.ofSeconds(60));
            assertEquals(Set.of(ModelKey.GLOBAL_MODEL_ID), models.keySet(), "one model, one snapshot key");
            assertEquals(READINGS, models.get(ModelKey.GLOBAL_MODEL_ID).modelVersion(),
                    "the merged model's version is the number of labeled readings");

            // Per replica: its updates over all rounds (each state's version less its round's
            // base's) are the labeled readings of its partition.
            long[] perPartition = new long[PARTITIONS];
            for (ProducerRecord<String, byte[]> r : readings) {
                perPartition[Utils.toPositive(Utils.murmur2(r.key().getBytes(StandardCharsets.UTF_8))) % PARTITIONS]++;
            }
            assertArrayEquals(perPartition, updatesPerReplica(bootstrap, topics.replicas(), PARTITIONS, 0),
                    "each replica's updates are its partition's labeled readings");
        } finally {
            children.forEach(ChildLearner::close);
        }
    }

    /**
     * A reset keyed {@code default} reaches one replica; every replica starts the rounds over from
     * the reset model: one {@code reset} event, one restart record of epoch 1 (model version 0) on
     * every partition of the replicas topic, and the merged model after the last readings is the
     * reset model plus the updates of the readings after the reset, each once.
     */
    @Test
    @Timeout(180)
    void aResetOnOneReplicaRestartsEveryReplica(@TempDir Path state) throws Exception {
        String bootstrap = broker.bootstrapServers();
        Topics topics = KafkaTestSupport.uniqueTopics("replicas-reset");
        KafkaTestSupport.createTopics(bootstrap, topics, 2);
        int readings = 10_000;
        List<ProducerRecord<String, byte[]>> stream = KafkaTestSupport.sensorStream(topics.readings(), 8, 16, readings,
                System.currentTimeMillis() - readings, 0.0, -1, -1);
        Map<String, String> c = KafkaTestSupport.learnerConfig(bootstrap, topics, "replicas-reset-it", state,
                KafkaTestSupport.freePort());
        c.put("model.replicas", "true");
        c.put("model.replicas.merge.interval", "1s");
        c.put("model.replicas.merge.updates", "200");
        try (ChildLearner learner = ChildLearner.run("replicas-reset", c);
             Collector predictions = new Collector(bootstrap, topics.predictions());
             PacedProducer producer = new PacedProducer(bootstrap, stream, PER_SECOND, readings / 2)) {
            // The reset comes between the two halves of the readings.
            await(predictions, readings / 2, learner);
            KafkaTestSupport.produce(bootstrap, List.of(new ProducerRecord<>(topics.control(), ModelKey.GLOBAL_MODEL_ID,
                    streamlearn.format.ControlCommand.reset())));
            List<ConsumerRecord<String, byte[]>> events = KafkaTestSupport.readUntil(bootstrap, topics.events(),
                    all -> all.stream().anyMatch(e -> new String(e.value(), StandardCharsets.UTF_8).contains("\"reset\"")),
                    Duration.ofSeconds(30));
            producer.holdAt(Integer.MAX_VALUE);
            assertTrue(predictions.awaitSize(readings, Duration.ofSeconds(60)), learner.diagnose());

            assertEquals(1, events.stream().filter(e -> new String(e.value(), StandardCharsets.UTF_8)
                    .contains("\"type\":\"reset\"")).count(), "one reset event");
            // The merges after the last readings (merge interval 1 s), then the merged snapshot.
            Thread.sleep(4_000);
            for (int p = 0; p < 2; p++) {
                List<ReplicaMessage> restarts = new ArrayList<>();
                long epochOne = 0;
                for (ConsumerRecord<String, byte[]> r : KafkaTestSupport.readUntil(bootstrap, topics.replicas(), all -> false,
                        Duration.ofSeconds(3))) {
                    if (r.partition() != p) {
                        continue;
                    }
                    ReplicaMessage m = ReplicaMessage.fromBytes(r.value());
                    if (m.kind() == ReplicaMessage.Kind.RESTART) {
                        restarts.add(m);
                    } else if (m.epoch() == 1) {
                        assertEquals(1, restarts.size(), "an epoch 1 state after the restart, on partition " + p);
                        epochOne++;
                    }
                }
                assertEquals(1, restarts.size(), "one restart on partition " + p);
                assertEquals(1, restarts.get(0).epoch());
                assertEquals(0, restarts.get(0).model().modelVersion(), "the reset model");
                assertTrue(epochOne > 0, "rounds after the restart on partition " + p);
            }
            long sinceReset = java.util.Arrays.stream(updatesPerReplica(bootstrap, topics.replicas(), 2, 1)).sum();
            Map<String, OnlineModel> models = KafkaTestSupport.awaitSnapshots(bootstrap, topics.models(),
                    Map.of(ModelKey.GLOBAL_MODEL_ID, sinceReset), Duration.ofSeconds(30));
            assertEquals(sinceReset, models.get(ModelKey.GLOBAL_MODEL_ID).modelVersion(),
                    "the merged model is the reset model plus the updates of the rounds since");
            assertEquals(readings / 2, sinceReset, "the readings after the reset, each once; none from before it");
        }
    }

    /**
     * Each of {@code k} replicas' updates over every round of {@code epoch}, from partition 0 of the
     * replicas topic (every state goes to every partition): a round's base is the last one's plus
     * the updates of all its states; the epoch starts from a model of version 0 (a fresh or reset one).
     */
    private static long[] updatesPerReplica(String bootstrap, String topic, int k, long epoch) {
        TreeMap<Long, Map<Integer, Long>> rounds = new TreeMap<>();
        List<ConsumerRecord<String, byte[]>> states = KafkaTestSupport.readUntil(bootstrap, topic, all -> false,
                Duration.ofSeconds(5));
        for (ConsumerRecord<String, byte[]> r : states) {
            ReplicaMessage m = ReplicaMessage.fromBytes(r.value());
            if (r.partition() != 0 || m.epoch() != epoch || m.kind() != ReplicaMessage.Kind.STATE) {
                continue;
            }
            assertEquals(null, rounds.computeIfAbsent(m.round(), x -> new TreeMap<>()).put(m.replica(), m.model().modelVersion()),
                    "one state per replica and round");
        }
        long[] updates = new long[k];
        long base = 0;
        long expected = 0;
        for (var round : rounds.entrySet()) {
            assertEquals(expected++, round.getKey(), "rounds in order, none missing");
            assertEquals(k, round.getValue().size(), "round " + round.getKey() + " has every replica's state");
            long merged = base;
            for (var state : round.getValue().entrySet()) {
                long d = state.getValue() - base;
                updates[state.getKey()] += d;
                merged += d;
            }
            base = merged;
        }
        return updates;
    }

    private static ChildLearner start(String name, String bootstrap, Topics topics, Path state, List<ChildLearner> children)
            throws Exception {
        Map<String, String> c = KafkaTestSupport.learnerConfig(bootstrap, topics, "replicas-it",
                state.resolve(name.substring(0, 1)), KafkaTestSupport.freePort());
        c.put("model.key", "global");
        c.put("model.replicas", "true");
        c.put("model.replicas.merge.interval", "1s");
        // Rounds every 800 readings: about 50 in the run, so that the kills find states out for merges.
        c.put("model.replicas.merge.updates", "200");
        ChildLearner child = ChildLearner.run("replicas-" + name, c);
        children.add(child);
        return child;
    }

    private static void await(Collector predictions, int count, ChildLearner running) throws Exception {
        assertTrue(predictions.awaitSize(count, Duration.ofSeconds(90), null),
                "predictions: " + predictions.size() + " of " + count + "\n" + running.diagnose());
    }
}
