package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
