package streamlearn.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.logging.log4j.core.config.Configurator;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.stream.ModelKey;
import streamlearn.stream.Topics;

/**
 * {@code demo}: a real single-node KRaft broker in this process, the topics, the simulator and
 * the learner, with a progress line every second and a summary at the end.
 */
final class DemoCommand {
    static final String HELP = """
            Usage: streamlearn demo [--duration 60s] [--rate 2000] [--drift-at 30s] [--glitch-rate F]
                                    [--label-delay D] [--class-priors a,b,c] [--metrics-port 9404]

            Starts a real single-node Kafka broker on 127.0.0.1 (data in a temp dir), creates the
            topics, and runs the simulator and the learner. Prints records/s, the windowed loss and
            accuracy, the model version, the rejected count and the drifts detected so far every
            second, then a summary with the confusion matrix. The logs (the broker's, Kafka's and
            the learner's) go to ~/.cache/streamlearn/demo.log, rewritten at each start, or to the
            file of -Dstreamlearn.kafka.log=PATH (STREAMLEARN_JAVA_OPTS for the launcher).

              --duration D       how long to run, e.g. 60s or 5m (default: until Ctrl-C)
              --rate N           readings per second (default: 2000)
              --drift-at D       from this time on the machine runs 8 C hotter (default: never)
              --glitch-rate F    share of readings a sensor glitch replaces: a sentinel (65535, -999,
                                 ...), a spike, or a clock years off (default: 0)
              --label-delay D    readings go out unlabeled with an id; each label follows on
                                 sensor-labels after a random delay up to D (10% never)
                                 (default: labels inline)
              --class-priors a,b,c  how often normal, warning and critical come, e.g. 90,8,2 as in a
                                 plant (default: equally often, as in the seeds, so that every class
                                 is learned and shown from the first seconds)
              --metrics-port P   port of the live page, /metrics and /health on 127.0.0.1; one in
                                 use is an error before the broker starts; 0: any free port
                                 (default: 9404)
            """;
    private static final String SPARKS = "▁▂▃▄▅▆▇█";
    /** The system property naming the file of Kafka's logs (log4j2.xml), and of all the demo's logs. */
    static final String KAFKA_LOG = "streamlearn.kafka.log";

    private DemoCommand() {
    }

