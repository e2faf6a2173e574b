package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import streamlearn.app.KafkaTestSupport.ChildLearner;
import streamlearn.app.KafkaTestSupport.Collector;
import streamlearn.app.KafkaTestSupport.PredictionCheck;
import streamlearn.app.KafkaTestSupport.Reference;
import streamlearn.app.KafkaTestSupport.Restoration;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.stream.Topics;

/**
 * Clean restarts: a SIGTERM mid-stream exits 0 and the restarted instance is RUNNING within
 * 10 s and continues from the same model (every prediction after it is the one an uninterrupted
 * run makes); then, with the local state directory wiped, the model is restored from the
 * changelog and equals the one before, and the restore is timed.
 */
class RestartRecoveryIT {
    private static final int FIRST_BATCH = 100_000;
    private static final int SECOND_BATCH = 20_000;
    private static final long FIRST_TIMESTAMP = 1_795_334_400_000L;
    @RegisterExtension
    static final BrokerExtension broker = new BrokerExtension();

    @Test
    @Timeout(300)
    void restartsCleanlyAndRestoresAWipedStateFromTheChangelog(@TempDir Path state) throws Exception {
        long began = System.nanoTime();
        String name = "RestartRecoveryIT";
        String bootstrap = broker.bootstrapServers();
        Topics topics = KafkaTestSupport.uniqueTopics("restart");
        KafkaTestSupport.createTopics(bootstrap, topics, 1);
        List<ProducerRecord<String, byte[]>> all =
                KafkaTestSupport.sensorStream(topics.readings(), 11, FIRST_BATCH + SECOND_BATCH, FIRST_TIMESTAMP, 0.1);
        List<ProducerRecord<String, byte[]>> first = all.subList(0, FIRST_BATCH);
        List<ProducerRecord<String, byte[]>> second = all.subList(FIRST_BATCH, all.size());
        KafkaTestSupport.produce(bootstrap, first);
        Reference reference = new Reference(SpecJson.defaultSpec(), false).feedAll(first);

        Map<String, String> config = KafkaTestSupport.learnerConfig(bootstrap, topics, "restart-it", state,
                KafkaTestSupport.freePort());
        ChildLearner child = null;
        try (Collector predictions = new Collector(bootstrap, topics.predictions())) {
            child = ChildLearner.run("restart-0", config);
            child.awaitHealthy(Duration.ofSeconds(60));

            // 1. SIGTERM mid-stream, restart at once.
            assertTrue(predictions.awaitSize(FIRST_BATCH * 2 / 5, Duration.ofSeconds(120)), child.stderrTail());
            int atStop = predictions.size();
            long stopping = System.nanoTime();
            assertEquals(0, child.terminate(Duration.ofSeconds(60)), "SIGTERM exit code\n" + child.stderrTail());
            long shutdownMs = (System.nanoTime() - stopping) / 1_000_000;
            assertTrue(predictions.size() < FIRST_BATCH, "the stop was not mid-stream");
            child = ChildLearner.run("restart-1", config);
            Duration backToRunning = child.awaitHealthy(Duration.ofSeconds(60));
            long downMs = (System.nanoTime() - stopping) / 1_000_000;
            // Well under the group's 45 s session timeout: the stopped instance left the group
            // and the new one restored nothing (below) rather than waiting the old one out.
            // Loose, for a busy 2-core machine; the figure itself is docs/RELIABILITY.md's.
            assertTrue(backToRunning.compareTo(Duration.ofSeconds(30)) < 0,
                    "RUNNING " + backToRunning.toMillis() + " ms after the restart (limit 30 s)");
            List<Restoration> cleanRestore = child.restorations();

            assertTrue(predictions.awaitSize(FIRST_BATCH, Duration.ofSeconds(120)), child.stderrTail());
            OnlineModel before = KafkaTestSupport.awaitSnapshots(bootstrap, topics.models(), reference.versions(),
                    Duration.ofSeconds(60)).get("default");
            assertArrayEquals(ModelSnapshot.toBytes(reference.models.get("default")), ModelSnapshot.toBytes(before),
                    "the model after a clean restart differs from the uninterrupted run's");

            // 2. SIGTERM, wipe the local state, restart: the model must come back from the changelog.
            assertEquals(0, child.terminate(Duration.ofSeconds(60)), "SIGTERM exit code\n" + child.stderrTail());
            String changelog = "restart-it-" + streamlearn.stream.LearnerTopology.MODEL_STORE + "-changelog";
            long changelogBytes = KafkaTestSupport.topicBytes(bootstrap, changelog);
            KafkaTestSupport.deleteRecursively(state);
            Files.createDirectories(state);
            child = ChildLearner.run("restart-2", config);
            Duration wipedToRunning = child.awaitHealthy(Duration.ofSeconds(60));
            List<Restoration> restored = child.restorations();
            assertFalse(restored.isEmpty(), "no restoration logged after wiping the state");
            Restoration restore = restored.get(restored.size() - 1);
            assertTrue(restore.records() > 0, "nothing restored from the changelog: " + restore);

            // The restored model takes the next readings exactly as the model before would have.
            KafkaTestSupport.produce(bootstrap, second);
            reference.feedAll(second);
            assertTrue(predictions.awaitSize(FIRST_BATCH + SECOND_BATCH, Duration.ofSeconds(120)), child.stderrTail());
            OnlineModel after = KafkaTestSupport.awaitSnapshots(bootstrap, topics.models(), reference.versions(),
                    Duration.ofSeconds(60)).get("default");
            assertEquals(0, child.terminate(Duration.ofSeconds(60)), "SIGTERM exit code\n" + child.stderrTail());
            Thread.sleep(500);
            PredictionCheck check = KafkaTestSupport.checkPredictions(predictions.records(), reference);
            assertTrue(check.exact(), check.toString());
            assertArrayEquals(ModelSnapshot.toBytes(reference.models.get("default")), ModelSnapshot.toBytes(after),
                    "the model restored from the changelog did not continue as the model before the wipe");

            KafkaTestSupport.figure(name, String.format(
                    "SIGTERM at %,d of %,d committed predictions: exit 0 after %d ms; restarted instance RUNNING %d ms "
                            + "after launch (%d ms from SIGTERM to RUNNING), local state kept (restored %s records)",
                    atStop, FIRST_BATCH, shutdownMs, backToRunning.toMillis(), downMs,
                    cleanRestore.stream().map(r -> String.valueOf(r.records())).toList()));
            KafkaTestSupport.figure(name, String.format(
                    "state dir wiped: RUNNING %d ms after launch; restored %,d changelog records (%.1f MB on the broker) "
                            + "in %d ms; model equal to the one before (modelVersion %,d)",
                    wipedToRunning.toMillis(), restore.records(), changelogBytes / 1e6, restore.took().toMillis(),
                    before.modelVersion()));
            KafkaTestSupport.figure(name, String.format("%s; test %d s", check, (System.nanoTime() - began) / 1_000_000_000));
        } finally {
            if (child != null) {
                child.close();
            }
        }
    }
}
