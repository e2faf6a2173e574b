package streamlearn.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.internals.CachingKeyValueStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.junit.jupiter.api.Test;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;

/**
 * The Kafka Streams settings the learner relies on by default (docs/DESIGN.md, section 8), and
 * that a {@code kafka.*} setting of the user's overrides each.
 */
class StreamsPropertiesTest {
    private static final String PRODUCER_IN_FLIGHT = StreamsConfig.producerPrefix(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);

    private static LearnerSettings settings() {
        return new LearnerSettings(SpecJson.defaultSpec(), ModelKey.parse("global"), Topics.DEFAULT,
                Duration.ofSeconds(10), Duration.ofSeconds(30), 1, ReadingParser.DEFAULT_MAX_BYTES,
                LearnerSettings.DEFAULT_LABEL_MAX_DELAY, LearnerSettings.DEFAULT_LABEL_MAX_PENDING, new SimpleMeterRegistry());
    }

    private static Properties props(Properties base) {
        return LearnerTopology.streamsProperties(settings(), base);
    }

    @Test
    void byDefaultTheTransactionalProducerKeepsOneRequestInFlightAndTheTaskWaitsForItsEmptyPartitions() {
        Properties p = props(new Properties());
        // Kafka Streams' own max.task.idle.ms (0): a task fetches a partition's data that the broker
        // has before it goes past it by timestamp, so labels and readings meet in the order their
        // record times say, as replay takes them (LateLabelCrashIT fails with -1).
        assertFalse(p.containsKey(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG));
        assertEquals(StreamsConfig.EXACTLY_ONCE_V2, p.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals("1", p.getProperty(PRODUCER_IN_FLIGHT));
        // Kafka Streams accepts them together (it refuses more than 5 in flight under exactly-once).
        new StreamsConfig(withRequired(p));
    }

    @Test
    void theUsersKafkaSettingsWin() {
        Properties base = new Properties();
        base.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "-1");
        base.put(PRODUCER_IN_FLIGHT, "5");
        Properties p = props(base);
        assertEquals("-1", p.getProperty(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG));
        assertEquals("5", p.getProperty(PRODUCER_IN_FLIGHT));

        // The setting for every client counts as the user's too: no producer-only default over it.
        Properties all = new Properties();
        all.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "3");
        assertFalse(props(all).containsKey(PRODUCER_IN_FLIGHT));
    }

    @Test
    void atLeastOnceHasNoTransactionsToKeepInOrder() {
        Properties base = new Properties();
        base.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        assertFalse(props(base).containsKey(PRODUCER_IN_FLIGHT));
    }

    /**
     * Under exactly-once the waiting readings' store writes through (a crash restores it from the
     * committed changelog either way, and the record cache cost more than it spared); under
     * at-least-once the cache holds back its writes until the commit, as the models do theirs.
     */
    @Test
    void theWaitingReadingsHaveARecordCacheUnderAtLeastOnceOnly() {
        assertFalse(pendingStoreIsCached(new Properties()));
        Properties base = new Properties();
        base.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        assertTrue(pendingStoreIsCached(base));
    }

    private static boolean pendingStoreIsCached(Properties base) {
        Properties p = withRequired(props(base));
        try (TopologyTestDriver driver = new TopologyTestDriver(
                LearnerTopology.build(settings(), new LiveView(SpecJson.defaultSpec()), p), p)) {
            StateStore store = driver.getKeyValueStore(LearnerTopology.PENDING_STORE);
            while (store instanceof WrappedStateStore<?, ?, ?> wrapper) {
                if (wrapper instanceof CachingKeyValueStore) {
                    return true;
                }
                store = wrapper.wrapped();
            }
            return false;
        }
    }

    private static Properties withRequired(Properties p) {
        Properties q = new Properties();
        q.putAll(p);
        q.put(StreamsConfig.APPLICATION_ID_CONFIG, "props-test");
        q.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        return q;
    }
}
