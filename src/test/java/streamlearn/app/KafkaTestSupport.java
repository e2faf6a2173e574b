package streamlearn.app;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import streamlearn.format.ModelEventJson;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.PredictionJson;
import streamlearn.format.ReadingParser;
import streamlearn.model.InvalidReadingException;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.Outcome;
import streamlearn.model.Reading;
import streamlearn.model.StepResult;
import streamlearn.stream.Topics;

/** Helpers the integration tests share: topics, producing the seeds' stream, reading back. */
final class KafkaTestSupport {
    private KafkaTestSupport() {
    }

    static void createTopics(String bootstrap, Topics topics, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            TopicDefinitions.create(admin, topics, partitions);
        }
    }

    /** Topic names unique to one test, so tests can share a broker. */
    static Topics uniqueTopics(String prefix) {
        return new Topics(prefix + "-readings", prefix + "-predictions", prefix + "-metrics", prefix + "-models",
                prefix + "-dlq", prefix + "-events", prefix + "-labels", prefix + "-control", prefix + "-replicas");
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
        return new KafkaProducer<>(p);
    }

    /** The JSON of a reading of the seeds' stream (its timestamp identifies it). */
    static String readingJson(Reading r) {
        return new String(SensorReadingGenerator.json(r), StandardCharsets.UTF_8);
    }

    /** The seeds' stream: {@code count} readings, timestamps {@code firstTimestamp + i}. */
    static List<ProducerRecord<String, byte[]>> sensorStream(String topic, long seed, int count, long firstTimestamp,
                                                             double unlabeledFraction) {
        return sensorStream(topic, seed, count, firstTimestamp, unlabeledFraction, -1, -1);
    }

    /**
     * The seeds' stream with a hotter machine (the simulator's {@code --drift-at}: every temperature
     * {@link SensorReadingGenerator#DRIFT_CELSIUS} higher) from reading {@code hotFrom} until
     * {@code hotUntil} (exclusive), then back to normal: two changes. -1: never.
     */
    static List<ProducerRecord<String, byte[]>> sensorStream(String topic, long seed, int count, long firstTimestamp,
                                                             double unlabeledFraction, int hotFrom, int hotUntil) {
        return sensorStream(topic, seed, 16, count, firstTimestamp, unlabeledFraction, hotFrom, hotUntil);
    }

    /** The same over {@code sensors} sensors. */
    static List<ProducerRecord<String, byte[]>> sensorStream(String topic, long seed, int sensors, int count, long firstTimestamp,
                                                             double unlabeledFraction, int hotFrom, int hotUntil) {
        SensorReadingGenerator generator = new SensorReadingGenerator(seed, sensors, unlabeledFraction);
        Reading r = new Reading(2);
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (i == hotFrom) {
                generator.drift(true);
            } else if (i == hotUntil) {
                generator.drift(false);
            }
            generator.next(r, firstTimestamp + i);
            out.add(new ProducerRecord<>(topic, r.sensorId(), readingJson(r).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    static void produce(String bootstrap, List<ProducerRecord<String, byte[]>> records) {
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            for (ProducerRecord<String, byte[]> r : records) {
                producer.send(r);
            }
            producer.flush();
        }
    }

    static KafkaConsumer<String, byte[]> committedConsumer(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p);
        c.subscribe(List.of(topic));
        return c;
    }

    /** Reads committed records of {@code topic} until {@code done} holds or the time is up. */
    static List<ConsumerRecord<String, byte[]>> readUntil(String bootstrap, String topic,
                                                          Predicate<List<ConsumerRecord<String, byte[]>>> done,
                                                          Duration timeout) {
        List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, byte[]> c = committedConsumer(bootstrap, topic)) {
            while (!done.test(all) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(all::add);
            }
        }
        return all;
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static int freePort() throws Exception {
        try (var s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    // ------------------------------------------------------------------------------------------
    // The reliability tests (crash, restart, scale-out, bad input, divergence, bad config): the
    // learner as a child JVM, a background read_committed reader, the uninterrupted reference
    // run, and what the children's Kafka logs say about state restoration.

    /** Where child learners write their config, stdout, stderr and Kafka log (kept for diagnosis). */
    static final Path CHILD_LOGS = Path.of("target", "it-logs");
    /** The figures the reliability tests measured, one line each, for docs/RELIABILITY.md. */
    static final Path FIGURES = Path.of("target", "reliability-figures.txt");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Prints a measured figure and appends it to {@link #FIGURES}. */
    static void figure(String test, String text) {
        String line = test + ": " + text;
        System.out.println("RELIABILITY " + line);
        try {
            Files.createDirectories(FIGURES.getParent());
            Files.writeString(FIGURES, line + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The {@code run --config} keys of a learner on {@code topics}: its own application.id and
     * state directory, snapshots every second, and a 6 s consumer session (the broker's minimum)
     * so that the group drops a kill -9'd instance after 6 s instead of the default 45 s.
     */
    static Map<String, String> learnerConfig(String bootstrap, Topics topics, String applicationId, Path stateDir,
                                             int metricsPort) {
        Map<String, String> c = new TreeMap<>();
        c.put("bootstrap.servers", bootstrap);
        c.put("application.id", applicationId);
        c.put("state.dir", stateDir.toAbsolutePath().toString());
        c.put("metrics.port", String.valueOf(metricsPort));
        c.put("snapshot.interval", "1s");
        c.put("topic.readings", topics.readings());
        c.put("topic.predictions", topics.predictions());
        c.put("topic.metrics", topics.metrics());
        c.put("topic.models", topics.models());
        c.put("topic.dlq", topics.deadLetters());
        c.put("topic.events", topics.events());
        c.put("topic.labels", topics.labels());
        c.put("topic.control", topics.control());
        c.put("topic.replicas", topics.replicas());
        c.put("kafka.session.timeout.ms", "6000");
        c.put("kafka.heartbeat.interval.ms", "1000");
        return c;
    }

    /** Produces {@code records} in order and returns where each landed (same order). */
    static List<RecordMetadata> produceAndGet(String bootstrap, List<ProducerRecord<String, byte[]>> records)
            throws Exception {
        List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>(records.size());
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            for (ProducerRecord<String, byte[]> r : records) {
                sent.add(producer.send(r));
            }
            producer.flush();
        }
        List<RecordMetadata> out = new ArrayList<>(sent.size());
        for (var f : sent) {
            out.add(f.get());
        }
        return out;
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * {@code streamlearn run} in a child JVM ({@code java -Xmx512m -jar target/streamlearn.jar}),
     * the way an operator runs it. Its stdout, stderr and Kafka log go to {@link #CHILD_LOGS}.
     * {@link #close} kills it if it still runs, so tests close it in a finally block (or
     * try-with-resources).
     */
    static final class ChildLearner implements AutoCloseable {
        static final Path JAR = Path.of("target", "streamlearn.jar");
        final String name;
        final int metricsPort;
        final Path stdout;
        final Path stderr;
        final Path kafkaLog;
        final long startedNanos;
        private final Process process;

        private ChildLearner(String name, int metricsPort, Path stdout, Path stderr, Path kafkaLog, long startedNanos,
                             Process process) {
            this.name = name;
            this.metricsPort = metricsPort;
            this.stdout = stdout;
            this.stderr = stderr;
            this.kafkaLog = kafkaLog;
            this.startedNanos = startedNanos;
            this.process = process;
        }

        /** Starts {@code run --config FILE} with {@code config} written to FILE. */
        static ChildLearner run(String name, Map<String, String> config) throws IOException {
            return run(name, config, Map.of());
        }

        static ChildLearner run(String name, Map<String, String> config, Map<String, String> environment)
                throws IOException {
            Files.createDirectories(CHILD_LOGS);
            Path file = CHILD_LOGS.resolve(name + ".properties");
            StringBuilder text = new StringBuilder("# written by the integration test\n");
            new TreeMap<>(config).forEach((k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
            Files.writeString(file, text);
            String port = config.getOrDefault("metrics.port", "-1");
            return launch(name, List.of("run", "--config", file.toString()), environment,
                    port.equals("none") ? -1 : Integer.parseInt(port));
        }

        /** Starts the jar with {@code args} (any command), extra environment variables, no stdin. */
        static ChildLearner launch(String name, List<String> args, Map<String, String> environment, int metricsPort)
                throws IOException {
            if (!Files.isRegularFile(JAR)) {
                throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: integration tests run after `mvn package`");
            }
            Files.createDirectories(CHILD_LOGS);
            Path out = CHILD_LOGS.resolve(name + ".stdout");
            Path err = CHILD_LOGS.resolve(name + ".stderr");
            Path kafka = CHILD_LOGS.resolve(name + ".kafka.log");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx512m");
            command.add("-XX:+UseSerialGC");
            command.add("-Dstreamlearn.kafka.log=" + kafka.toAbsolutePath());
            command.add("-jar");
            command.add(JAR.toAbsolutePath().toString());
            command.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().keySet().removeIf(k -> k.startsWith(StreamlearnConfig.ENV_PREFIX));
            pb.environment().putAll(environment);
            long started = System.nanoTime();
            return new ChildLearner(name, metricsPort, out, err, kafka, started, pb.start());
        }

        long pid() {
            return process.pid();
        }

        boolean isAlive() {
            return process.isAlive();
        }

        Duration sinceStart() {
            return Duration.ofNanos(System.nanoTime() - startedNanos);
        }

        /** Whether /health answers 200 (RUNNING) right now. */
        boolean healthy() {
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/health"))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** Waits for /health to answer 200; returns the time since the JVM was launched. */
        Duration awaitHealthy(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (healthy()) {
                    return sinceStart();
                }
                if (!process.isAlive()) {
                    throw new AssertionError(name + " exited with " + process.exitValue() + " before RUNNING:\n" + stderrTail());
                }
                Thread.sleep(25);
            }
            throw new AssertionError(name + " not RUNNING within " + timeout + ":\n" + stderrTail());
        }

        PrometheusText metrics() throws Exception {
            return new PrometheusText(get(metricsPort, "/metrics").body());
        }

        /** kill -9: SIGKILL, no shutdown hook, no commit, no leave-group. */
        void kill() throws InterruptedException {
            process.toHandle().destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError(name + " survived SIGKILL");
            }
        }

        /** SIGTERM, then waits for the exit; returns the exit code. */
        int terminate(Duration timeout) throws InterruptedException {
            process.destroy();
            return awaitExit(timeout);
        }

        int awaitExit(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " still running after " + timeout + ":\n" + stderrTail());
            }
            return process.exitValue();
        }

        String stderrText() throws IOException {
            return Files.readString(stderr, StandardCharsets.UTF_8);
        }

        String stderrTail() {
            try {
                List<String> lines = Files.readAllLines(stderr, StandardCharsets.UTF_8);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
            } catch (IOException e) {
                return "(no stderr: " + e + ")";
            }
        }

        /** Writes the child's thread dump next to its logs (for a test that found it stuck); returns a summary. */
        String diagnose() {
            StringBuilder b = new StringBuilder(name).append(": alive=").append(isAlive());
            try {
                b.append(", healthy=").append(healthy());
                if (isAlive()) {
                    PrometheusText m = metrics();
                    b.append(", records_total=").append(m.sum("streamlearn_records_total", ""));
                    Path dump = CHILD_LOGS.resolve(name + ".threads.txt");
                    new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                            String.valueOf(pid()), "Thread.print").redirectErrorStream(true)
                            .redirectOutput(dump.toFile()).start().waitFor(30, TimeUnit.SECONDS);
                    b.append(", threads in ").append(dump);
                }
            } catch (Exception e) {
                b.append(", ").append(e);
            }
            return b.append('\n').append(stderrTail()).toString();
        }

        /**
         * Waits until this child is RUNNING and its Kafka Streams state has not changed for
         * {@code quiet} (no rebalance in progress or just finished).
         */
        void awaitSettled(Duration quiet, Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            int transitions = -1;
            long stableSince = System.nanoTime();
            while (System.nanoTime() < deadline) {
                int now = stateTransitions().size();
                if (now != transitions || !healthy()) {
                    transitions = now;
                    stableSince = System.nanoTime();
                } else if (System.nanoTime() - stableSince >= quiet.toNanos()) {
                    return;
                }
                Thread.sleep(100);
            }
            throw new AssertionError(name + " did not settle within " + timeout + "; " + diagnose());
        }

        /** The Kafka Streams state transitions this child logged ("CREATED -> REBALANCING", ...). */
        List<String> stateTransitions() throws IOException {
            List<String> out = new ArrayList<>();
            Matcher m = Pattern.compile("Kafka Streams (\\w+ -> \\w+)").matcher(stderrText());
            while (m.find()) {
                out.add(m.group(1));
            }
            return out;
        }

        /** The active-task restorations this child's Kafka Streams logged, in order. */
        List<Restoration> restorations() throws IOException {
            return Restoration.parse(kafkaLog);
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.toHandle().destroyForcibly();
                try {
                    process.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * One restoration of a model-store changelog partition by an active task, from Kafka Streams'
     * INFO log: from "Stateful active task T was added to the state updater" to "Finished
     * restoring changelog P to store S with a total number of N records".
     */
    record Restoration(String task, String changelogPartition, long records, Duration took, LocalDateTime finished) {
        LocalDateTime started() {
            return finished.minus(took);
        }

        private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss,SSS");
        private static final Pattern ADDED = Pattern.compile("^(\\S+) .*Stateful active task (\\d+_\\d+) was added to the state updater");
        private static final Pattern FINISHED = Pattern.compile(
                "^(\\S+) .*Finished restoring changelog (\\S+-(\\d+)) to store \\S+ with a total number of (\\d+) records");

        static List<Restoration> parse(Path kafkaLog) throws IOException {
            List<Restoration> out = new ArrayList<>();
            if (!Files.exists(kafkaLog)) {
                return out;
            }
            Map<String, LocalDateTime> added = new HashMap<>();
            for (String line : Files.readAllLines(kafkaLog, StandardCharsets.UTF_8)) {
                Matcher a = ADDED.matcher(line);
                if (a.find()) {
                    added.put(a.group(2), LocalDateTime.parse(a.group(1), TIME));
                    continue;
                }
                Matcher f = FINISHED.matcher(line);
                if (f.find()) {
                    // a single-subtopology topology: task 0_P restores changelog partition P
                    String task = "0_" + f.group(3);
                    LocalDateTime end = LocalDateTime.parse(f.group(1), TIME);
                    LocalDateTime start = added.getOrDefault(task, end);
                    out.add(new Restoration(task, f.group(2), Long.parseLong(f.group(4)), Duration.between(start, end), end));
                }
            }
            return out;
        }
    }

    /** Reads a topic with read_committed, from the beginning, in a background thread, keeping every record. */
    static final class Collector implements AutoCloseable {
        private final List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        private final KafkaConsumer<String, byte[]> consumer;
        private final Thread thread;
        private volatile boolean running = true;
        private volatile Throwable failure;

        Collector(String bootstrap, String topic) {
            consumer = committedConsumer(bootstrap, topic);
            thread = new Thread(this::loop, "collector-" + topic);
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            try {
                while (running) {
                    var batch = consumer.poll(Duration.ofMillis(100));
                    if (!batch.isEmpty()) {
                        synchronized (records) {
                            batch.forEach(records::add);
                        }
                    }
                }
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                // closing
            } catch (Throwable t) {
                failure = t;
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        }

        int size() {
            if (failure != null) {
                throw new AssertionError("collector failed", failure);
            }
            synchronized (records) {
                return records.size();
            }
        }

        List<ConsumerRecord<String, byte[]>> records() {
            synchronized (records) {
                return new ArrayList<>(records);
            }
        }

        /** Waits until at least {@code n} records were read; false if the time ran out. */
        boolean awaitSize(int n, Duration timeout) throws InterruptedException {
            return awaitSize(n, timeout, null);
        }

        /** Same, but gives up as soon as {@code producer} (if not null) has exited. */
        boolean awaitSize(int n, Duration timeout, ChildLearner producer) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (size() < n) {
                if (System.nanoTime() > deadline || producer != null && !producer.isAlive()) {
                    return false;
                }
                Thread.sleep(20);
            }
            return true;
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            consumer.wakeup();
            thread.join(10_000);
        }
    }

    /**
     * The uninterrupted run the stream must equal: the same readings, in the same order per model,
     * through {@link OnlineModel} in this JVM, without Kafka. It keeps the prediction JSON it made
     * for every reading (by the reading's timestamp, unique in these tests), the model events
     * JSON of every drift it detected (in order), and the final models.
     */
    /**
     * A window of a pool model as {@code GET /models/{id}} gives it: its champion one of
     * {@code candidates}, and the candidates' weights summing to 1.
     */
    static void assertPoolWindow(com.fasterxml.jackson.databind.JsonNode window, List<String> candidates) {
        org.junit.jupiter.api.Assertions.assertTrue(candidates.contains(window.path("champion").asText()), window.toString());
        double sum = 0;
        for (String c : candidates) {
            sum += window.get("candidates").get(c).get("weight").asDouble();
        }
        org.junit.jupiter.api.Assertions.assertEquals(1.0, sum, 1e-9, window.toString());
    }

    static final class Reference {
        final ModelSpec spec;
        private final boolean perSensor;
        private final ReadingParser parser;
        private final Reading reading;
        private final PredictionJson json;
        final Map<String, OnlineModel> models = new TreeMap<>();
        final Map<Long, byte[]> predictions = new HashMap<>();
        final List<byte[]> events = new ArrayList<>();
        private final long[] outcomes = new long[Outcome.values().length];
        long rejected;

        /** @param perSensor {@code model.key=sensor} (else global) */
        Reference(ModelSpec spec, boolean perSensor) {
            this.spec = spec;
            this.perSensor = perSensor;
            this.parser = new ReadingParser(spec);
            this.reading = new Reading(spec.features().size());
            this.json = new PredictionJson(spec);
        }

        /** Feeds one produced record; false when the learner must reject it (dead letter). */
        boolean feed(ProducerRecord<String, byte[]> record) {
            if (record.key() == null) {
                rejected++;
                return false;
            }
            try {
                parser.parse(record.value(), reading);
            } catch (InvalidReadingException e) {
                rejected++;
                return false;
            }
            if (perSensor && !record.key().equals(reading.sensorId())) {
                rejected++;
                return false;
            }
            if (record.timestamp() != null) {
                reading.defaultTimestamp(record.timestamp());
            }
            String id = perSensor ? reading.sensorId() : "default";
            OnlineModel model = models.computeIfAbsent(id, k -> OnlineModel.create(spec));
            StepResult result = model.step(reading);
            outcomes[result.outcome().ordinal()]++;
            if (predictions.put(reading.timestamp(), json.write(id, reading, result)) != null) {
                throw new IllegalArgumentException("two readings with timestamp " + reading.timestamp());
            }
            // The learner's model events, in its order: a drift, then a change of champion.
            if (result.drift() != null) {
                events.add(ModelEventJson.drift(id, reading.timestamp(), result.drift()));
            }
            if (result.championBefore() != null) {
                events.add(ModelEventJson.championChanged(id, reading.timestamp(), result.championBefore(), model));
            }
            return true;
        }

        /** The drift events among {@link #events}. */
        List<byte[]> driftEvents() {
            return events.stream().filter(e -> new String(e, java.nio.charset.StandardCharsets.UTF_8)
                    .contains("\"type\":\"" + ModelEventJson.DRIFT + "\"")).toList();
        }

        Reference feedAll(List<ProducerRecord<String, byte[]>> records) {
            records.forEach(this::feed);
            return this;
        }

        long count(Outcome outcome) {
            return outcomes[outcome.ordinal()];
        }

        /** modelVersion of every model. */
        Map<String, Long> versions() {
            Map<String, Long> v = new TreeMap<>();
            models.forEach((id, m) -> v.put(id, m.modelVersion()));
            return v;
        }
    }

    /** How a topic of predictions compares with the reference. */
    record PredictionCheck(int received, int distinct, int duplicates, int lost, int mismatched, int unexpected,
                           String firstProblem) {
        boolean exact() {
            return duplicates == 0 && lost == 0 && mismatched == 0 && unexpected == 0;
        }

        @Override
        public String toString() {
            return received + " predictions, " + distinct + " distinct readings, duplicates " + duplicates + ", lost " + lost
                    + ", differing from the uninterrupted run " + mismatched + ", unexpected " + unexpected
                    + (firstProblem == null ? "" : "; first problem: " + firstProblem);
        }
    }

    /**
     * Matches predictions to readings by timestamp: exactly one per reading, each byte for byte
     * the prediction of the uninterrupted run (same probabilities, loss and modelVersion), which
     * proves that every prediction was made by the model that had seen exactly the readings before it.
     */
    static PredictionCheck checkPredictions(List<ConsumerRecord<String, byte[]>> actual, Reference reference)
            throws IOException {
        Map<Long, Integer> seen = new HashMap<>();
        int duplicates = 0;
        int mismatched = 0;
        int unexpected = 0;
        String first = null;
        for (ConsumerRecord<String, byte[]> r : actual) {
            long ts = JSON.readTree(r.value()).get("timestamp").asLong();
            if (seen.merge(ts, 1, Integer::sum) > 1) {
                duplicates++;
                first = first != null ? first : "duplicate " + new String(r.value(), StandardCharsets.UTF_8);
                continue;
            }
            byte[] expected = reference.predictions.get(ts);
            if (expected == null) {
                unexpected++;
                first = first != null ? first : "unexpected " + new String(r.value(), StandardCharsets.UTF_8);
            } else if (!Arrays.equals(expected, r.value())) {
                mismatched++;
                first = first != null ? first : "got " + new String(r.value(), StandardCharsets.UTF_8)
                        + " expected " + new String(expected, StandardCharsets.UTF_8);
            }
        }
        int lost = 0;
        for (Long ts : reference.predictions.keySet()) {
            if (!seen.containsKey(ts)) {
                lost++;
                first = first != null ? first : "no prediction for the reading with timestamp " + ts;
            }
        }
        return new PredictionCheck(actual.size(), seen.size(), duplicates, lost, mismatched, unexpected, first);
    }

    /** Bytes of {@code topic} on the broker's disk (all partitions). */
    static long topicBytes(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            long bytes = 0;
            var dirs = admin.describeLogDirs(List.of(1)).allDescriptions().get();
            for (var dir : dirs.get(1).values()) {
                for (var e : dir.replicaInfos().entrySet()) {
                    if (e.getKey().topic().equals(topic)) {
                        bytes += e.getValue().size();
                    }
                }
            }
            return bytes;
        }
    }

    /**
     * Per partition of {@code topic}: the last stable offset (how far a read_committed consumer
     * reads: the first offset of the oldest open transaction, or the end) and the high watermark
     * (how far a read_uncommitted one reads). Records in between belong to open transactions.
     */
    record EndOffsets(long lastStable, long highWatermark) {
    }

    static Map<TopicPartition, EndOffsets> endOffsets(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (var p : admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()) {
                latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
            }
            var lastStable = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
            var highWatermarks = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get();
            Map<TopicPartition, EndOffsets> out = new HashMap<>();
            for (TopicPartition tp : latest.keySet()) {
                out.put(tp, new EndOffsets(lastStable.get(tp).offset(), highWatermarks.get(tp).offset()));
            }
            return out;
        }
    }

    /**
     * Produces records in order at a steady rate from a background thread, so that the stream is
     * still flowing while instances start, stop and crash ("mid-stream" by construction). {@link
     * #holdAt} stops it at a given reading until the test moves the hold on, so that a test whose
     * steps take longer than planned (a slow machine) still takes them mid-stream, not after the
     * last reading.
     */
    static final class PacedProducer implements AutoCloseable {
        private final Thread thread;
        private volatile boolean running = true;
        private volatile int sent;
        private volatile Throwable failure;
        private volatile int holdAt;

        PacedProducer(String bootstrap, List<ProducerRecord<String, byte[]>> records, int perSecond) {
            this(bootstrap, records, perSecond, Integer.MAX_VALUE);
        }

        PacedProducer(String bootstrap, List<ProducerRecord<String, byte[]>> records, int perSecond, int holdAt) {
            this.holdAt = holdAt;
            thread = new Thread(() -> {
                try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
                    long start = System.nanoTime();
                    for (int i = 0; i < records.size() && running; i++) {
                        if (i >= this.holdAt) {
                            producer.flush();
                            long held = System.nanoTime();
                            while (i >= this.holdAt && running) {
                                Thread.sleep(10);
                            }
                            start += System.nanoTime() - held; // then on at the same rate, not in a burst
                            if (!running) {
                                break;
                            }
                        }
                        long due = start + (long) (i * 1e9 / perSecond);
                        long wait = due - System.nanoTime();
                        if (wait > 1_000_000) {
                            producer.flush();
                            Thread.sleep(wait / 1_000_000);
                        }
                        producer.send(records.get(i), (m, e) -> {
                            if (e != null) {
                                failure = e;
                            }
                        });
                        sent = i + 1;
                    }
                    producer.flush();
                } catch (Throwable t) {
                    failure = t;
                }
            }, "paced-producer");
            thread.setDaemon(true);
            thread.start();
        }

        int sent() {
            return sent;
        }

        /** Produces no reading from index {@code index} on (until the hold moves on). */
        void holdAt(int index) {
            holdAt = index;
        }

        void await(Duration timeout) throws InterruptedException {
            thread.join(timeout.toMillis());
            if (thread.isAlive()) {
                throw new AssertionError("producer still running after " + timeout + " (" + sent + " sent)");
            }
            if (failure != null) {
                throw new AssertionError("producing failed", failure);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(10_000);
        }
    }

    /**
     * The data records of {@code topic} as a read_uncommitted consumer sees them: the committed
     * ones plus those of aborted transactions (work a crash undid and a restart redid).
     */
    static long uncommittedCount(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        long count = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<org.apache.kafka.common.TopicPartition> partitions = c.partitionsFor(topic).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> end = c.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                count += c.poll(Duration.ofMillis(200)).count();
            }
        }
        return count;
    }

    /**
     * Reads the models topic (read_committed) until the latest snapshot of every model in
     * {@code versions} has that modelVersion; returns the latest snapshot of every model seen.
     */
    static Map<String, OnlineModel> awaitSnapshots(String bootstrap, String topic, Map<String, Long> versions,
                                                   Duration timeout) throws IOException {
        Map<String, byte[]> latest = new HashMap<>();
        Map<String, Long> latestVersion = new HashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, byte[]> c = committedConsumer(bootstrap, topic)) {
            while (true) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    latest.put(r.key(), r.value());
                    latestVersion.put(r.key(), JSON.readTree(r.value()).get("modelVersion").asLong());
                }
                boolean done = true;
                for (var e : versions.entrySet()) {
                    done &= e.getValue().equals(latestVersion.get(e.getKey()));
                }
                if (done || System.nanoTime() > deadline) {
                    break;
                }
            }
        }
        Map<String, OnlineModel> out = new TreeMap<>();
        latest.forEach((k, v) -> out.put(k, ModelSnapshot.fromJson(new String(v, StandardCharsets.UTF_8))));
        return out;
    }
}
