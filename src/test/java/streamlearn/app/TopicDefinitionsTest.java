package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import streamlearn.stream.Topics;

/**
 * topics/topics.json as {@code topics create}, the demo and the tests read it: every topic of
 * docs/DESIGN.md section 3, under the configured names.
 */
class TopicDefinitionsTest {

    @Test
    void theTopicsOfTheDesignUnderTheirDefaultNames() {
        List<TopicDefinitions.Definition> topics = TopicDefinitions.load(Topics.DEFAULT);
        assertEquals(List.of("sensor-readings", "sensor-labels", "learner-control", "learner-replicas", "sensor-predictions",
                "learner-metrics", "learner-events", "learner-models", "sensor-readings-dlq"),
                topics.stream().map(TopicDefinitions.Definition::name).toList());
        TopicDefinitions.Definition labels = topics.get(1);
        assertEquals(topics.get(0).partitions(), labels.partitions(), "late labels reach their reading's partition number");
        assertEquals(null, labels.config().get("message.timestamp.type"), "an input keeps the producer's timestamps");
        TopicDefinitions.Definition control = topics.get(2);
        assertEquals(topics.get(0).partitions(), control.partitions(), "a command reaches its model's partition number");
        assertEquals(null, control.config().get("message.timestamp.type"), "commands keep their time, in order with readings");
        assertEquals("16777216", control.config().get("max.message.bytes"), "a restore carries a whole snapshot");
        TopicDefinitions.Definition replicas = topics.get(3);
        assertEquals(topics.get(0).partitions(), replicas.partitions(), "replica p reads the others' states from partition p");
        assertEquals("compact", replicas.config().get("cleanup.policy"), "each partition keeps each replica's latest state");
        assertEquals(null, replicas.config().get("message.timestamp.type"), "states keep their stream time, in order with readings");
        assertEquals("16777216", replicas.config().get("max.message.bytes"), "a state is a whole model");
        TopicDefinitions.Definition events = topics.get(6);
        assertEquals(1, events.partitions(), "keyed by model id, like the metrics");
        assertEquals("LogAppendTime", events.config().get("message.timestamp.type"));
        assertEquals("2592000000", events.config().get("retention.ms"), "30 days");
    }

    @Test
    void configuredNamesReplaceTheDefaultsIncludingTheEventsTopic() {
        Topics names = StreamlearnConfig.of(Map.of("bootstrap.servers", "broker:9092", "topic.events", "plant-7-events",
                "topic.metrics", "plant-7-metrics", "topic.labels", "plant-7-labels", "topic.control", "plant-7-control",
                "topic.replicas", "plant-7-replicas")).topics();
        assertEquals("plant-7-events", names.events());
        assertEquals(List.of("sensor-readings", "plant-7-labels", "plant-7-control", "plant-7-replicas", "sensor-predictions",
                "plant-7-metrics", "plant-7-events", "learner-models", "sensor-readings-dlq"),
                TopicDefinitions.load(names).stream().map(TopicDefinitions.Definition::name).toList());
        assertEquals("learner-events", StreamlearnConfig.of(Map.of("bootstrap.servers", "broker:9092")).topics().events());
    }
}
