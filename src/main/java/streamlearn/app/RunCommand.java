package streamlearn.app;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code run}: the learner against an existing cluster, until SIGTERM or Ctrl-C. */
final class RunCommand {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);
    static final String HELP = """
            Usage: streamlearn run [--config FILE]

            Runs the learner against an existing Kafka cluster until SIGTERM or Ctrl-C, then leaves
            the consumer group, commits and exits 0.

              --config FILE   properties file (keys: docs/DESIGN.md, Configuration); every key can also be set
                              with an environment variable STREAMLEARN_<KEY>, e.g.
                              STREAMLEARN_BOOTSTRAP_SERVERS=broker:9092. Keys under kafka. go to the
                              Kafka clients unchanged (kafka.security.protocol=SASL_SSL, ...).

            The topics must exist (streamlearn topics create). Metrics: http://HOST:9404/metrics,
            health: http://HOST:9404/health.
            """;

    private RunCommand() {
    }

    static int run(String[] args, PrintStream out) throws InterruptedException {
        CliOptions options = CliOptions.parse("run", args, 1, Set.of("config"), Set.of());
        if (options.help()) {
            out.print(HELP);
            return 0;
        }
        String file = options.string("config", null);
        StreamlearnConfig config = StreamlearnConfig.load(file == null ? null : Path.of(file), System.getenv());
        ShutdownSignal signal = ShutdownSignal.install();
        try (LearnerApp app = LearnerApp.start(config)) {
            while (!signal.await(500)) {
                KafkaStreams.State state = app.streams().state();
                if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING) {
                    if (app.stopReason() != null) {
                        throw new StartupException(app.stopReason());
                    }
                    LOG.error("Kafka Streams stopped ({}); exiting", state);
                    return 1;
                }
            }
            LOG.info("{} received: closing", signal.received());
        }
        LOG.info("streamlearn stopped cleanly");
        return 0;
    }
}
