package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import streamlearn.app.KafkaTestSupport.ChildLearner;
import streamlearn.stream.Topics;

/**
 * {@code streamlearn run} with a bad configuration fails at start, in a bounded time, with one
 * clear line on stderr and a non-zero exit code (2 for a bad option, file or value, 1 when the
 * cluster cannot be used), never with a stack trace.
 */
class BadConfigIT {
    @RegisterExtension
    static final BrokerExtension broker = new BrokerExtension();
    private static Topics topics;

    @BeforeAll
    static void createTopics() throws Exception {
        topics = KafkaTestSupport.uniqueTopics("badconfig");
        KafkaTestSupport.createTopics(broker.bootstrapServers(), topics, 1);
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(THREE_PARTITION_LABELS, 3, (short) 1)))
                    .all().get();
        }
    }

    /** A labels topic whose partitions differ from the readings topic's one. */
    private static final String THREE_PARTITION_LABELS = "badconfig-labels-3";

    /** A working config: the cases below break one thing each. */
    private static Map<String, String> good(Path dir) throws Exception {
        return new TreeMap<>(KafkaTestSupport.learnerConfig(broker.bootstrapServers(), topics, "badconfig-it",
                dir.resolve("state"), KafkaTestSupport.freePort()));
    }

    private record Case(String name, List<String> args, Map<String, String> env, int exitCode, String message) {
    }

    @Test
    @Timeout(180)
    void badConfigurationsFailAtStartWithOneClearLine(@TempDir Path dir) throws Exception {
        long began = System.nanoTime();
        List<Case> cases = new ArrayList<>();
        Path badJson = Files.writeString(dir.resolve("bad-json.json"), "{\"features\":[\"temperature\",");
        Path badSpec = Files.writeString(dir.resolve("bad-spec.json"), """
                {"features":["temperature","vibration"],"classes":["normal","warning","critical"],
                 "layers":[{"units":16,"activation":"relux"},{"units":3,"activation":"softmax"}],
                 "loss":"cross_entropy","init":{"type":"he","seed":42},
                 "optimizer":{"type":"sgd","learningRate":0.05}}""");
        Path emptySpec = Files.writeString(dir.resolve("empty-spec.json"), "");

        cases.add(file(dir, "unknown key", c -> c.put("modle.key", "sensor"), 2, "unknown configuration key 'modle.key'"));
        cases.add(new Case("unknown key from the environment", args(write(dir, "env", good(dir))),
                Map.of("STREAMLEARN_SNAPSHOT_INTERVALL", "5s"), 2, "unknown configuration key 'snapshot.intervall'"));
        cases.add(new Case("missing config file", List.of("run", "--config", dir.resolve("nope.properties").toString()),
                Map.of(), 2, "no such file"));
        cases.add(new Case("unknown option", List.of("run", "--konfig", "x.properties"), Map.of(), 2, "--konfig"));
        cases.add(file(dir, "no bootstrap.servers", c -> c.remove("bootstrap.servers"), 2, "bootstrap.servers is not set"));
        cases.add(file(dir, "missing spec file", c -> c.put("model.spec", dir.resolve("missing.json").toString()), 2,
                "no such file"));
        cases.add(file(dir, "spec is not JSON", c -> c.put("model.spec", badJson.toString()), 2, "spec file"));
        cases.add(file(dir, "empty spec file", c -> c.put("model.spec", emptySpec.toString()), 2, "spec file"));
        cases.add(file(dir, "spec is a directory", c -> c.put("model.spec", dir.toString()), 2, "spec file"));
        cases.add(file(dir, "invalid spec (unknown activation)", c -> c.put("model.spec", badSpec.toString()), 2,
                "layers[0].activation"));
        cases.add(file(dir, "bad model.key", c -> c.put("model.key", "machine"), 2, "model.key"));
        cases.add(file(dir, "bad processing.guarantee", c -> c.put("processing.guarantee", "exactly_once"), 2,
                "processing.guarantee"));
        cases.add(file(dir, "bad metrics.window", c -> c.put("metrics.window", "ten seconds"), 2, "metrics.window"));
        cases.add(file(dir, "bad reading.max.bytes", c -> c.put("reading.max.bytes", "0"), 2, "reading.max.bytes"));
        cases.add(file(dir, "bad metrics.port", c -> c.put("metrics.port", "http"), 2, "metrics.port"));
        cases.add(file(dir, "bad label.max.delay", c -> c.put("label.max.delay", "-1h"), 2, "label.max.delay"));
        cases.add(file(dir, "bad label.max.pending", c -> c.put("label.max.pending", "0"), 2, "label.max.pending"));
        cases.add(file(dir, "replicas of a per-sensor model", c -> {
            c.put("model.key", "sensor");
            c.put("model.replicas", "true");
        }, 2, "model.replicas=true needs model.key=global"));
        cases.add(file(dir, "bad model.replicas", c -> c.put("model.replicas", "yes"), 2, "model.replicas must be true or false"));
        cases.add(file(dir, "bad model.replicas.merge.updates", c -> c.put("model.replicas.merge.updates", "0"), 2,
                "model.replicas.merge.updates"));
        int busy;
        try (ServerSocket taken = new ServerSocket(0)) {
            busy = taken.getLocalPort();
            cases.add(file(dir, "metrics.port in use", c -> c.put("metrics.port", String.valueOf(busy)), 2,
                    "metrics.port " + busy));
            cases.add(file(dir, "missing topics", c -> c.put("topic.readings", "no-such-readings"), 1,
                    "missing topic(s) no-such-readings"));
            cases.add(file(dir, "labels topic partitions differ", c -> c.put("topic.labels", THREE_PARTITION_LABELS), 1,
                    "topic " + THREE_PARTITION_LABELS + " has 3 partition(s), but badconfig-readings has 1"));
            cases.add(file(dir, "replicas topic partitions differ", c -> {
                c.put("model.replicas", "true");
                c.put("topic.replicas", THREE_PARTITION_LABELS);
            }, 1, "topic " + THREE_PARTITION_LABELS + " has 3 partition(s), but badconfig-readings has 1"));
            cases.add(file(dir, "unresolvable broker", c -> c.put("bootstrap.servers", "kafka.invalid:9092"), 1,
                    "kafka.invalid:9092"));
            int closed = KafkaTestSupport.freePort();
            cases.add(file(dir, "unreachable broker", c -> c.put("bootstrap.servers", "127.0.0.1:" + closed), 1,
                    "cannot reach Kafka at 127.0.0.1:" + closed));

            assertEquals(List.of(), runAll("badconfig-", cases));
        }
        KafkaTestSupport.figure("BadConfigIT", String.format("%d bad configurations: each failed at start with one line "
                + "on stderr, no stack trace, exit 2 (usage) or 1 (cluster); test %d s", cases.size(),
                (System.nanoTime() - began) / 1_000_000_000));
    }

    /**
     * A bad value for a Kafka client setting is a bad config file like any other: exit 2 and one
     * line naming the key, not exit 1 and "failed: org.apache.kafka...ConfigException".
     */
    @Test
    @Timeout(60)
    void aBadKafkaSettingIsAUsageError(@TempDir Path dir) throws Exception {
        assertEquals(List.of(), runAll("badconfig-kafka-", List.of(
                file(dir, "bad kafka.* value", c -> c.put("kafka.num.standby.replicas", "lots"), 2,
                        "num.standby.replicas"))));
    }

    /** Runs each case in a child JVM; returns what went wrong. */
    private static List<String> runAll(String prefix, List<Case> cases) throws Exception {
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (Case c : cases) {
            String name = prefix + (++n);
            long started = System.nanoTime();
            try (ChildLearner child = ChildLearner.launch(name, c.args(), c.env(), -1)) {
                int exit = child.awaitExit(Duration.ofSeconds(45));
                long ms = (System.nanoTime() - started) / 1_000_000;
                List<String> lines = Files.readAllLines(child.stderr).stream().filter(l -> !l.isBlank()).toList();
                List<String> messages = lines.stream().filter(l -> l.startsWith("streamlearn")).toList();
                boolean stackTrace = lines.stream().anyMatch(l -> l.startsWith("\tat ") || l.startsWith("Exception in thread")
                        || l.startsWith("Caused by:"));
                String verdict = String.format("%-36s exit %d in %5d ms: %s", c.name(), exit, ms,
                        messages.isEmpty() ? "(no message)" : messages.get(0));
                System.out.println("BadConfigIT " + verdict);
                if (exit != c.exitCode() || messages.size() != 1 || !messages.get(0).contains(c.message()) || stackTrace
                        || child.isAlive()) {
                    failures.add(verdict + (stackTrace ? " [stack trace on stderr]" : "") + " -- expected exit "
                            + c.exitCode() + " and one line with '" + c.message() + "'; stderr: " + child.stderr);
                }
            }
        }
        return failures;
    }

    private interface Edit {
        void apply(Map<String, String> config);
    }

    private static Case file(Path dir, String name, Edit edit, int exitCode, String message) throws Exception {
        Map<String, String> c = good(dir);
        edit.apply(c);
        return new Case(name, args(write(dir, name, c)), Map.of(), exitCode, message);
    }

    private static Path write(Path dir, String name, Map<String, String> config) throws Exception {
        Path file = dir.resolve(name.replaceAll("[^A-Za-z0-9]+", "-") + ".properties");
        StringBuilder b = new StringBuilder();
        config.forEach((k, v) -> b.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        Files.writeString(file, b);
        return file;
    }

    private static List<String> args(Path file) {
        return List.of("run", "--config", file.toString());
    }
}
