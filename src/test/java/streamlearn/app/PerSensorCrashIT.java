package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import streamlearn.app.KafkaTestSupport.ChildLearner;
import streamlearn.app.KafkaTestSupport.Collector;
import streamlearn.app.KafkaTestSupport.PredictionCheck;
import streamlearn.app.KafkaTestSupport.Reference;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.SpecJson;
import streamlearn.model.OnlineModel;
import streamlearn.stream.Topics;

/**
 * Exactly-once with one model per sensor at plant scale: 1,000 sensors on four partitions,
 * {@code streamlearn run} as a child JVM, a model cache smaller than the models (100 per task, so
 * models leave memory and are read back from their checkpoint and logged inputs all along) and a
 * checkpoint every 10 inputs (so a model's state in the store is a checkpoint plus a log, at every
 * kill). SIGKILLed three times mid-stream and restarted on its state directory; then stopped, its
 * state directory wiped, and started again, which restores everything from the changelog; more
 * readings follow. Every prediction appears once, byte for byte the uninterrupted run's, and
 * every model's last snapshot is bit-identical to the uninterrupted run's model.
 */
class PerSensorCrashIT {
    private static final int SENSORS = 1_000;
    private static final int READINGS = 20_000;
    private static final int AFTER_WIPE = 2_000;
    private static final long FIRST_TIMESTAMP = 1_795_334_400_000L;
    private static final double[] KILL_AT = {0.25, 0.5, 0.75};
    @RegisterExtension
    static final BrokerExtension broker = new BrokerExtension();

    @Test
    @Timeout(600)
    void killNineThreeTimesAndAWipedStateDirectoryGiveEveryModelBitForBit(@TempDir Path state) throws Exception {
        long began = System.nanoTime();
        String bootstrap = broker.bootstrapServers();
        Topics topics = KafkaTestSupport.uniqueTopics("sensors");
        KafkaTestSupport.createTopics(bootstrap, topics, 4);
        List<ProducerRecord<String, byte[]>> records =
                KafkaTestSupport.sensorStream(topics.readings(), 21, SENSORS, READINGS, FIRST_TIMESTAMP, 0.1, -1, -1);
        List<ProducerRecord<String, byte[]>> later = KafkaTestSupport.sensorStream(topics.readings(), 22, SENSORS, AFTER_WIPE,
                FIRST_TIMESTAMP + READINGS, 0.1, -1, -1);
        KafkaTestSupport.produce(bootstrap, records);
        Reference reference = new Reference(SpecJson.defaultSpec(), true).feedAll(records);

        Map<String, String> config = KafkaTestSupport.learnerConfig(bootstrap, topics, "sensors-it", state,
                KafkaTestSupport.freePort());
        config.put("model.key", "sensor");
        config.put("model.cache.size", "100");
        config.put("model.checkpoint.readings", "10");
        List<String> kills = new ArrayList<>();
        ChildLearner child = null;
        try (Collector predictions = new Collector(bootstrap, topics.predictions())) {
            int run = 0;
            child = ChildLearner.run("sensors-" + run, config);
            child.awaitHealthy(Duration.ofSeconds(60));
            for (double at : KILL_AT) {
                int target = (int) (at * READINGS);
                assertTrue(predictions.awaitSize(target, Duration.ofSeconds(120)),
                        "stuck at " + predictions.size() + " predictions\n" + child.stderrTail());
                assertTrue(child.isAlive(), child.name + " died by itself:\n" + child.stderrTail());
                child.kill();
                kills.add(String.format("%,d", predictions.size()));
                child = ChildLearner.run("sensors-" + ++run, config);
                child.awaitHealthy(Duration.ofSeconds(90));
            }
            assertTrue(predictions.awaitSize(READINGS, Duration.ofSeconds(180)),
                    "only " + predictions.size() + " predictions\n" + child.stderrTail());
            assertEquals(0, child.terminate(Duration.ofSeconds(60)), "exit code of SIGTERM\n" + child.stderrTail());

            // A wiped state directory: every model comes back from the changelog alone.
            KafkaTestSupport.deleteRecursively(state);
            long started = System.nanoTime();
            child = ChildLearner.run("sensors-wiped", config);
            child.awaitHealthy(Duration.ofSeconds(120));
            long toRunning = (System.nanoTime() - started) / 1_000_000;
            long restored = child.restorations().stream().mapToLong(KafkaTestSupport.Restoration::records).sum();
            long restoreMs = child.restorations().stream().mapToLong(r -> r.took().toMillis()).max().orElse(0);
            KafkaTestSupport.produce(bootstrap, later);
            reference.feedAll(later);
            assertTrue(predictions.awaitSize(READINGS + AFTER_WIPE, Duration.ofSeconds(120)),
                    "only " + predictions.size() + " predictions after the wipe\n" + child.stderrTail());
            Map<String, OnlineModel> snapshots = KafkaTestSupport.awaitSnapshots(bootstrap, topics.models(),
                    reference.versions(), Duration.ofSeconds(90));
            assertEquals(0, child.terminate(Duration.ofSeconds(60)), "exit code of SIGTERM\n" + child.stderrTail());
            Thread.sleep(1000); // anything still in flight would show up as a duplicate

            PredictionCheck check = KafkaTestSupport.checkPredictions(predictions.records(), reference);
            assertTrue(check.exact(), check.toString());
            assertEquals(READINGS + AFTER_WIPE, check.received());
            assertEquals(SENSORS, reference.models.size());
            for (Map.Entry<String, OnlineModel> e : reference.models.entrySet()) {
                OnlineModel actual = snapshots.get(e.getKey());
                assertTrue(actual != null, "no snapshot of " + e.getKey());
                assertArrayEquals(ModelSnapshot.toBytes(e.getValue()), ModelSnapshot.toBytes(actual), "model " + e.getKey());
            }
            KafkaTestSupport.figure("PerSensorCrashIT", String.format(
                    "%d sensors on 4 partitions, model.cache.size=100, model.checkpoint.readings=10: kill -9 at %s "
                            + "committed predictions; then a wiped state directory: %,d changelog records restored, the "
                            + "longest task restore %d ms, start to RUNNING %d ms; %,d predictions, duplicates %d, lost %d, "
                            + "differing %d; all %d models bit-identical to the uninterrupted run; test %d s",
                    SENSORS, String.join(", ", kills), restored, restoreMs, toRunning, check.received(), check.duplicates(),
                    check.lost(), check.mismatched(), SENSORS, (System.nanoTime() - began) / 1_000_000_000));
        } finally {
            if (child != null) {
                child.close();
            }
        }
    }
}