    static int run(String[] args, PrintStream out) throws Exception {
        CliOptions o = CliOptions.parse("demo", args, 1, Set.of("duration", "rate", "drift-at", "glitch-rate", "label-delay", "class-priors",
                "metrics-port"),
                Set.of());
        if (o.help()) {
            out.print(HELP);
            return 0;
        }
        Duration duration = o.duration("duration", null);
        double rate = o.doubleValue("rate", 2000, 1, 1_000_000);
        Duration driftAt = o.duration("drift-at", null);
        double glitchRate = o.doubleValue("glitch-rate", 0, 0, 1);
        Duration labelDelay = o.duration("label-delay", null);
        double[] priors = Simulator.classPriors("demo", o);
        int port = (int) o.longValue("metrics-port", 9404, 0);
        checkPortFree(port);
        ShutdownSignal signal = ShutdownSignal.install();

        long started = System.nanoTime();
        // Kafka Streams warns about state under the OS temp dir (it may be cleaned under it).
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "streamlearn");
        Files.createDirectories(cache);
        Path log = logToFile(cache.resolve("demo.log"));
        Path stateDir = Files.createTempDirectory(cache, "demo-state-");
        out.println("streamlearn demo: starting a Kafka broker on 127.0.0.1 (logs: " + log + ") ...");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            out.printf("broker up at %s after %.1f s%n", bootstrap, seconds(started));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                // One readings partition: the global model sees the readings in order, no repartition.
                TopicDefinitions.create(admin, Topics.DEFAULT, 1);
            }
            Map<String, String> config = new HashMap<>();
            config.put("bootstrap.servers", bootstrap);
            config.put("application.id", "streamlearn-demo");
            config.put("state.dir", stateDir.toString());
            config.put("metrics.port", String.valueOf(port));
            config.put("metrics.window", "2s");
            config.put("snapshot.interval", "10s");
            ModelSpec spec = SpecJson.defaultSpec();
            try (LearnerApp app = LearnerApp.start(StreamlearnConfig.of(config));
                 KafkaProducer<String, byte[]> producer = new KafkaProducer<>(SimulateCommand.producerConfig(bootstrap))) {
                out.printf("learner started; live page: http://127.0.0.1:%d/ (metrics: /metrics); simulating %.0f readings/s%s%n",
                        app.metricsPort(), rate, (driftAt == null ? "" : ", drift at " + driftAt.toSeconds() + " s")
                                + (glitchRate == 0 ? "" : ", " + glitchRate * 100 + "% glitches")
                                + (labelDelay == null ? "" : ", labels up to " + labelDelay.toMillis() / 1000.0 + " s late on "
                                        + Topics.DEFAULT.labels()));
                out.println("every second: rec/s, the last 2 s window's loss, accuracy and critical recall, ...; "
                        + "the bars: each window's accuracy, " + WindowSparkline.bar(0.5) + " 0.5 or less to "
                        + WindowSparkline.bar(1) + " 1.0");
                if (labelDelay != null) {
                    // A late label is matched against the readings processed so far: readings piled
                    // up while the learner joins its group would be caught up with their labels
                    // close behind, and some labels would overtake their readings (docs/DESIGN.md).
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (app.streams().state() != org.apache.kafka.streams.KafkaStreams.State.RUNNING
                            && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                }
                PredictionTally tally = new PredictionTally(bootstrap, Topics.DEFAULT.predictions(),
                        labelDelay == null ? null : Topics.DEFAULT.labels(), spec.classes());
                Thread tallyThread = new Thread(tally, "prediction-tally");
                tallyThread.setDaemon(true);
                tallyThread.start();
                long driftReading = driftAt == null ? -1 : (long) (driftAt.toMillis() / 1000.0 * rate);
                Simulator simulator = new Simulator(producer, Topics.DEFAULT.readings(), 42, 16, rate, -1, 0.1, driftReading,
                        glitchRate, Topics.DEFAULT.labels(), labelDelay, priors);
                Thread simulatorThread = new Thread(simulator, "simulator");
                simulatorThread.setDaemon(true);
                long simulationStart = System.nanoTime();
                simulatorThread.start();

                progress(out, app.registry(), tally, simulationStart, duration, signal, started);

                simulator.stop();
                simulatorThread.join(5000);
                double sending = seconds(simulationStart);
                // Let the learner deliver what was sent before summing up. A reading it rejected
                // or failed on (dead-lettered) has no prediction to wait for.
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (tally.predictions() + count(app.registry(), "streamlearn.records", "rejected")
                        + count(app.registry(), "streamlearn.records", "failed") < simulator.sent()
                        && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                tally.stop();
                summary(out, app.registry(), tally, simulator.sent(), spec.classes(), sending);
                out.println("shutting down ...");
            }
        } finally {
            EmbeddedKafkaBroker.deleteRecursively(stateDir);
        }
        out.println("done");
        return 0;
    }

    /**
     * From now on every log line of this process (the broker's, Kafka's clients', Kafka Streams',
     * the learner's) goes to one file, rewritten now: {@code -Dstreamlearn.kafka.log}'s when the
     * user chose one, else {@code file}; the terminal keeps the demo's own lines, and a learner's
     * error as one line (log4j2-demo.xml). A reconfiguration rather than a choice at start-up, so
     * that it holds whether or not something logged before. The other commands keep log4j2.xml:
     * a service logs to its console.
     */
    private static Path logToFile(Path file) throws java.net.URISyntaxException {
        String chosen = System.getProperty(KAFKA_LOG);
        Path chosenFile = chosen == null ? file.toAbsolutePath() : Path.of(chosen).toAbsolutePath();
        System.setProperty(KAFKA_LOG, chosenFile.toString());
        Configurator.reconfigure(DemoCommand.class.getResource("/log4j2-demo.xml").toURI());
        return chosenFile;
    }

    /**
     * Fails with one line naming the option the user typed when {@code --metrics-port}'s port
     * cannot be bound on the demo's address (the learner's default {@code metrics.host}), so the
     * user hears of it before a broker is started (and not from {@code metrics.port} after it).
     * Port 0 (any free port) always can.
     */
    static void checkPortFree(int port) {
        if (port == 0) {
            return;
        }
        if (port > 65_535) {
            throw new UsageException("demo --metrics-port " + port + ": not a port (0 to 65535)");
        }
        String host = StreamlearnConfig.DEFAULT_METRICS_HOST;
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.bind(new java.net.InetSocketAddress(java.net.InetAddress.getByName(host), port));
        } catch (java.io.IOException e) {
            throw new UsageException("demo --metrics-port " + port + ": cannot listen on " + host + " (" + e.getMessage()
                    + "); choose another port, or --metrics-port 0 for any free one");
        }
    }

    private static void progress(PrintStream out, MeterRegistry registry, PredictionTally tally, long simulationStart,
                                 Duration duration, ShutdownSignal signal, long started) throws InterruptedException {
        WindowSparkline sparkline = new WindowSparkline();
        String critical = criticalClass(registry);
        double lastRecords = 0;
        boolean announcedFirst = false;
        for (int second = 1; ; second++) {
            long next = simulationStart + second * 1_000_000_000L;
            if (signal.await(Math.max(0, (next - System.nanoTime()) / 1_000_000))) {
                out.println("(" + signal.received() + ")");
                return;
            }
            if (!announcedFirst && tally.firstPredictionAt() > 0) {
                announcedFirst = true;
                out.printf("first prediction %.1f s after start%n", (tally.firstPredictionAt() - started) / 1e9);
            }
            double records = count(registry, "streamlearn.records", null);
            double loss = gauge(registry, "streamlearn.loss");
            double accuracy = gauge(registry, "streamlearn.accuracy");
            sparkline.offer(loss, accuracy);
            out.println(progressLine(second, records - lastRecords, loss, accuracy, critical, recall(registry, critical),
                    gauge(registry, "streamlearn.model.version"), count(registry, "streamlearn.records", "rejected"),
                    count(registry, "streamlearn.drifts", null), sparkline.toString()));
            lastRecords = records;
            if (duration != null && System.nanoTime() - simulationStart >= duration.toNanos()) {
                return;
            }
        }
    }

    /**
     * One progress line. A value the learner has not reported yet (no gauge before the first
     * prediction: NaN) reads "-", so the line never shows "NaN".
     */
    static String progressLine(int second, double recordsPerSecond, double loss, double accuracy, String critical,
                               double criticalRecall, double modelVersion, double rejected, double drifts, String sparkline) {
        String model = Double.isFinite(modelVersion) ? String.format("v%-8.0f", modelVersion) : String.format("%-9s", "-");
        return String.format("%4ds  %7.0f rec/s  loss %s  accuracy %s  %s recall %s  model %s rejected %.0f  drifts %.0f  %s",
                second, recordsPerSecond, format(loss, "%.4f"), format3(accuracy), critical, format3(criticalRecall),
                model, rejected, drifts, sparkline);
    }

    private static String format3(double v) {
        return Double.isFinite(v) ? String.format("%.3f", v) : "  -  ";
    }

    /** The class whose recall the progress line shows: "critical" when the spec has it, else its last class. */
    private static String criticalClass(MeterRegistry registry) {
        String last = null;
        for (Gauge g : registry.find("streamlearn.recall").tag("model", ModelKey.GLOBAL_MODEL_ID).gauges()) {
            String c = g.getId().getTag("class");
            if ("critical".equals(c)) {
                return c;
            }
            last = c;
        }
        return last == null ? "critical" : last;
    }

    private static double recall(MeterRegistry registry, String cls) {
        Gauge g = registry.find("streamlearn.recall").tag("model", ModelKey.GLOBAL_MODEL_ID).tag("class", cls).gauge();
        return g == null ? Double.NaN : g.value();
    }

    private static void summary(PrintStream out, MeterRegistry registry, PredictionTally tally, long sent,
                                List<String> classes, double seconds) {
        long[][] confusion = tally.confusion();
        long labeled = 0;
        long correct = 0;
        for (int i = 0; i < confusion.length; i++) {
            for (int j = 0; j < confusion.length; j++) {
                labeled += confusion[i][j];
                correct += i == j ? confusion[i][j] : 0;
            }
        }
        out.println();
        out.println("summary");
        out.printf("  readings sent        %d in %.1f s (%.0f/s)%n", sent, seconds, sent / seconds);
        out.printf("  predictions read     %d (read_committed)%n", tally.predictions());
        out.printf("  labeled              %d, prequential accuracy %s%n", labeled,
                format(labeled == 0 ? Double.NaN : (double) correct / labeled, "%.4f"));
        out.println(recallLine(classes, confusion));
        out.printf("  model version        %.0f%n", gauge(registry, "streamlearn.model.version"));
        out.printf("  rejected             %.0f, diverged %.0f%n", count(registry, "streamlearn.records", "rejected"),
                count(registry, "streamlearn.records", "diverged"));
        out.printf("  drifts detected      %.0f (events on %s)%n", count(registry, "streamlearn.drifts", null),
                Topics.DEFAULT.events());
        double matched = count(registry, "streamlearn.labels", "matched");
        double early = count(registry, "streamlearn.labels", "early");
        double unmatched = count(registry, "streamlearn.labels", "unmatched");
        if (matched + early + unmatched > 0) {
            lateLabelLines(matched, early, unmatched, gauge(registry, "streamlearn.pending.readings"),
                    gauge(registry, "streamlearn.waiting.labels")).forEach(out::println);
        }
        out.println("  confusion matrix (rows: label, columns: prediction)");
        int width = Math.max(10, classes.stream().mapToInt(String::length).max().orElse(8) + 2);
        StringBuilder header = new StringBuilder(" ".repeat(4 + width));
        for (String c : classes) {
            header.append(String.format("%" + width + "s", c));
        }
        out.println(header);
        for (int i = 0; i < classes.size(); i++) {
            StringBuilder row = new StringBuilder(String.format("    %-" + width + "s", classes.get(i)));
            for (int j = 0; j < classes.size(); j++) {
                row.append(String.format("%" + width + "d", confusion[i][j]));
            }
            out.println(row);
        }
    }

    private static double count(MeterRegistry registry, String name, String outcome) {
        double sum = 0;
        for (Counter c : registry.find(name).counters()) {
            if (outcome == null || outcome.equals(c.getId().getTag("outcome"))) {
                sum += c.count();
            }
        }
        return sum;
    }

    private static double gauge(MeterRegistry registry, String name) {
        Gauge g = registry.find(name).tag("model", ModelKey.GLOBAL_MODEL_ID).gauge();
        return g == null ? Double.NaN : g.value();
    }

    private static String format(double v, String pattern) {
        return Double.isFinite(v) ? String.format(pattern, v) : "  -   ";
    }

    /** The summary's recall of each class over the whole run, from the confusion matrix: right / labeled. */
    static String recallLine(List<String> classes, long[][] confusion) {
        StringBuilder b = new StringBuilder("  recall by class     ");
        for (int i = 0; i < classes.size(); i++) {
            long labeled = 0;
            for (long n : confusion[i]) {
                labeled += n;
            }
            b.append(i == 0 ? " " : ", ").append(classes.get(i)).append(' ')
                    .append(labeled == 0 ? "-" : String.format("%.3f", (double) confusion[i][i] / labeled))
                    .append(" (").append(confusion[i][i]).append(" of ").append(labeled).append(')');
        }
        return b.toString();
    }

    /** The summary's late labels, in words: what matched, unmatched and waiting mean. */
    static List<String> lateLabelLines(double matched, double early, double unmatched, double waitingReadings,
                                       double waitingLabels) {
        String indent = "                       ";
        return List.of(
                String.format("  late labels          %.0f matched: found their reading and scored the prediction made for it"
                        + " (%.0f after it, %.0f before it)", matched + early, matched, early),
                String.format("%s%.0f unmatched: their reading had stopped waiting (label.max.delay) or never came;"
                        + " dead-lettered as unmatched_label", indent, unmatched),
                String.format("%s%.0f readings still waiting for a label (10%% of readings never get one, the rest are"
                        + " on their way), %.0f labels waiting for their reading", indent,
                        Double.isFinite(waitingReadings) ? waitingReadings : 0, Double.isFinite(waitingLabels) ? waitingLabels : 0));
    }

    /**
     * The progress line's sparkline: one bar per metrics window (a second without a new window
     * adds none), the window's accuracy on a fixed scale, 0.5 or below ▁ to 1.0 █, so that a bar
     * means the same all run long; the last {@value #BARS} windows.
     */
    static final class WindowSparkline {
        static final int BARS = 30;
        private final ArrayDeque<Double> accuracies = new ArrayDeque<>();
        private double lastLoss = Double.NaN;
        private double lastAccuracy = Double.NaN;

        /**
         * The gauges now: a window closed since the last call when they changed (two windows with
         * exactly the same mean loss and accuracy would look like one).
         */
        void offer(double loss, double accuracy) {
            if (!Double.isFinite(accuracy)
                    || (Double.compare(loss, lastLoss) == 0 && Double.compare(accuracy, lastAccuracy) == 0)) {
                return;
            }
            lastLoss = loss;
            lastAccuracy = accuracy;
            accuracies.addLast(accuracy);
            if (accuracies.size() > BARS) {
                accuracies.removeFirst();
            }
        }

        static char bar(double accuracy) {
            double scaled = (Math.min(1, Math.max(0.5, accuracy)) - 0.5) / 0.5;
            return SPARKS.charAt((int) Math.round(scaled * (SPARKS.length() - 1)));
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            for (double a : accuracies) {
                b.append(bar(a));
            }
            return b.toString();
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
