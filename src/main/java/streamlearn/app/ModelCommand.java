package streamlearn.app;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import streamlearn.format.ControlCommand;
import streamlearn.format.ModelSnapshot;
import streamlearn.model.OnlineModel;
import streamlearn.model.SpecException;
import streamlearn.stream.Topics;

/**
 * {@code model restore} and {@code model reset}: one control command on the control topic, keyed
 * by the model id, for the running learner to apply in order with the readings (docs/DESIGN.md).
 */
final class ModelCommand {
    static final String HELP = """
            Usage: streamlearn model restore --bootstrap HOST:PORT --model ID --snapshot FILE [--topic T]
                   streamlearn model reset   --bootstrap HOST:PORT --model ID [--topic T]

            Sends a control command to the running learner, which applies it exactly once, in order
            with the readings, on whichever instance holds the model, and writes an event to
            learner-events ("restored" or "reset"). A command the learner refuses (e.g. a snapshot
            of another spec) goes to the dead-letter topic with its reason.

              restore         replace model ID by the snapshot (a snapshot JSON: learner-models,
                              replay --model); its predictions continue from its modelVersion
              reset           start model ID afresh from the configured spec
              --bootstrap     Kafka brokers (default: localhost:9092)
              --model ID      the model id (model.key=global: default)
              --snapshot FILE the snapshot JSON (restore)
              --topic T       the control topic (default: learner-control; topic.control)
            """;

    private ModelCommand() {
    }

    static int run(String[] args, PrintStream out) throws InterruptedException {
        boolean restore = args.length >= 2 && args[1].equals("restore");
        if (!restore && !(args.length >= 2 && args[1].equals("reset"))) {
            if (args.length >= 2 && (args[1].equals("--help") || args[1].equals("-h"))) {
                out.print(HELP);
                return 0;
            }
            throw new UsageException("model: expected 'model restore' or 'model reset' (see model --help)");
        }
        CliOptions options = CliOptions.parse("model " + args[1], args, 2,
                restore ? Set.of("bootstrap", "model", "snapshot", "topic") : Set.of("bootstrap", "model", "topic"), Set.of());
        if (options.help()) {
            out.print(HELP);
            return 0;
        }
        String model = options.required("model " + args[1], "model");
        String bootstrap = options.string("bootstrap", "localhost:9092");
        String topic = options.string("topic", Topics.DEFAULT.control());
        byte[] command;
        String what;
        if (restore) {
            String file = options.required("model restore", "snapshot");
            String json = readSnapshot(file);
            OnlineModel snapshot;
            try {
                snapshot = ModelSnapshot.fromJson(json);
            } catch (SpecException e) {
                throw new UsageException("model restore: --snapshot " + file + ": "
                        + (e.reason().startsWith(ModelSnapshot.NOT_A_SNAPSHOT) ? e.reason() : e.getMessage()));
            }
            command = ControlCommand.restore(json);
            what = "restore of model '" + model + "' to model version " + snapshot.modelVersion();
        } else {
            command = ControlCommand.reset();
            what = "reset of model '" + model + "'";
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        LearnerApp.checkReachable(p);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) LearnerApp.STARTUP_TIMEOUT.toMillis() + 5_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) LearnerApp.STARTUP_TIMEOUT.toMillis());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, LearnerApp.STARTUP_TIMEOUT.toMillis());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            RecordMetadata sent = producer.send(new ProducerRecord<>(topic, model, command))
                    .get(LearnerApp.STARTUP_TIMEOUT.toMillis() + 10_000, TimeUnit.MILLISECONDS);
            out.println("sent " + what + " to " + topic + " (partition " + sent.partition() + ", offset " + sent.offset()
                    + "); the learner confirms it on learner-events");
        } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
            StartupException auth = LearnerApp.authenticationFailure(bootstrap, e);
            if (auth != null) {
                throw auth;
            }
            throw new StartupException("sending the command to " + topic + " on " + bootstrap + " failed: "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
        }
        return 0;
    }

    private static String readSnapshot(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new UsageException("model restore: --snapshot " + file + ": no such file");
        } catch (IOException e) {
            throw new UsageException("model restore: --snapshot " + file + ": " + e.getMessage());
        }
    }
}
