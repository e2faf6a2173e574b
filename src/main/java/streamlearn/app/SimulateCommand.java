package streamlearn.app;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import streamlearn.stream.Topics;

/** {@code simulate}: the seeds' sensor readings to the readings topic at a steady rate. */
final class SimulateCommand {
    static final String HELP = """
            Usage: streamlearn simulate [--bootstrap H:P] [--rate N] [--count N] [--seed N]
                                        [--unlabeled-fraction F] [--drift-at N] [--glitch-rate F]
                                        [--label-delay D] [--class-priors a,b,c] [--sensors N] [--topic T]
                                        [--labels-topic T] [--output FILE.jsonl]

            Produces synthetic readings of the seeds' industrial sensor: normal (20-40 C, 0.5-2.0 mm/s),
            warning (35-55, 1.5-4.0) and critical (50-80, 3.5-7.0), equally likely unless --class-priors
            says otherwise, for many sensors, seeded and reproducible. Runs until --count readings or Ctrl-C.

              --bootstrap H:P          Kafka brokers (default: localhost:9092)
              --rate N                 readings per second (default: 1000)
              --count N                readings to send (default: until Ctrl-C)
              --seed N                 random seed (default: 42)
              --unlabeled-fraction F   share of readings sent without a label (default: 0.1)
              --drift-at N             from reading N on, the machine runs 8 C hotter (default: never)
              --glitch-rate F          share of readings a sensor glitch replaces: a sentinel (65535, -999,
                                       ...), a spike, or a clock years off (default: 0)
              --label-delay D          readings go out unlabeled with an "id", and each label follows on the
                                       labels topic after a random delay up to D (e.g. 30s, 5m); the
                                       --unlabeled-fraction of readings never get one (default: labels inline)
              --class-priors a,b,c     how often normal, warning and critical come, e.g. 90,8,2 for a plant
                                       whose readings are mostly normal (scaled to sum to 1; default: equally)
              --sensors N              number of sensors, press-00, press-01, ... (default: 16)
              --topic T                readings topic (default: sensor-readings)
              --labels-topic T         late labels topic (default: sensor-labels)
              --output FILE.jsonl      no broker: write the readings, and with --label-delay the late
                                       labels, to FILE as JSON lines in the order they would arrive,
                                       for 'streamlearn replay --input FILE'; needs --count; written at
                                       once, the readings dated 1/rate apart up to now (default: send
                                       to Kafka)
            """;

    private SimulateCommand() {
    }

    static int run(String[] args, PrintStream out) throws InterruptedException {
        CliOptions o = CliOptions.parse("simulate", args, 1,
                Set.of("bootstrap", "rate", "count", "seed", "unlabeled-fraction", "drift-at", "glitch-rate", "label-delay",
                        "class-priors", "sensors", "topic", "labels-topic", "output"), Set.of());
        if (o.help()) {
            out.print(HELP);
            return 0;
        }
        String bootstrap = o.string("bootstrap", "localhost:9092");
        double rate = o.doubleValue("rate", 1000, 0.001, 10_000_000);
        long count = o.longValue("count", -1, 0);
        long seed = o.longValue("seed", 42, Long.MIN_VALUE);
        double unlabeled = o.doubleValue("unlabeled-fraction", 0.1, 0, 1);
        long driftAt = o.longValue("drift-at", -1, 0);
        double glitchRate = o.doubleValue("glitch-rate", 0, 0, 1);
        int sensors = (int) o.longValue("sensors", 16, 1);
        String topic = o.string("topic", Topics.DEFAULT.readings());
        java.time.Duration labelDelay = o.duration("label-delay", null);
        String labelsTopic = o.string("labels-topic", Topics.DEFAULT.labels());
        double[] priors = Simulator.classPriors("simulate", o);
        String output = o.string("output", null);
        if (output != null) {
            if (count < 0) {
                throw new UsageException("simulate: --output needs --count (a file does not run until Ctrl-C)");
            }
            return toFile(Path.of(output), seed, sensors, rate, count, unlabeled, driftAt, glitchRate, labelDelay, priors, out);
        }

        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        LearnerApp.checkReachable(p);
        ShutdownSignal signal = ShutdownSignal.install();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig(bootstrap))) {
            Simulator simulator = new Simulator(producer, topic, seed, sensors, rate, count, unlabeled, driftAt, glitchRate,
                    labelsTopic, labelDelay, priors);
            Thread thread = new Thread(simulator, "simulator");
            thread.start();
            while (thread.isAlive()) {
                if (signal.await(1000)) {
                    simulator.stop();
                }
            }
            thread.join();
            out.println("sent " + simulator.sent() + " readings to " + topic
                    + (labelDelay == null ? "" : " and " + simulator.labelsSent() + " late labels to " + labelsTopic));
        }
        return 0;
    }

    private static int toFile(Path file, long seed, int sensors, double rate, long count, double unlabeled, long driftAt,
                              double glitchRate, java.time.Duration labelDelay, double[] priors, PrintStream out) {
        try (OutputStream w = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            Simulator simulator = Simulator.toFile(new Simulator.Sink() {
                @Override
                public void send(String topic, String key, byte[] json) {
                    try {
                        w.write(json);
                        w.write('\n');
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                @Override
                public void flush() {
                }
            }, seed, sensors, rate, count, unlabeled, driftAt, glitchRate, labelDelay, priors);
            simulator.run();
            out.println("wrote " + simulator.sent() + " readings" + (labelDelay == null ? "" : " and " + simulator.labelsSent()
                    + " late labels") + " to " + file);
            return 0;
        } catch (IOException | UncheckedIOException e) {
            throw new UsageException("simulate: --output " + file + ": "
                    + (e instanceof UncheckedIOException u ? u.getCause() : e));
        }
    }

    static Properties producerConfig(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return p;
    }
}
