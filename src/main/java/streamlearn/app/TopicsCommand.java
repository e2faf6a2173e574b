package streamlearn.app;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import streamlearn.stream.Topics;

/** {@code topics create}: creates the topics of topics/topics.json that are missing. */
final class TopicsCommand {
    static final String HELP = """
            Usage: streamlearn topics create [--bootstrap HOST:PORT] [--config FILE] [--partitions N]

            Creates the topics defined in topics/topics.json (partitions, cleanup policy, retention,
            timestamp type) that do not exist yet. Existing topics are left unchanged.

              --bootstrap HOST:PORT   Kafka brokers (default: the config's bootstrap.servers, else
                                      localhost:9092)
              --config FILE           the learner's config (run --config): the topics get its names
                                      (topic.readings, topic.control, ...) and its kafka.* client
                                      settings; STREAMLEARN_<KEY> variables apply as for run
              --partitions N          partitions of the readings, labels, control and predictions
                                      topics (default: as in topics.json; labels and control must
                                      have the readings' partition count)
            """;

    private TopicsCommand() {
    }

    static int run(String[] args, PrintStream out) throws InterruptedException {
        if (args.length < 2 || !args[1].equals("create")) {
            if (args.length >= 2 && (args[1].equals("--help") || args[1].equals("-h"))) {
                out.print(HELP);
                return 0;
            }
            throw new UsageException("topics: expected 'topics create' (see topics --help)");
        }
        CliOptions options = CliOptions.parse("topics create", args, 2, Set.of("bootstrap", "partitions", "config"), Set.of());
        if (options.help()) {
            out.print(HELP);
            return 0;
        }
        int partitions = (int) options.longValue("partitions", 0, 1);
        Properties p = new Properties();
        Topics names = Topics.DEFAULT;
        String file = options.string("config", null);
        if (file != null) {
            Map<String, String> environment = new HashMap<>(System.getenv());
            if (options.has("bootstrap")) {
                // The config may lack bootstrap.servers when the command line gives it.
                environment.put(StreamlearnConfig.ENV_PREFIX + "BOOTSTRAP_SERVERS", options.string("bootstrap", null));
            }
            StreamlearnConfig config = StreamlearnConfig.load(Path.of(file), environment);
            p.putAll(config.clientProperties());
            names = config.topics();
        }
        String bootstrap = options.string("bootstrap", p.getProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092"));
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        LearnerApp.checkReachable(p);
        try (Admin admin = Admin.create(withTimeouts(p))) {
            List<String> created = TopicDefinitions.create(admin, names, partitions);
            out.println(created.isEmpty() ? "all topics exist" : "created " + String.join(", ", created));
        } catch (ExecutionException e) {
            StartupException auth = LearnerApp.authenticationFailure(bootstrap, e);
            if (auth != null) {
                throw auth;
            }
            throw new StartupException("creating topics on " + bootstrap + " failed: " + e.getCause().getMessage());
        }
        return 0;
    }

    static Properties withTimeouts(Properties p) {
        Properties q = new Properties();
        q.putAll(p);
        int timeout = (int) LearnerApp.STARTUP_TIMEOUT.toMillis();
        q.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout);
        q.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
        return q;
    }
}
