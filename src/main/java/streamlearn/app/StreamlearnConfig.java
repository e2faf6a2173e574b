package streamlearn.app;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.streams.StreamsConfig;
import streamlearn.format.ModelSeed;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.stream.LearnerSettings;
import streamlearn.stream.ModelKey;
import streamlearn.stream.ReplicaSettings;
import streamlearn.stream.SpecChangePolicy;
import streamlearn.stream.Topics;

/**
 * The configuration of {@code run}: a properties file, each key overridable by an environment
 * variable {@code STREAMLEARN_<KEY>} (upper case, dots as underscores), and every key under
 * {@code kafka.} passed to the Kafka clients with the prefix removed. A key that is neither ours
 * nor under {@code kafka.} is an error: a typo must not silently fall back to a default.
 */
public final class StreamlearnConfig {
    /** {@code metrics.host}'s default: loopback, so that the endpoint is not on the network unless asked. */
    public static final String DEFAULT_METRICS_HOST = "127.0.0.1";

    /** Our keys, their defaults (null: required or none) and what they mean; docs/DESIGN.md's table. */
    public static final Map<String, String[]> KEYS = new LinkedHashMap<>();

    static {
        key("bootstrap.servers", null, "Kafka brokers, host:port[,host:port...] (required)");
        key("application.id", "streamlearn", "Kafka Streams application id: instances sharing it share the work");
        key("model.spec", null, "model spec JSON file (default: the built-in sensor classifier)");
        key("model.key", "global", "which readings share a model: global, sensor or field:<name>");
        key("model.replicas", "false",
                "true: the global model trains as one replica per readings partition, merged in rounds (model.key=global)");
        key("model.replicas.merge.updates", String.valueOf(ReplicaSettings.DEFAULT_MERGE_UPDATES),
                "a replica sends its state for the round's merge after so many updates");
        key("model.replicas.merge.interval", "10s",
                "... or, with an update to share, this long after it last sent it");
        key("processing.guarantee", "exactly_once_v2", "exactly_once_v2 or at_least_once");
        key("metrics.window", "10s", "length of the windowed loss/accuracy records");
        key("metrics.port", "9404", "port of the HTTP endpoint: /metrics, /health, /predict, /models, the live page (none: no endpoint)");
        key("metrics.host", DEFAULT_METRICS_HOST, "address the HTTP endpoint binds to (0.0.0.0: every interface)");
        key("snapshot.interval", "60s", "how often changed models are published to the models topic");
        key("reading.max.bytes", String.valueOf(ReadingParser.DEFAULT_MAX_BYTES), "larger readings are rejected as oversized");
        key("state.dir", null, "Kafka Streams state directory (default: Kafka Streams' default under the temp dir)");
        key("topic.readings", Topics.DEFAULT.readings(), "input topic of readings");
        key("topic.predictions", Topics.DEFAULT.predictions(), "output topic of predictions");
        key("topic.metrics", Topics.DEFAULT.metrics(), "output topic of windowed metrics");
        key("topic.models", Topics.DEFAULT.models(), "output topic of model snapshots (compacted)");
        key("topic.events", Topics.DEFAULT.events(), "output topic of model events (a detected drift)");
        key("topic.dlq", Topics.DEFAULT.deadLetters(), "dead-letter topic of rejected readings and labels");
        key("topic.labels", Topics.DEFAULT.labels(), "input topic of late labels (as many partitions as the readings topic)");
        key("label.max.delay", "1h", "how long (stream time) an unlabeled reading waits for its late label; 0: none waits");
        key("label.max.pending", String.valueOf(LearnerSettings.DEFAULT_LABEL_MAX_PENDING),
                "the most unlabeled readings a task keeps waiting for a label; the oldest makes room");
        key("topic.control", Topics.DEFAULT.control(),
                "input topic of control commands (model restore, model reset; as many partitions as the readings topic)");
        key("topic.replicas", Topics.DEFAULT.replicas(),
                "the replicas' states for their merges (model.replicas; compacted, as many partitions as the readings topic)");
        key("reading.max.future", "1h", "a reading dated further ahead of the wall clock is rejected (future_timestamp)");
        key("model.init.snapshot", null, "a model snapshot JSON file that new models start from (default: the spec's init)");
        key("model.on.spec.change", "fail",
                "fail, reset or keep: what a stored model whose spec differs from the configured one does");
        key("model.cache.size", String.valueOf(LearnerSettings.DEFAULT_MODEL_CACHE_SIZE),
                "the most models a task keeps in memory; the least recently used is read back from the store when needed");
        key("model.checkpoint.readings", String.valueOf(LearnerSettings.DEFAULT_CHECKPOINT_READINGS),
                "inputs (readings, late labels) a model takes between two checkpoints of its whole state (1-65536)");
        key("metrics.max.models", String.valueOf(LearnerSettings.DEFAULT_METRICS_MAX_MODELS),
                "the most models with /metrics series of their own; the others share series without a model label");
    }

