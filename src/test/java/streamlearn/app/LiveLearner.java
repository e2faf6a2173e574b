package streamlearn.app;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import streamlearn.model.Reading;
import streamlearn.stream.Topics;

/**
 * What docker-compose.yml runs, in this JVM: a real KRaft broker, the topics of topics.json (so
 * readings are repartitioned to the global model as in production), the learner serving /metrics
 * on a free port, and a simulator thread producing the seeds' readings with current timestamps
 * (plus a malformed one now and then, for the dead-letter metrics) until closed. From reading
 * {@value #CHANGE_AT} on, the machine runs 15 C hotter and each class is called by the next one's
 * name: the learner (the default spec, a pool of candidates) detects a drift soon after, so the
 * drift and candidate metrics have something to show. One reading in ten goes out unlabeled with an id,
 * and its label follows on the labels topic about a second later (and now and then a label for a
 * reading that never existed), so the late-label metrics have something to show too.
 */
final class LiveLearner implements AutoCloseable {
    static final int CHANGE_AT = 5_000;
    private final EmbeddedKafkaBroker broker;
    private final LearnerApp app;
    private final Thread simulator;
    private final AtomicLong produced = new AtomicLong();
    private volatile boolean stop;

    private LiveLearner(EmbeddedKafkaBroker broker, LearnerApp app, int ratePerSecond) {
        this.broker = broker;
        this.app = app;
        this.simulator = new Thread(() -> simulate(ratePerSecond), "test-simulator");
        this.simulator.setDaemon(true);
        this.simulator.start();
    }

    static LiveLearner start(Path stateDir, int ratePerSecond) throws Exception {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        try {
            KafkaTestSupport.createTopics(broker.bootstrapServers(), Topics.DEFAULT, 0);
            Map<String, String> config = new HashMap<>();
            config.put("bootstrap.servers", broker.bootstrapServers());
            config.put("state.dir", Files.createDirectories(stateDir).toString());
            config.put("metrics.port", String.valueOf(KafkaTestSupport.freePort()));
            config.put("metrics.window", "2s");
            config.put("snapshot.interval", "2s");
            return new LiveLearner(broker, LearnerApp.start(StreamlearnConfig.of(config)), ratePerSecond);
        } catch (Exception | Error e) {
            broker.close();
            throw e;
        }
    }

    private void simulate(int ratePerSecond) {
        SensorReadingGenerator generator = new SensorReadingGenerator(7, 16, 0.0);
        Reading r = new Reading(2);
        int perTick = Math.max(1, ratePerSecond / 10);
        String topic = Topics.DEFAULT.readings();
        java.util.ArrayDeque<ProducerRecord<String, byte[]>> labels = new java.util.ArrayDeque<>();
        java.util.ArrayDeque<Integer> labelsPerTick = new java.util.ArrayDeque<>();
        try (KafkaProducer<String, byte[]> producer = KafkaTestSupport.producer(broker.bootstrapServers())) {
            while (!stop) {
                long tick = System.nanoTime();
                // The labels of the readings sent ten ticks (a second) ago.
                if (labelsPerTick.size() >= 10) {
                    for (int n = labelsPerTick.removeFirst(); n > 0; n--) {
                        producer.send(labels.removeFirst());
                    }
                }
                int delayed = 0;
                for (int i = 0; i < perTick; i++) {
                    long n = produced.incrementAndGet();
                    if (n % 500 == 0) {
                        producer.send(new ProducerRecord<>(topic, "press-00",
                                ("{\"sensorId\":\"press-00\",\"features\":{\"temperature\":\"hot\"}} #" + n)
                                        .getBytes(StandardCharsets.UTF_8)));
                    } else {
                        generator.next(r, System.currentTimeMillis());
                        if (n >= CHANGE_AT) {
                            r.setFeature(0, r.features()[0] + 15);
                            // The classes move on too: a pool's fast candidate would follow a
                            // moved sensor alone with too small a rise of its error for a drift.
                            r.setLabel((r.label() + 1) % 3);
                        }
                        if (n % 10 == 3) {
                            String id = "live-" + n;
                            r.setId(id);
                            labels.addLast(new ProducerRecord<>(Topics.DEFAULT.labels(), r.sensorId(),
                                    SensorReadingGenerator.labelJson(r.sensorId(), n % 1000 == 3 ? "never-" + n : id, r.label())));
                            r.setLabel(Reading.UNLABELED);
                            delayed++;
                        }
                        producer.send(new ProducerRecord<>(topic, r.sensorId(),
                                KafkaTestSupport.readingJson(r).getBytes(StandardCharsets.UTF_8)));
                    }
                }
                labelsPerTick.addLast(delayed);
                producer.flush();
                long sleep = 100 - (System.nanoTime() - tick) / 1_000_000;
                if (sleep > 0) {
                    Thread.sleep(sleep);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    int metricsPort() {
        return app.metricsPort();
    }

    long produced() {
        return produced.get();
    }

    /** The current /metrics text. */
    String scrape() throws Exception {
        var response = KafkaTestSupport.get(app.metricsPort(), "/metrics");
        if (response.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + response.statusCode());
        }
        return response.body();
    }

    @Override
    public void close() throws Exception {
        stop = true;
        simulator.join(Duration.ofSeconds(10).toMillis());
        try {
            app.close();
        } finally {
            broker.close();
        }
    }
}
