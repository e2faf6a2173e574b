package streamlearn.app;

import java.io.PrintStream;

/** {@code streamlearn <command> [options]}: the entry point of the jar and of the launcher. */
public final class Main {
    static final String HELP = """
            Usage: streamlearn <command> [options]

            An online multi-layer perceptron that learns from a Kafka topic while it serves.

            Commands:
              demo      a one-process demo: Kafka broker, simulator and learner, with live progress
              run       the learner against an existing Kafka cluster
              topics    create the topics (topics create)
              simulate  produce synthetic sensor readings to the readings topic
              replay    run the learner offline over a file of readings (no Kafka)
              model     restore a live model from a snapshot, or reset it (model restore, model reset)

            Run 'streamlearn <command> --help' for the options of a command.
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command and returns its exit code: 0 done, 2 bad usage, 1 failure. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(HELP);
            return args.length == 0 ? 2 : 0;
        }
        try {
            return switch (args[0]) {
                case "demo" -> DemoCommand.run(args, out);
                case "run" -> RunCommand.run(args, out);
                case "simulate" -> SimulateCommand.run(args, out);
                case "topics" -> TopicsCommand.run(args, out);
                case "replay" -> ReplayCommand.run(args, out, err);
                case "model" -> ModelCommand.run(args, out);
                default -> throw new UsageException("unknown command '" + args[0] + "' (see streamlearn --help)");
            };
        } catch (UsageException e) {
            err.println("streamlearn: " + e.getMessage());
            return 2;
        } catch (org.apache.kafka.common.config.ConfigException e) {
            // A kafka.* setting the Kafka clients refuse is a bad configuration, like ours.
            err.println("streamlearn: invalid Kafka setting: " + e.getMessage());
            return 2;
        } catch (StartupException e) {
            err.println("streamlearn " + args[0] + ": " + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println("streamlearn " + args[0] + ": failed: " + e);
            return 1;
        }
    }
}
