package streamlearn.app;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import streamlearn.stream.LearnerSettings;
import streamlearn.stream.LearnerStoppedException;
import streamlearn.stream.LearnerTopology;
import streamlearn.stream.LiveView;
import streamlearn.stream.Topics;

/**
 * The running learner: checks the cluster, starts Kafka Streams with the learner topology, and
 * serves its metrics. What {@code run} runs, and what {@code demo} and the integration tests
 * start in-process.
 */
public final class LearnerApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LearnerApp.class);
    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(15);

    private final KafkaStreams streams;
    private final PrometheusMeterRegistry registry;
    private final KafkaStreamsMetrics streamsMetrics;
    private final ScheduledExecutorService metricsRefresh;
    private final MetricsServer http;
    private final LearnerSettings settings;
    /** Why the learner stopped by itself (a changed spec, unreadable state), or null. */
    private volatile String stopReason;

    private LearnerApp(KafkaStreams streams, PrometheusMeterRegistry registry, KafkaStreamsMetrics streamsMetrics,
                       ScheduledExecutorService metricsRefresh, MetricsServer http, LearnerSettings settings) {
        this.streams = streams;
        this.registry = registry;
        this.streamsMetrics = streamsMetrics;
        this.metricsRefresh = metricsRefresh;
        this.http = http;
        this.settings = settings;
    }

    public static LearnerApp start(StreamlearnConfig config) {
        // Validate everything that can be validated offline first, so a typo is reported before
        // any network wait.
        config.settings(0, null);
        config.metricsPort();
        config.metricsHost();
        int partitions = checkCluster(config.clientProperties(), config.topics(), config.replicas());

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);

        LearnerSettings settings = config.settings(partitions, registry);
        if (settings.seed() != null) {
            LOG.info("New models start from {}", config.get("model.init.snapshot"));
            if (settings.seed().warning() != null) {
                LOG.warn("{}", settings.seed().warning());
            }
        }
        Properties props = LearnerTopology.streamsProperties(settings, config.streamsProperties());
        // The endpoint is bound first: its host:port is this instance's application.server, which
        // the other instances forward requests for its models to (POST /predict, GET /models).
        int port = config.metricsPort();
        KafkaStreams[] running = new KafkaStreams[1];
        MetricsServer http = port >= 0
                ? MetricsServer.start(config.metricsHost(), port, registry,
                        () -> running[0] != null && running[0].state() == KafkaStreams.State.RUNNING)
                : null;
        HostInfo self = null;
        if (http != null) {
            String advertised = props.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG);
            if (advertised == null) {
                advertised = advertisedHost(http.host()) + ":" + http.port();
                props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, advertised);
            }
            self = HostInfo.buildFromEndpoint(advertised);
        }
        LiveView view = new LiveView(settings.spec());
        KafkaStreams streams;
        try {
            streams = new KafkaStreams(LearnerTopology.build(settings, view, props), props);
        } catch (RuntimeException e) {
            if (http != null) {
                http.close();
            }
            throw e;
        }
        running[0] = streams;
        if (http != null) {
            new LearnerHttpApi(streams, view, settings, self, System::currentTimeMillis).register(http);
        }
        LearnerApp[] app = new LearnerApp[1];
        streams.setUncaughtExceptionHandler(e -> {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof LearnerStoppedException stopped) {
                    LOG.error("The learner stops: {}", stopped.getMessage());
                    app[0].stopReason = stopped.getMessage();
                    return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
                }
            }
            LOG.error("A stream thread failed; shutting this instance down (the group keeps the work)", e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> LOG.info("Kafka Streams {} -> {}", before, now));
        // A short refresh so task- and store-level metrics appear soon after tasks are assigned.
        ScheduledExecutorService refresh = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kafka-metrics-refresh");
            t.setDaemon(true);
            return t;
        });
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams, Tags.empty(), refresh, Duration.ofSeconds(5));
        streamsMetrics.bindTo(registry);
        app[0] = new LearnerApp(streams, registry, streamsMetrics, refresh, http, settings);
        streams.start();
        LOG.info("streamlearn started: application.id={}, model.key={}, {} readings partition(s){}{}",
                props.get("application.id"), settings.modelKey(), partitions,
                settings.needsRepartition() ? ", repartitioned by model key"
                        : settings.replicas().enabled() ? ", " + partitions + " replicas of the global model" : "",
                http != null ? ", HTTP endpoint on " + http.host() + ":" + http.port() + " (application.server "
                        + props.get(StreamsConfig.APPLICATION_SERVER_CONFIG) + ")" : "");
        return app[0];
    }

    /**
     * The host other instances reach this one's endpoint at: the bound address, or, bound to every
     * interface (0.0.0.0, ::), this machine's name. {@code kafka.application.server} overrides it.
     */
    static String advertisedHost(String bound) {
        try {
            if (java.net.InetAddress.getByName(bound).isAnyLocalAddress()) {
                return java.net.InetAddress.getLocalHost().getHostName();
            }
        } catch (java.io.IOException e) {
            LOG.warn("Cannot tell this machine's name ({}); other instances are told {}", e.toString(), bound);
        }
        return bound.contains(":") && !bound.startsWith("[") ? "[" + bound + "]" : bound;
    }

    /**
     * Fails fast, with one line, when the brokers cannot be reached, a topic is missing, or the
     * labels topic has not the readings topic's partition count (a late label would then reach
     * another task than its reading, and never find it).
     */
    static int checkCluster(Properties client, Topics topics, boolean replicas) {
        checkReachable(client);
        String bootstrap = client.getProperty("bootstrap.servers");
        long timeout = STARTUP_TIMEOUT.toMillis();
        List<String> names = new java.util.ArrayList<>(List.of(topics.readings(), topics.predictions(), topics.metrics(),
                topics.models(), topics.deadLetters(), topics.events(), topics.labels(), topics.control()));
        if (replicas) {
            names.add(topics.replicas());
        }
        try (Admin a = Admin.create(TopicsCommand.withTimeouts(client))) {
            var existing = a.listTopics().names().get(timeout, TimeUnit.MILLISECONDS);
            List<String> missing = names.stream().filter(n -> !existing.contains(n)).toList();
            if (!missing.isEmpty()) {
                throw new StartupException("missing topic(s) " + String.join(", ", missing) + " on " + bootstrap
                        + "; create them with: streamlearn topics create --bootstrap " + bootstrap);
            }
            List<String> described = new java.util.ArrayList<>(List.of(topics.readings(), topics.labels(), topics.control()));
            if (replicas) {
                described.add(topics.replicas());
            }
            Map<String, TopicDescription> found = a.describeTopics(described).allTopicNames().get(timeout, TimeUnit.MILLISECONDS);
            int readings = found.get(topics.readings()).partitions().size();
            samePartitions(found, topics.labels(), topics.readings(), readings, "a late label must come from the partition number of its reading");
            samePartitions(found, topics.control(), topics.readings(), readings,
                    "a control command must come from the partition number of its model's readings");
            if (replicas) {
                samePartitions(found, topics.replicas(), topics.readings(), readings,
                        "model.replicas: replica p reads the other replicas' states from partition p");
            }
            return readings;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while checking the cluster");
        } catch (TimeoutException | ExecutionException e) {
            StartupException auth = authenticationFailure(bootstrap, e);
            if (auth != null) {
                throw auth;
            }
            throw new StartupException("cannot list the topics on " + bootstrap + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : "timed out"));
        }
    }

    private static void samePartitions(Map<String, TopicDescription> found, String topic, String readingsTopic, int readings,
                                       String why) {
        int partitions = found.get(topic).partitions().size();
        if (partitions != readings) {
            throw new StartupException("topic " + topic + " has " + partitions + " partition(s), but " + readingsTopic
                    + " has " + readings + ": " + why + "; recreate " + topic + " with " + readings + " partition(s)");
        }
    }

    /** One clear line instead of a client retrying forever against an unreachable broker. */
    static void checkReachable(Properties client) {
        String bootstrap = client.getProperty("bootstrap.servers");
        try (Admin a = Admin.create(TopicsCommand.withTimeouts(client))) {
            a.describeCluster().nodes().get(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while connecting to " + bootstrap);
        } catch (TimeoutException | ExecutionException | org.apache.kafka.common.KafkaException e) {
            if (e instanceof org.apache.kafka.common.config.ConfigException config) {
                throw config;
            }
            throw connectionError(bootstrap, e);
        }
    }

    /**
     * The one line for a failed first contact with the cluster: {@code authentication failed at
     * BOOTSTRAP: <Kafka's message>} when Kafka refused the credentials (an {@link
     * AuthenticationException}, SASL's or SSL's, itself or as a cause), else {@code cannot reach
     * Kafka} (no answer in time) or {@code cannot connect to Kafka} (a client error).
     */
    static StartupException connectionError(String bootstrap, Exception e) {
        StartupException auth = authenticationFailure(bootstrap, e);
        if (auth != null) {
            return auth;
        }
        if (e instanceof TimeoutException || e instanceof ExecutionException) {
            return new StartupException("cannot reach Kafka at " + bootstrap + " within " + STARTUP_TIMEOUT.toSeconds() + " s");
        }
        return new StartupException("cannot connect to Kafka at " + bootstrap + ": " + e.getMessage());
    }

    /** {@code authentication failed at BOOTSTRAP: ...} when {@code e} or one of its causes is Kafka's authentication failure, else null. */
    static StartupException authenticationFailure(String bootstrap, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AuthenticationException auth) {
                return new StartupException("authentication failed at " + bootstrap + ": "
                        + (auth.getMessage() != null ? auth.getMessage() : auth.getClass().getSimpleName()));
            }
        }
        return null;
    }

    public KafkaStreams streams() {
        return streams;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public LearnerSettings settings() {
        return settings;
    }

    /** Why the learner stopped by itself (one line naming the model), or null while it has not. */
    public String stopReason() {
        return stopReason;
    }

    /** The bound port of the metrics endpoint, or -1 without one. */
    public int metricsPort() {
        return http == null ? -1 : http.port();
    }

    /** Leaves the group (so a rebalance hands the work on at once), commits, closes. */
    @Override
    public void close() {
        boolean clean = streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        if (!clean) {
            LOG.warn("Kafka Streams did not close within 30 s");
        }
        streamsMetrics.close();
        metricsRefresh.shutdownNow();
        if (http != null) {
            http.close();
        }
        registry.close();
    }
}
