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
            assertArrayEquals(perPartition, updatesPerReplica(bootstrap, topics.replicas()),
                    "each replica's updates are its partition's labeled readings");
        } finally {
            children.forEach(ChildLearner::close);
        }
    }

    /**
     * Each replica's updates over every round, from partition 0 of the replicas topic (every state
     * goes to every partition): a round's base is the last one's plus the updates of all its states.
     */
    private static long[] updatesPerReplica(String bootstrap, String topic) {
        TreeMap<Long, Map<Integer, Long>> rounds = new TreeMap<>();
        List<ConsumerRecord<String, byte[]>> states = KafkaTestSupport.readUntil(bootstrap, topic, all -> false,
                Duration.ofSeconds(5));
        for (ConsumerRecord<String, byte[]> r : states) {
            if (r.partition() != 0) {
                continue;
            }
            ReplicaMessage m = ReplicaMessage.fromBytes(r.value());
            assertEquals(0, m.epoch(), "no restart of the rounds");
            assertEquals(null, rounds.computeIfAbsent(m.round(), x -> new TreeMap<>()).put(m.replica(), m.model().modelVersion()),
                    "one state per replica and round");
        }
        long[] updates = new long[PARTITIONS];
        long base = 0;
        long expected = 0;
        for (var round : rounds.entrySet()) {
            assertEquals(expected++, round.getKey(), "rounds in order, none missing");
            assertEquals(PARTITIONS, round.getValue().size(), "round " + round.getKey() + " has every replica's state");
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
