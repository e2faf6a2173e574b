package streamlearn.app;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * A real single-node KRaft Kafka broker (combined broker+controller) running inside this JVM.
 * Uses only kafka_2.13 / kafka-metadata from Maven Central; works from a shaded jar.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final int START_ATTEMPTS = 3;

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final String bootstrapServers;
    private boolean closed;

    private EmbeddedKafkaBroker(KafkaRaftServer server, Path dataDir, String bootstrapServers) {
        this.server = server;
        this.dataDir = dataDir;
        this.bootstrapServers = bootstrapServers;
    }

    /** Starts a broker in a fresh temporary directory (deleted on close). */
    public static EmbeddedKafkaBroker start() throws IOException {
        return start(Files.createTempDirectory("embedded-kafka-"));
    }

    /** Starts a broker storing its log in {@code dataDir} (created if needed, deleted on close). */
    public static EmbeddedKafkaBroker start(Path dataDir) throws IOException {
        RuntimeException last = null;
        // Free ports are probed then released, so another process may grab one in between: retry.
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            Path logDir = dataDir.resolve("kraft-" + attempt);
            KafkaRaftServer server = null;
            try {
                Files.createDirectories(logDir);
                int brokerPort = freePort();
                int controllerPort = freePort();
                KafkaConfig config = new KafkaConfig(brokerConfig(logDir, brokerPort, controllerPort), false);
                format(config, logDir);
                server = new KafkaRaftServer(config, Time.SYSTEM);
                server.startup(); // blocks until the broker is unfenced and its listeners accept
                return new EmbeddedKafkaBroker(server, dataDir, HOST + ":" + brokerPort);
            } catch (RuntimeException e) {
                last = e;
                if (server != null) {
                    shutdownQuietly(server);
                }
                deleteRecursively(logDir);
            }
        }
        deleteRecursively(dataDir);
        throw new IllegalStateException("Could not start embedded Kafka broker", last);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            shutdownQuietly(server);
        } finally {
            deleteRecursively(dataDir);
        }
    }

    private static Map<String, Object> brokerConfig(Path logDir, int brokerPort, int controllerPort) {
        Map<String, Object> p = new HashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir.toAbsolutePath().toString());
        // single node: every internal topic RF 1, few partitions (faster first use of groups/txns)
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("num.partitions", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // Transactions v2: a transaction's first produce to a partition is verified with the
        // transaction coordinator, which answers CONCURRENT_TRANSACTIONS while the previous
        // transaction's markers are still being written. The broker retries that itself only
        // for add.partitions.to.txn.retry.backoff.max.ms (100 ms), then hands the error to the
        // producer, which backs off retry.backoff.ms and more. Kafka Streams commits every 100 ms,
        // and on a busy machine the markers often take longer than 100 ms: the produce now waits
        // at the broker (up to 2 s, well inside request.timeout.ms) for them instead.
        p.put("add.partitions.to.txn.retry.backoff.max.ms", "2000");
        p.put("auto.create.topics.enable", "false");
        // small footprint: the log cleaner would otherwise allocate a 128 MiB dedupe buffer
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        return p;
    }

    /** Equivalent of {@code kafka-storage format --cluster-id <random> --config server.properties}. */
    private static void format(KafkaConfig config, Path logDir) {
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName(config.controllerListenerNames().get(0))
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .addDirectory(logDir.toAbsolutePath().toString())
                    .setHasDynamicQuorum(false) // static controller.quorum.voters
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("Formatting KRaft storage in " + logDir + " failed", e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void shutdownQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException ignored) {
            // best effort
        }
    }

    /** Best effort: what cannot be deleted is left. */
    public static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