    private static void key(String name, String fallback, String doc) {
        KEYS.put(name, new String[] {fallback, doc});
    }

    public static final String KAFKA_PREFIX = "kafka.";
    public static final String ENV_PREFIX = "STREAMLEARN_";
    /** The launcher's JVM options ({@code ./streamlearn}): an environment variable of ours that is no configuration key. */
    public static final String JAVA_OPTS = "STREAMLEARN_JAVA_OPTS";

    private final Map<String, String> values;

    private StreamlearnConfig(Map<String, String> values) {
        this.values = values;
        for (String key : values.keySet()) {
            if (!KEYS.containsKey(key) && !key.startsWith(KAFKA_PREFIX)) {
                String closest = closestKey(key);
                throw new UsageException("unknown configuration key '" + key + "' (" + (closest != null
                        ? "did you mean " + closest + "?)"
                        : "streamlearn keys: " + String.join(", ", KEYS.keySet()) + "; Kafka client settings go under kafka.)"));
            }
        }
        if (get("bootstrap.servers") == null || get("bootstrap.servers").isBlank()) {
            throw new UsageException("bootstrap.servers is not set (in the config file or STREAMLEARN_BOOTSTRAP_SERVERS)");
        }
        String guarantee = get("processing.guarantee");
        if (!guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2) && !guarantee.equals(StreamsConfig.AT_LEAST_ONCE)) {
            throw new UsageException("processing.guarantee must be exactly_once_v2 or at_least_once, got '" + guarantee + "'");
        }
    }

    /**
     * The key of ours closest to {@code typed} when it is close enough to be a typo: at most 2
     * edits (insertions, deletions, substitutions, swaps of neighbours), and fewer than a third
     * of the typed key's length; the first in {@link #KEYS}' order on a tie. Null otherwise.
     */
    static String closestKey(String typed) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String known : KEYS.keySet()) {
            int d = editDistance(typed, known);
            if (d < bestDistance) {
                best = known;
                bestDistance = d;
            }
        }
        return bestDistance <= 2 && bestDistance * 3 < typed.length() ? best : null;
    }

    /** Optimal string alignment distance: Levenshtein plus the swap of two neighbouring characters. */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** Reads {@code file} (may be null) and then the environment. */
    public static StreamlearnConfig load(Path file, Map<String, String> environment) {
        Map<String, String> values = new TreeMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader in = Files.newBufferedReader(file)) {
                p.load(in);
            } catch (NoSuchFileException e) {
                throw new UsageException("config file " + file + ": no such file");
            } catch (IOException | IllegalArgumentException e) {
                throw new UsageException("config file " + file + ": " + e.getMessage());
            }
            for (String name : p.stringPropertyNames()) {
                values.put(name.trim(), p.getProperty(name).trim());
            }
        }
        environment.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length() && !name.equals(JAVA_OPTS)) {
                values.put(name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        return new StreamlearnConfig(values);
    }

    public static StreamlearnConfig of(Map<String, String> values) {
        return new StreamlearnConfig(new TreeMap<>(values));
    }

    public String get(String key) {
        String v = values.get(key);
        if (v != null) {
            return v;
        }
        String[] known = KEYS.get(key);
        return known == null ? null : known[0];
    }

    public Duration duration(String key) {
        return CliOptions.parseDuration(key, get(key));
    }

    public int integer(String key, int min) {
        try {
            int v = Integer.parseInt(get(key));
            if (v < min) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException(key + " must be an integer >= " + min + ", got '" + get(key) + "'");
        }
    }

    public ModelSpec spec() {
        return ReplayCommand.loadSpec(get("model.spec"));
    }

    public ModelKey modelKey() {
        try {
            return ModelKey.parse(get("model.key"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    public Topics topics() {
        return new Topics(get("topic.readings"), get("topic.predictions"), get("topic.metrics"), get("topic.models"),
                get("topic.dlq"), get("topic.events"), get("topic.labels"), get("topic.control"), get("topic.replicas"));
    }

    /** The metrics port, or -1 for no endpoint ({@code metrics.port=none}). */
    public int metricsPort() {
        return "none".equals(get("metrics.port")) ? -1 : integer("metrics.port", 0);
    }

    /** The address the HTTP endpoint binds to ({@code metrics.host}): a name or an IP literal. */
    public String metricsHost() {
        String host = get("metrics.host").trim();
        if (host.isEmpty()) {
            throw new UsageException("metrics.host is empty (an address such as 127.0.0.1 or 0.0.0.0)");
        }
        return host;
    }

    public LearnerSettings settings(int readingsPartitions, io.micrometer.core.instrument.MeterRegistry registry) {
        Duration window = duration("metrics.window");
        Duration snapshots = duration("snapshot.interval");
        if (window.isZero() || snapshots.isZero()) {
            throw new UsageException("metrics.window and snapshot.interval must be positive");
        }
        ModelSpec spec = spec();
        SpecChangePolicy onSpecChange;
        try {
            onSpecChange = SpecChangePolicy.parse(get("model.on.spec.change"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return withReplicas(new LearnerSettings(spec, modelKey(), topics(), window, snapshots, readingsPartitions,
                integer("reading.max.bytes", 1), duration("label.max.delay"), integer("label.max.pending", 1), registry)
                .with(duration("reading.max.future"), onSpecChange, seed(spec))
                .withScale(integer("model.cache.size", 1), checkpointReadings(), integer("metrics.max.models", 0)),
                readingsPartitions);
    }

    /** Whether the global model trains as replicas ({@code model.replicas}). */
    public boolean replicas() {
        String v = get("model.replicas").trim();
        if (!v.equals("true") && !v.equals("false")) {
            throw new UsageException("model.replicas must be true or false, got '" + v + "'");
        }
        if (v.equals("true") && modelKey().kind() != ModelKey.Kind.GLOBAL) {
            throw new UsageException("model.replicas=true needs model.key=global (model.key is " + get("model.key")
                    + "): only the global model is shared by every partition");
        }
        return v.equals("true");
    }

    /**
     * {@code settings} with the replicas' settings for {@code partitions} readings partitions (0,
     * offline: validated for one) and, with replicas, their spec ({@link SpecJson#forReplicas}).
     */
    private LearnerSettings withReplicas(LearnerSettings settings, int partitions) {
        int updates = integer("model.replicas.merge.updates", 1);
        Duration interval = duration("model.replicas.merge.interval");
        if (interval.isZero()) {
            throw new UsageException("model.replicas.merge.interval must be positive");
        }
        if (!replicas()) {
            return settings.withReplicas(settings.spec(), new ReplicaSettings(0, updates, interval));
        }
        int k = Math.max(1, partitions);
        return settings.withReplicas(SpecJson.forReplicas(settings.spec(), k), new ReplicaSettings(k, updates, interval));
    }

    /** The snapshot of {@code model.init.snapshot} as a seed for models of {@code spec}, or null. */
    private ModelSeed seed(ModelSpec spec) {
        String file = get("model.init.snapshot");
        return file == null ? null : ReplayCommand.loadSeed("model.init.snapshot", file, spec);
    }

    private int checkpointReadings() {
        int n = integer("model.checkpoint.readings", 1);
        if (n > 65_536) {
            throw new UsageException("model.checkpoint.readings must be an integer from 1 to 65536, got '" + n + "'");
        }
        return n;
    }

    /** Settings for every Kafka client: bootstrap.servers plus the kafka.* keys, prefix removed. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.put("bootstrap.servers", get("bootstrap.servers"));
        values.forEach((key, value) -> {
            if (key.startsWith(KAFKA_PREFIX)) {
                p.put(key.substring(KAFKA_PREFIX.length()), value);
            }
        });
        return p;
    }

    /** Kafka Streams settings: the client settings plus our defaults, which kafka.* keys override. */
    public Properties streamsProperties() {
        Properties p = clientProperties();
        p.putIfAbsent(StreamsConfig.APPLICATION_ID_CONFIG, get("application.id"));
        p.putIfAbsent(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, get("processing.guarantee"));
        if (get("state.dir") != null) {
            p.putIfAbsent(StreamsConfig.STATE_DIR_CONFIG, get("state.dir"));
        }
        // Records are small and the model is one per key: a short commit interval keeps the
        // end-to-end latency low under exactly-once (Kafka Streams' EOS default is 100 ms too).
        p.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        return p;
    }
}
