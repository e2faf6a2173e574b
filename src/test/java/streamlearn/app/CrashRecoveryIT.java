package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import streamlearn.app.KafkaTestSupport.ChildLearner;
import streamlearn.app.KafkaTestSupport.Collector;
import streamlearn.app.KafkaTestSupport.EndOffsets;
import streamlearn.app.KafkaTestSupport.PredictionCheck;
import streamlearn.app.KafkaTestSupport.Reference;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.stream.Topics;

/**
 * Exactly-once through kill -9: {@code streamlearn run} as a child JVM on a 200,000-reading
 * stream is SIGKILLed at five points (four mid-stream at different offsets, one while it is
 * rejoining after the previous crash) and restarted each time on the same state directory. The
 * final model equals, bit for bit, the model of an uninterrupted run over the same input, and a
 * read_committed consumer sees exactly one prediction per reading, each byte for byte the one the
 * uninterrupted run made (so no update was lost or repeated at any point of the stream).
 *
 * <p>The stream drifts (the machine runs hotter from reading 60,000 to 150,000) and the default
 * spec detects drift, so the detector's state crosses the crashes: the {@code drift} events on the
 * events topic (and the pool's {@code champion_changed} events) are, in order and byte for byte,
 * those of the uninterrupted run (none lost, none repeated), each closed metrics window appears once with the drifts of its readings, and one
 * kill lands after a drift was committed but before its window closed, so the window's count must
 * come back from the store. At
 * least one kill must have cut off uncommitted work: the broker's end offsets of the predictions
 * topic right after it show records of an open transaction (the high watermark beyond the last
 * stable offset), and those come back as aborted records to a read_uncommitted consumer.
 *
 * <p>This also pins the design of {@code ModelStore}: a model's inputs and checkpoints reach the
 * changelog in the transaction of the readings that caused them; a kill between two commits must
 * lose the uncommitted updates together with their uncommitted predictions and input offsets.
 */
class CrashRecoveryIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int READINGS = 200_000;
    private static final long FIRST_TIMESTAMP = 1_795_334_400_000L;
    /** The machine runs hotter from this reading on ... */
    private static final int HOT_FROM = 60_000;
    /** ... until this one: two changes. */
    private static final int HOT_UNTIL = 150_000;
    /** The learner's default metrics window: readings are 1 ms apart, so 10,000 readings a window. */
    private static final int WINDOW_READINGS = 10_000;
    /**
     * Share of the readings predicted (committed) when each SIGKILL is sent; -1: while rejoining
     * after a crash; {@link #AFTER_FIRST_DRIFT}: 500 readings after the first drift.
     */
    private static final double AFTER_FIRST_DRIFT = -2;
    private static final double[] KILL_AT = {0.12, -1, AFTER_FIRST_DRIFT, 0.65, 0.85};
    @RegisterExtension
    static final BrokerExtension broker = new BrokerExtension();

    @Test
    @Timeout(360)
    void killNineAndRestartLosesAndRepeatsNothing(@TempDir Path state) throws Exception {
        long began = System.nanoTime();
        String bootstrap = broker.bootstrapServers();
        Topics topics = KafkaTestSupport.uniqueTopics("crash");
        // One partition and model.key=global: the model sees the readings in produce order, so the
        // uninterrupted run is the readings through one OnlineModel in that order.
        KafkaTestSupport.createTopics(bootstrap, topics, 1);
        List<ProducerRecord<String, byte[]>> records =
                KafkaTestSupport.sensorStream(topics.readings(), 7, READINGS, FIRST_TIMESTAMP, 0.1, HOT_FROM, HOT_UNTIL);
        KafkaTestSupport.produce(bootstrap, records);
        ModelSpec spec = SpecJson.defaultSpec();
        assertNotNull(spec.drift(), "the default spec detects drift");
        Reference reference = new Reference(spec, false).feedAll(records);
        List<Long> driftAt = new ArrayList<>();
        for (byte[] e : reference.driftEvents()) {
            driftAt.add(JSON.readTree(e).get("at").asLong() - FIRST_TIMESTAMP);
        }
        // The input drifts, and the uninterrupted run saw it: at each change, soon after it.
        assertTrue(driftAt.stream().anyMatch(i -> i >= HOT_FROM && i < HOT_FROM + 5_000), "drifts at readings " + driftAt);
        assertTrue(driftAt.stream().anyMatch(i -> i >= HOT_UNTIL && i < HOT_UNTIL + 5_000), "drifts at readings " + driftAt);
        int firstDrift = driftAt.get(0).intValue();
        int killAfterDrift = firstDrift + 500;
        assertEquals(firstDrift / WINDOW_READINGS, killAfterDrift / WINDOW_READINGS,
                "the kill after the first drift falls in its metrics window");

        Map<String, String> config = KafkaTestSupport.learnerConfig(bootstrap, topics, "crash-it", state,
                KafkaTestSupport.freePort());
        List<String> kills = new ArrayList<>();
        List<Long> inFlight = new ArrayList<>();
        Map<TopicPartition, EndOffsets> afterLastKill = Map.of();
        List<Long> recoveries = new ArrayList<>();
        List<Long> restored = new ArrayList<>();
        ChildLearner child = null;
        try (Collector predictions = new Collector(bootstrap, topics.predictions());
             Collector events = new Collector(bootstrap, topics.events());
             Collector windows = new Collector(bootstrap, topics.metrics())) {
            int run = 0;
            child = ChildLearner.run("crash-" + run, config);
            child.awaitHealthy(Duration.ofSeconds(60));
            for (int k = 0; k < KILL_AT.length; k++) {
                if (KILL_AT[k] >= 0 || KILL_AT[k] == AFTER_FIRST_DRIFT) {
                    int target = KILL_AT[k] == AFTER_FIRST_DRIFT ? killAfterDrift : (int) (KILL_AT[k] * READINGS);
                    assertTrue(predictions.awaitSize(target, Duration.ofSeconds(120)),
                            "stuck at " + predictions.size() + " predictions before kill " + (k + 1) + "\n" + child.stderrTail());
                    assertTrue(child.isAlive(), child.name + " died by itself:\n" + child.stderrTail());
                } else {
                    // It has just been restarted: kill it again as soon as Kafka Streams is
                    // (re)joining the group and restoring, before it is RUNNING.
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (!child.stateTransitions().contains("CREATED -> REBALANCING") && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    assertTrue(child.stateTransitions().contains("CREATED -> REBALANCING"), child.stderrTail());
                }
                int committed = predictions.size();
                boolean wasRunning = child.healthy();
                child.kill();
                long killed = System.nanoTime();
                // Before the restart aborts them: the predictions the killed instance wrote in a
                // transaction it never committed. The instances share one transactional.id (the
                // process id is kept in the state directory), so a restart that gets as far as
                // starting its producer aborts the previous instance's open transaction first; one
                // killed before that (kill 2) leaves it open, so only records beyond what was
                // already there at the previous kill count for this kill.
                Map<TopicPartition, EndOffsets> now = KafkaTestSupport.endOffsets(bootstrap, topics.predictions());
                long cutOff = 0;
                for (var e : now.entrySet()) {
                    EndOffsets before = afterLastKill.get(e.getKey());
                    long from = Math.max(e.getValue().lastStable(), before == null ? 0 : before.highWatermark());
                    cutOff += Math.max(0, e.getValue().highWatermark() - from);
                }
                afterLastKill = now;
                inFlight.add(cutOff);
                kills.add(String.format("kill %d at %,d committed predictions (%s), %,d uncommitted predictions in flight",
                        k + 1, committed, wasRunning ? "RUNNING, mid-stream" : "rejoining after the previous crash, not yet RUNNING",
                        inFlight.get(k)));
                run++;
                child = ChildLearner.run("crash-" + run, config);
                if (k + 1 < KILL_AT.length && KILL_AT[k + 1] == -1) {
                    continue;
                }
                child.awaitHealthy(Duration.ofSeconds(90));
                recoveries.add((System.nanoTime() - killed) / 1_000_000);
                restored.add(child.restorations().stream().mapToLong(KafkaTestSupport.Restoration::records).sum());
            }

            assertTrue(predictions.awaitSize(READINGS, Duration.ofSeconds(180)),
                    "only " + predictions.size() + " predictions\n" + child.stderrTail());
            OnlineModel expected = reference.models.get("default");
            Map<String, OnlineModel> snapshots = KafkaTestSupport.awaitSnapshots(bootstrap, topics.models(),
                    reference.versions(), Duration.ofSeconds(60));
            assertEquals(0, child.terminate(Duration.ofSeconds(60)), "exit code of SIGTERM\n" + child.stderrTail());
            Thread.sleep(1000); // anything still in flight would show up as a duplicate
            PredictionCheck check = KafkaTestSupport.checkPredictions(predictions.records(), reference);
            assertTrue(check.exact(), check.toString());
            assertEquals(READINGS, check.received());

            OnlineModel actual = snapshots.get("default");
            assertEquals(expected.modelVersion(), actual.modelVersion());
            assertArrayEquals(ModelSnapshot.toBytes(expected), ModelSnapshot.toBytes(actual),
                    "the final model (weights, average, scaler, Adam state, drift detector, modelVersion) differs from "
                            + "the uninterrupted run's");
            assertEquals(expected.drifts(), actual.drifts(), "drifts over the model's life");
            assertEquals(reference.driftEvents().size(), expected.drifts());

            // Every model event (the drifts, the pool's changes of champion) exactly once, in order,
            // as the uninterrupted run made it.
            List<String> expectedEvents = reference.events.stream().map(e -> new String(e, StandardCharsets.UTF_8)).toList();
            List<String> actualEvents = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> e : events.records()) {
                assertEquals("default", e.key());
                actualEvents.add(new String(e.value(), StandardCharsets.UTF_8));
            }
            assertEquals(expectedEvents, actualEvents, "model events on " + topics.events());

            // Every closed window once, with the drifts of its readings (the last window is still open).
            Map<Long, Long> expectedDrifts = new TreeMap<>();
            for (long i = 0; i < READINGS / WINDOW_READINGS - 1; i++) {
                expectedDrifts.put(FIRST_TIMESTAMP + i * WINDOW_READINGS, 0L);
            }
            driftAt.forEach(i -> expectedDrifts.merge(FIRST_TIMESTAMP + i / WINDOW_READINGS * WINDOW_READINGS, 1L, Long::sum));
            Map<Long, Long> actualDrifts = new TreeMap<>();
            for (ConsumerRecord<String, byte[]> w : windows.records()) {
                JsonNode window = JSON.readTree(w.value());
                assertEquals(null, actualDrifts.put(window.get("windowStart").asLong(), window.get("drifts").asLong()),
                        "window published twice: " + window);
            }
            assertEquals(expectedDrifts, actualDrifts, "drifts per window (by windowStart)");

            // At least one kill landed with work in flight (a transaction with predictions, model
            // updates and input offsets open), else this test would not show that such work is
            // lost together and redone exactly once. Those predictions stay in the log as aborted
            // records, which a read_uncommitted consumer sees on top of the committed ones.
            long redone = KafkaTestSupport.uncommittedCount(bootstrap, topics.predictions()) - READINGS;
            long eventsRedone = KafkaTestSupport.uncommittedCount(bootstrap, topics.events()) - expectedEvents.size();
            long cutOff = inFlight.stream().mapToLong(Long::longValue).sum();
            assertTrue(inFlight.stream().anyMatch(n -> n > 0), "no kill interrupted uncommitted work: " + String.join("; ", kills));
            assertTrue(redone >= cutOff, "predictions of aborted transactions " + redone
                    + " < uncommitted predictions the kills cut off " + cutOff + ": " + String.join("; ", kills));
            String name = "CrashRecoveryIT";
            kills.forEach(k -> KafkaTestSupport.figure(name, k));
            KafkaTestSupport.figure(name, String.format(
                    "%d kill -9 survived; %,d readings (%,d labeled updates); predictions %,d, duplicates %d, lost %d, "
                            + "differing from the uninterrupted run %d; final model bit-identical (modelVersion %,d); "
                            + "%,d predictions of aborted transactions redone; drifts at readings %s (machine hotter from "
                            + "%,d to %,d), %d model events (drifts, champion changes) as the uninterrupted run's (%d of aborted transactions redone), "
                            + "kill 3 once %,d readings after the first drift were committed, in its window; crash-to-RUNNING %s ms, changelog records "
                            + "restored %s; test %d s",
                    KILL_AT.length, READINGS, expected.modelVersion(), check.received(), check.duplicates(), check.lost(),
                    check.mismatched(), actual.modelVersion(), redone, driftAt, HOT_FROM, HOT_UNTIL, actualEvents.size(),
                    eventsRedone, killAfterDrift - firstDrift, recoveries, restored,
                    (System.nanoTime() - began) / 1_000_000_000));
        } finally {
            if (child != null) {
                child.close();
            }
        }
    }
}
