package streamlearn.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.ReadingParser;
import streamlearn.format.ReplicaMessage;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.model.Reading;

/**
 * {@code model.replicas} in the topology: the replicas topic is read as well as written, each
 * replica's state goes to it keyed by model and replica, and one replica, merging with itself every
 * few updates, is the single model: its predictions are, byte for byte, those of the topology
 * without replicas (a merge of one replica is that replica, and its rate is not scaled for K = 1).
 */
class ReplicasTopologyTest {
    private static final long WALL_CLOCK = 1_800_000_000_000L;
    private static final ModelSpec SPEC = SpecJson.defaultSpec();

    private static List<TestRecord<String, byte[]>> run(ReplicaSettings replicas, List<byte[]> readings,
                                                        List<TestRecord<String, byte[]>> states) {
        LearnerSettings settings = new LearnerSettings(SPEC, ModelKey.parse("global"), Topics.DEFAULT,
                Duration.ofSeconds(10), Duration.ofSeconds(30), 1, ReadingParser.DEFAULT_MAX_BYTES,
                LearnerSettings.DEFAULT_LABEL_MAX_DELAY, LearnerSettings.DEFAULT_LABEL_MAX_PENDING, new SimpleMeterRegistry())
                .withReplicas(SpecJson.forReplicas(SPEC, Math.max(1, replicas.replicas())), replicas);
        Properties base = new Properties();
        base.put(StreamsConfig.APPLICATION_ID_CONFIG, "replicas-topology-test");
        base.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(LearnerTopology.build(settings),
                LearnerTopology.streamsProperties(settings, base), Instant.ofEpochMilli(WALL_CLOCK))) {
            TestInputTopic<String, byte[]> in = driver.createInputTopic("sensor-readings", new StringSerializer(),
                    new ByteArraySerializer());
            var predictions = driver.createOutputTopic("sensor-predictions", new StringDeserializer(),
                    new ByteArrayDeserializer());
            for (byte[] r : readings) {
                in.pipeInput("s", r);
            }
            if (replicas.enabled()) {
                states.addAll(driver.createOutputTopic(Topics.DEFAULT.replicas(), new StringDeserializer(),
                        new ByteArrayDeserializer()).readRecordsToList());
            }
            return predictions.readRecordsToList();
        }
    }

    @Test
    void oneReplicaMergingWithItselfIsTheSingleModel() {
        SensorReadingGenerator generator = new SensorReadingGenerator(5, 4, 0.1);
        Reading r = new Reading(2);
        List<byte[]> readings = new java.util.ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            generator.next(r, WALL_CLOCK - 100_000 + i * 10L);
            readings.add(SensorReadingGenerator.json(r));
        }
        List<TestRecord<String, byte[]>> states = new java.util.ArrayList<>();
        List<TestRecord<String, byte[]>> single = run(ReplicaSettings.NONE, readings, List.of());
        List<TestRecord<String, byte[]>> replica = run(new ReplicaSettings(1, 25, Duration.ofSeconds(10)), readings, states);

        assertEquals(single.size(), replica.size());
        for (int i = 0; i < single.size(); i++) {
            assertEquals(new String(single.get(i).value(), StandardCharsets.UTF_8),
                    new String(replica.get(i).value(), StandardCharsets.UTF_8), "prediction " + i);
        }
        // About 1,800 labeled readings, a state every 25 updates.
        assertTrue(states.size() >= 70, "states sent: " + states.size());
        long previous = -1;
        for (TestRecord<String, byte[]> s : states) {
            assertEquals(ReplicaMessage.key(ModelKey.GLOBAL_MODEL_ID, 0), s.key());
            ReplicaMessage m = ReplicaMessage.fromBytes(s.value());
            assertEquals(ReplicaMessage.Kind.STATE, m.kind());
            assertTrue(m.round() == previous + 1, "rounds in order: " + m.round() + " after " + previous);
            previous = m.round();
        }
    }
}
