package streamlearn.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import streamlearn.app.KafkaTestSupport.ChildLearner;
import streamlearn.app.KafkaTestSupport.Collector;
import streamlearn.app.KafkaTestSupport.PacedProducer;
import streamlearn.app.KafkaTestSupport.PredictionCheck;
import streamlearn.app.KafkaTestSupport.Reference;
import streamlearn.app.KafkaTestSupport.Restoration;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.stream.Topics;

/**
 * Two instances with one application.id on a 4-partition stream with {@code model.key=sensor}
 * (16 sensors, so 16 models), joining and leaving while the readings flow at a steady rate. Every
 * reading gets exactly one prediction, byte for byte the one a single uninterrupted instance
 * makes, and every per-sensor model ends bit-identical to that instance's.
 *
 * <p>Both runs start A, start B mid-stream and stop A mid-stream at the same points; the first
 * without standby replicas (B restores A's tasks from the changelog), the second with
 * {@code num.standby.replicas=1} (B promotes its up-to-date standbys), which then also starts A
 * again and stops it again. That last step hands B back tasks it had owned, given up (Kafka
 * Streams recycles them into standbys in the same JVM) and now owns again: the model store must
 * not resurrect the in-memory models it had before it gave them up, so B must get them back
 * through recycled standbys (its Kafka log says so) and then predict with them.
 *
 * <p>The steps are placed by the number of predictions while the readings flow at a steady rate;
 * the stream never runs more than 3 s of readings past the next step before the test has taken
 * it, so that on a slow machine (where starting a JVM takes longer) every step is still taken
 * mid-stream, with readings left for the instance that gets the partitions.
 *
 * <p>The spec is the default one with 64-unit hidden layers (4,547 parameters, about 145 KB of
 * model state per sensor), so that the changelog a failover may have to restore is tens of MB.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleOutIT {
    private static final long FIRST_TIMESTAMP = 1_795_334_400_000L;
    private static final int RATE = 3_000;
    private static final int B_JOINS = 15_000;
    private static final int A_LEAVES = 42_000;
    /** How far (3 s of readings) the stream may run past a step's point before the test takes it. */
    private static final int AHEAD = 3 * RATE;
    private static final ModelSpec SPEC = SpecJson.parse("""
            {"features":["temperature","vibration"],"classes":["normal","warning","critical"],
             "layers":[{"units":64,"activation":"relu"},{"units":64,"activation":"relu"},{"units":3,"activation":"softmax"}],
             "loss":"cross_entropy","init":{"type":"he","seed":42},"optimizer":{"type":"adam","learningRate":0.001},
             "clipNorm":5.0,"standardize":true,"averaging":{"decay":0.999}}""");
    @RegisterExtension
    static final BrokerExtension broker = new BrokerExtension();
    private static Failover withoutStandbys;

    /** A failover as the readers of the predictions saw it, and what the new owner restored for it. */
    /** The instance left running after a handover, and how the failover to it went. */
    record Handover(ChildLearner b, Failover failover) {
    }

    record Failover(long stallMs, long restoredRecords, long restoreMs, long leftAtMs) {
        @Override
        public String toString() {
            return String.format("longest pause of a partition's predictions %d ms, changelog records restored %,d (%d ms)",
                    stallMs, restoredRecords, restoreMs);
        }
    }

    @Test
    @Order(1)
    @Timeout(180)
    void withoutStandbysTheNewOwnerRestoresFromTheChangelog(@TempDir Path dir) throws Exception {
        long began = System.nanoTime();
        Run run = new Run("scale-nostandby", 75_000, 29, 0, dir);
        try (run) {
            Handover toB = run.handOverFromAToB(run.readings);
            withoutStandbys = toB.failover();
            run.finish(toB.b());
        }
        assertTrue(withoutStandbys.restoredRecords() > 0, "without standbys B must restore A's tasks from the changelog");
        KafkaTestSupport.figure("ScaleOutIT", String.format(
                "standby replicas 0: %,d readings at %,d/s, A; +B at %,d; -A at %,d: %s; failover A->B: %s; test %d s",
                run.readings, RATE, B_JOINS, A_LEAVES, run.check, withoutStandbys, (System.nanoTime() - began) / 1_000_000_000));
    }

    @Test
    @Order(2)
    @Timeout(240)
    void withStandbysFailoverPromotesWarmReplicas(@TempDir Path dir) throws Exception {
        long began = System.nanoTime();
        Run run = new Run("scale-standby", 120_000, 23, 1, dir);
        Failover toStandbys;
        Failover handBack;
        List<String> recycledBack;
        long predictedAfterHandBack;
        try (run) {
            Handover toB = run.handOverFromAToB(66_000);
            ChildLearner b = toB.b();
            toStandbys = toB.failover();

            run.await(66_000, b);
            ChildLearner a2 = run.start("A2");
            run.flowUntil(90_000);
            awaitProcessing(a2); // A2 took tasks from B, which keeps them as standbys (recycled)
            run.await(90_000, b);
            handBack = run.stop(a2, b, run.readings);
            run.finish(b);

            // The hand-back really went through a recycle of the same task in B's JVM:
            // active -> standby (A2 took it) -> active (A2 left).
            recycledBack = recycledBack(Files.readAllLines(b.kafkaLog));
            assertTrue(!recycledBack.isEmpty(), "no task went active -> recycled standby -> active in B; see " + b.kafkaLog);
            // ... and B predicted with such a task after A2 had exited (its models are the ones
            // the store must not resurrect from before it gave the task up).
            predictedAfterHandBack = 0;
            for (ConsumerRecord<String, byte[]> r : run.predictions.records()) {
                if (recycledBack.contains("0_" + r.partition()) && r.timestamp() > handBack.leftAtMs()) {
                    predictedAfterHandBack++;
                }
            }
            assertTrue(predictedAfterHandBack > 0, "B predicted nothing with the tasks " + recycledBack
                    + " it got back through recycled standbys");
        }
        String comparison = "";
        if (withoutStandbys != null) {
            assertTrue(toStandbys.restoredRecords() * 4 < withoutStandbys.restoredRecords(),
                    "standbys: " + toStandbys + "; none: " + withoutStandbys);
            comparison = String.format(" (without standbys: %s)", withoutStandbys);
        }
        KafkaTestSupport.figure("ScaleOutIT", String.format(
                "standby replicas 1: %,d readings at %,d/s, A; +B at %,d; -A at %,d; +A at 66,000; -A at 90,000: %s; "
                        + "all 16 per-sensor models bit-identical to one uninterrupted instance's", run.readings, RATE,
                B_JOINS, A_LEAVES, run.check));
        KafkaTestSupport.figure("ScaleOutIT", String.format(
                "failover A->B with standbys: %s%s; hand-back A2->B through recycled standbys (tasks %s, then %,d "
                        + "predictions with them): %s; test %d s",
                toStandbys, comparison, recycledBack, predictedAfterHandBack, handBack, (System.nanoTime() - began) / 1_000_000_000));
    }

    /** One scenario: topics, the paced stream, the reference, the children and their checks. */
    private static final class Run implements AutoCloseable {
        final String prefix;
        final int readings;
        final String bootstrap = broker.bootstrapServers();
        final Topics topics;
        final Reference single;
        final Map<String, Map<String, String>> configs = new HashMap<>();
        final List<ChildLearner> children = new ArrayList<>();
        final Collector predictions;
        final PacedProducer producer;
        final int standbys;
        final Path dir;
        PredictionCheck check;

        Run(String prefix, int readings, long seed, int standbys, Path dir) throws Exception {
            this.prefix = prefix;
            this.readings = readings;
            this.standbys = standbys;
            this.dir = dir;
            topics = KafkaTestSupport.uniqueTopics(prefix);
            KafkaTestSupport.createTopics(bootstrap, topics, 4);
            List<ProducerRecord<String, byte[]>> records =
                    KafkaTestSupport.sensorStream(topics.readings(), seed, readings, FIRST_TIMESTAMP, 0.1);
            single = new Reference(SPEC, true).feedAll(records);
            Files.writeString(dir.resolve("spec.json"), SPEC.json());
            predictions = new Collector(bootstrap, topics.predictions());
            producer = new PacedProducer(bootstrap, records, RATE, B_JOINS + AHEAD);
        }

        /**
         * Lets the readings flow up to {@code AHEAD} past the next step's point ({@code next}
         * predictions). Called as soon as a step is under way: after a joining instance is RUNNING,
         * at the start of a stop. Where the steps take longer than the readings between them, the
         * stream waits for the test there instead of running out before the last step.
         */
        void flowUntil(int next) {
            producer.holdAt(next + AHEAD);
        }

        /** Starts instance {@code id} (A and A2 share a state directory: A2 is A restarted). */
        ChildLearner start(String id) throws Exception {
            String instance = id.substring(0, 1);
            Map<String, String> c = configs.computeIfAbsent(instance, k -> {
                try {
                    Map<String, String> m = KafkaTestSupport.learnerConfig(bootstrap, topics, prefix + "-it",
                            dir.resolve("state-" + k), KafkaTestSupport.freePort());
                    m.put("model.key", "sensor");
                    m.put("model.spec", dir.resolve("spec.json").toString());
                    m.put("kafka.num.standby.replicas", String.valueOf(standbys));
                    return m;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            ChildLearner child = ChildLearner.run(prefix + "-" + id, c);
            children.add(child);
            child.awaitHealthy(Duration.ofSeconds(60));
            return child;
        }

        /**
         * A runs alone, B joins at {@code B_JOINS} predictions, A leaves at {@code A_LEAVES}; the
         * next step is at {@code next} predictions.
         */
        Handover handOverFromAToB(int next) throws Exception {
            ChildLearner a = start("A");
            await(B_JOINS, a);
            ChildLearner b = start("B");
            flowUntil(A_LEAVES);
            awaitProcessing(b);
            await(A_LEAVES, b);
            return new Handover(b, stop(a, b, next));
        }

        void await(int count, ChildLearner running) throws Exception {
            if (!predictions.awaitSize(count, Duration.ofSeconds(90))) {
                throw new AssertionError("stuck at " + predictions.size() + " predictions; " + running.diagnose());
            }
        }

        /**
         * SIGTERMs {@code leaving} (exit 0 expected) and measures the failover to {@code staying}:
         * the longest pause between two consecutive predictions of one partition from the stop
         * until three more seconds of readings were predicted (the predictions topic uses
         * LogAppendTime), and what {@code staying} restored after the stop.
         */
        Failover stop(ChildLearner leaving, ChildLearner staying, int next) throws Exception {
            flowUntil(next); // flowing again (if it waited for this step) while both settle
            // Both instances settled first: what follows is the failover, not the end of the last rebalance.
            staying.awaitSettled(Duration.ofSeconds(2), Duration.ofSeconds(30));
            leaving.awaitSettled(Duration.ofMillis(500), Duration.ofSeconds(30));
            LocalDateTime stoppedAt = LocalDateTime.now();
            long stopMs = System.currentTimeMillis();
            assertEquals(0, leaving.terminate(Duration.ofSeconds(60)), leaving.stderrTail());
            long leftAtMs = System.currentTimeMillis();
            int target = Math.min(predictions.size() + 3 * RATE, readings);
            await(target, staying);
            long endMs = System.currentTimeMillis();
            Thread.sleep(500);
            Map<Integer, List<Long>> appendTimes = new HashMap<>();
            for (ConsumerRecord<String, byte[]> r : predictions.records()) {
                appendTimes.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.timestamp());
            }
            long stall = 0;
            for (List<Long> times : appendTimes.values()) {
                for (int i = 1; i < times.size(); i++) {
                    if (times.get(i) >= stopMs && times.get(i - 1) <= endMs) {
                        stall = Math.max(stall, times.get(i) - Math.max(times.get(i - 1), stopMs - 1_000));
                    }
                }
            }
            long restored = 0;
            long restoreMs = 0;
            for (Restoration r : staying.restorations()) {
                if (!r.started().isBefore(stoppedAt)) {
                    restored += r.records();
                    restoreMs = Math.max(restoreMs, r.took().toMillis());
                }
            }
            return new Failover(stall, restored, restoreMs, leftAtMs);
        }

        /** Lets {@code last} predict the rest, stops it, and checks predictions and models. */
        void finish(ChildLearner last) throws Exception {
            producer.await(Duration.ofSeconds(120));
            await(readings, last);
            Map<String, OnlineModel> models = KafkaTestSupport.awaitSnapshots(bootstrap, topics.models(),
                    single.versions(), Duration.ofSeconds(60));
            assertEquals(0, last.terminate(Duration.ofSeconds(60)), last.stderrTail());
            Thread.sleep(500);
            check = KafkaTestSupport.checkPredictions(predictions.records(), single);
            assertTrue(check.exact(), check.toString());
            assertEquals(16, single.models.size());
            Map<String, Long> actualVersions = new TreeMap<>();
            models.forEach((k, v) -> actualVersions.put(k, v.modelVersion()));
            assertEquals(single.versions(), actualVersions);
            single.models.forEach((sensor, expected) -> assertArrayEquals(ModelSnapshot.toBytes(expected),
                    ModelSnapshot.toBytes(models.get(sensor)), "model of " + sensor));
        }

        @Override
        public void close() throws Exception {
            children.forEach(ChildLearner::close);
            producer.close();
            predictions.close();
        }
    }

    /**
     * Kafka Streams 4.3.1 logs a recycle at INFO as "Closed and recycled state" from the task being
     * recycled, with its type in the log prefix. "stream-thread [T] task [0_P] " is an active task's
     * StreamTask#prepareRecycle, called only by StandbyTaskCreator#createStandbyTaskFromActive;
     * "stream-thread [T] standby-task [0_P] " is StandbyTask#prepareRecycle, called only by
     * ActiveTaskCreator#createActiveTaskFromStandby, which then creates the active task from it
     * (its own "Created active task 0_P from recycled standby task" line is TRACE). "task [0_P]
     * Closed and recycled state" alone also matches the standby line, so the type is matched too.
     */
    private static final Pattern RECYCLED = Pattern.compile(
            " - stream-thread \\[[^\\]]+\\] (task|standby-task) \\[(\\d+_\\d+)\\] Closed and recycled state$");

    /**
     * The tasks whose active task was recycled into a standby and then that standby recycled into an
     * active task again, in this order, in one instance's Kafka log: a hand-back through a recycled
     * standby. Standby-to-active recycles alone (a failover to warm standbys) do not count.
     */
    static List<String> recycledBack(List<String> kafkaLog) {
        Map<String, Boolean> standbyFromActive = new HashMap<>();
        List<String> tasks = new ArrayList<>();
        for (String line : kafkaLog) {
            Matcher m = RECYCLED.matcher(line);
            if (!m.find()) {
                continue;
            }
            String task = m.group(2);
            if (m.group(1).equals("task")) {
                standbyFromActive.put(task, true);
            } else if (standbyFromActive.getOrDefault(task, false) && !tasks.contains(task)) {
                tasks.add(task);
            }
        }
        return tasks;
    }

    /** Readings this instance has predicted (every outcome but rejected). */
    private static double processed(ChildLearner child) throws Exception {
        PrometheusText m = child.metrics();
        double sum = 0;
        for (String outcome : new String[] {"trained", "predicted", "diverged"}) {
            double v = m.sum("streamlearn_records_total", "outcome=\"" + outcome + "\"");
            sum += Double.isNaN(v) ? 0 : v;
        }
        return sum;
    }

    /** Waits until a newly started instance has taken over tasks and predicted with them. */
    private static void awaitProcessing(ChildLearner child) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (processed(child) == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(child.name + " was given no active task; " + child.diagnose());
            }
            Thread.sleep(100);
        }
    }
}
