package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The environment's part of the configuration: STREAMLEARN_<KEY> variables, and the launcher's own one. */
class StreamlearnConfigTest {
    @Test
    void theLaunchersJvmOptionsAreNoConfigurationKey() {
        StreamlearnConfig config = StreamlearnConfig.load(null, Map.of("STREAMLEARN_BOOTSTRAP_SERVERS", "broker:9092",
                "STREAMLEARN_JAVA_OPTS", "-Xmx1g", "STREAMLEARN_MODEL_KEY", "sensor"));
        assertEquals("broker:9092", config.get("bootstrap.servers"));
        assertEquals("sensor", config.get("model.key"));
    }

    @Test
    void anyOtherVariableOfOursMustBeAKey() {
        UsageException e = assertThrows(UsageException.class, () -> StreamlearnConfig.load(null,
                Map.of("STREAMLEARN_BOOTSTRAP_SERVERS", "broker:9092", "STREAMLEARN_JAVA_OPTIONS", "-Xmx1g")));
        assertTrue(e.getMessage().startsWith("unknown configuration key 'java.options'"), e.getMessage());
    }

    @Test
    void anUnknownKeySuggestsTheClosestOneWhenItIsATypo() {
        UsageException e = assertThrows(UsageException.class, () -> StreamlearnConfig.load(null,
                Map.of("STREAMLEARN_BOOTSTRAP_SERVERS", "broker:9092", "STREAMLEARN_SNAPSHOT_INTERVALL", "5s")));
        assertEquals("unknown configuration key 'snapshot.intervall' (did you mean snapshot.interval?)", e.getMessage());
        UsageException swapped = assertThrows(UsageException.class, () -> StreamlearnConfig.of(
                Map.of("bootstrap.servers", "broker:9092", "modle.key", "sensor")));
        assertEquals("unknown configuration key 'modle.key' (did you mean model.key?)", swapped.getMessage());
    }

    @Test
    void aKeyFarFromEveryOneListsThemAllInstead() {
        UsageException e = assertThrows(UsageException.class, () -> StreamlearnConfig.of(
                Map.of("bootstrap.servers", "broker:9092", "java.options", "-Xmx1g")));
        assertFalse(e.getMessage().contains("did you mean"), e.getMessage());
        assertTrue(e.getMessage().contains("streamlearn keys: bootstrap.servers"), e.getMessage());
        assertNull(StreamlearnConfig.closestKey("acks"));
        assertEquals("topic.dlq", StreamlearnConfig.closestKey("topic.dql"));
    }
}
