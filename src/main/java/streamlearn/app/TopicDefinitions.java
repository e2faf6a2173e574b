package streamlearn.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import streamlearn.stream.Topics;

/** The topics of {@code topics/topics.json} (carried in the jar), and their creation. */
public final class TopicDefinitions {
    /** One topic: name, partitions and topic configs. */
    public record Definition(String name, int partitions, Map<String, String> config) { }

    private TopicDefinitions() {
    }

    /** The definitions, with the names replaced by the configured ones. */
    public static List<Definition> load(Topics names) {
        try (InputStream in = TopicDefinitions.class.getResourceAsStream("/topics/topics.json")) {
            if (in == null) {
                throw new IllegalStateException("topics/topics.json missing from the classpath");
            }
            Map<String, String> rename = Map.of(
                    Topics.DEFAULT.control(), names.control(),
                    Topics.DEFAULT.readings(), names.readings(),
                    Topics.DEFAULT.predictions(), names.predictions(),
                    Topics.DEFAULT.metrics(), names.metrics(),
                    Topics.DEFAULT.models(), names.models(),
                    Topics.DEFAULT.deadLetters(), names.deadLetters(),
                    Topics.DEFAULT.events(), names.events(),
                    Topics.DEFAULT.labels(), names.labels(),
                    Topics.DEFAULT.replicas(), names.replicas());
            List<Definition> result = new ArrayList<>();
            for (JsonNode t : new ObjectMapper().readTree(in).get("topics")) {
                Map<String, String> config = new HashMap<>();
                t.path("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
                String name = t.get("name").asText();
                result.add(new Definition(rename.getOrDefault(name, name), t.get("partitions").asInt(), Map.copyOf(config)));
            }
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Creates the topics that do not exist yet; existing ones are left as they are.
     *
     * @param partitionsOverride if positive, the partitions of the readings, labels, control, replicas and
     *                           predictions topics (labels, control and replicas must have as many partitions as readings)
     * @return the names created
     */
    public static List<String> create(Admin admin, Topics names, int partitionsOverride)
            throws InterruptedException, ExecutionException {
        Set<String> existing = admin.listTopics().names().get();
        List<NewTopic> missing = new ArrayList<>();
        for (Definition d : load(names)) {
            if (existing.contains(d.name())) {
                continue;
            }
            int partitions = d.partitions();
            if (partitionsOverride > 0 && (d.name().equals(names.readings()) || d.name().equals(names.predictions())
                    || d.name().equals(names.labels()) || d.name().equals(names.control())
                    || d.name().equals(names.replicas()))) {
                partitions = partitionsOverride;
            }
            missing.add(new NewTopic(d.name(), java.util.Optional.of(partitions), java.util.Optional.empty()).configs(d.config()));
        }
        List<String> created = new ArrayList<>();
        for (var entry : admin.createTopics(missing).values().entrySet()) {
            try {
                entry.getValue().get();
                created.add(entry.getKey());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        return created.stream().sorted().collect(Collectors.toList());
    }
}
