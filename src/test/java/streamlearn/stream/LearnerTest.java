package streamlearn.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.ReadingParser;
import streamlearn.format.SpecJson;
import streamlearn.model.LateLabel;
import streamlearn.model.ModelSpec;
import streamlearn.model.PendingReadings;
import streamlearn.model.Reading;
import streamlearn.model.StepResult;
import streamlearn.model.WaitingLabels;

/**
 * The learner over the model store, without Kafka: what a task commits is what it learned, so a
 * task started again on the committed store (a kill -9 after a commit) continues as the
 * uninterrupted one does, late labels included, also for a model kept under a spec that orders
 * features and classes otherwise ({@code model.on.spec.change=keep}).
 */
class LearnerTest {
    private static final ModelSpec SPEC = SpecJson.defaultSpec();
    /** The default spec with its features and its classes in the other order. */
    private static final ModelSpec REORDERED = SpecJson.parse(SPEC.json()
            .replace("[\"temperature\",\"vibration\"]", "[\"vibration\",\"temperature\"]")
            .replace("[\"normal\",\"warning\",\"critical\"]", "[\"critical\",\"warning\",\"normal\"]"));
    private static final long T0 = 1_795_334_400_000L;
    private static final long WALL = T0 + 3_600_000;

    /** A task: the learner over a store whose committed records are {@code disk}. */
    private static final class Task implements Learner.Outputs {
        final ModelStore store;
        final Learner learner;
        final List<String> predictions = new ArrayList<>();
        int lateLabels;

        Task(Disk disk, ModelSpec configured, SpecChangePolicy policy) {
            LearnerSettings settings = new LearnerSettings(configured, ModelKey.parse("global"), Topics.DEFAULT,
                    Duration.ofSeconds(10), Duration.ofSeconds(60), 1, ReadingParser.DEFAULT_MAX_BYTES, Duration.ofHours(1),
                    LearnerSettings.DEFAULT_LABEL_MAX_PENDING, new SimpleMeterRegistry())
                    .with(LearnerSettings.DEFAULT_READING_MAX_FUTURE, policy, null);
            store = new ModelStore(disk.models, configured, 100, 10);
            long delay = settings.labelMaxDelay().toMillis();
            PendingReadings pending = new PendingReadings(configured, disk.waiting, delay,
                    LearnerSettings.DEFAULT_LABEL_MAX_PENDING, (m, r) -> { });
            pending.open();
            WaitingLabels labels = new WaitingLabels(configured, disk.waiting, delay, LearnerSettings.DEFAULT_LABEL_MAX_PENDING,
                    (m, r, message, deadLetter) -> { });
            labels.open();
            learner = new Learner(settings, store, pending, labels, new LearnerMetrics(settings.registry(), configured.classes(), 10),
                    new SnapshotSchedule(60_000, 1_000), () -> WALL, this);
            for (String id : store.storedModels(1)) {
                learner.checkStored(id);
            }
        }

        /**
         * Readings {@code from} to {@code to} of the stream, in the configured order, a commit every
         * {@code perCommit}: every seventh comes unlabeled, and its label three readings later.
         */
        void feed(boolean reordered, int from, int to, int perCommit) {
            SensorReadingGenerator generator = new SensorReadingGenerator(7, 1, 0.0);
            Reading reading = new Reading(2);
            int[] classes = new int[to];
            for (int i = 0; i < to; i++) {
                generator.next(reading, T0 + i * 100L);
                classes[i] = reordered ? 2 - reading.label() : reading.label();
                if (i < from) {
                    continue;
                }
                if (reordered) {
                    double temperature = reading.features()[0];
                    reading.setFeature(0, reading.features()[1]);
                    reading.setFeature(1, temperature);
                }
                reading.setLabel(i % 7 == 0 ? Reading.UNLABELED : classes[i]);
                learner.reading("default", reading, reading.timestamp(), reading.timestamp());
                int labeled = i - 3;
                if (labeled >= 0 && labeled % 7 == 0) {
                    LateLabel label = new LateLabel().set(reading.sensorId(), null, classes[labeled]);
                    label.setTimestamp(T0 + labeled * 100L);
                    learner.label("default", label, reading.timestamp(), reading.timestamp(), () -> new byte[0]);
                }
                if ((i + 1) % perCommit == 0) {
                    store.flushCache();
                }
            }
            store.flushCache();
        }

        byte[] model() {
            return store.get("default").checkpointBytes();
        }

        @Override
        public void prediction(String sensorId, byte[] json, long timestamp, StepResult result, long modelVersion) {
            predictions.add(new String(json, StandardCharsets.UTF_8));
        }

        @Override
        public void lateLabel(StepResult result, long modelVersion) {
            lateLabels++;
        }




    }

    /** What a task commits: the model store's records and the waiting readings'. */
    private static final class Disk {
        final ModelStoreTest.MapStore models = new ModelStoreTest.MapStore();
        final PendingReadings.Storage waiting = PendingReadings.inMemory();
    }

    /** 1,000 readings learned under the default spec, committed. */
    private static Disk trained() {
        Disk disk = new Disk();
        Task task = new Task(disk, SPEC, SpecChangePolicy.FAIL);
        task.feed(false, 0, 1_000, 50);
        task.store.evictAll();
        return disk;
    }

    @Test
    void aKeptModelWithItsFeaturesAndClassesReorderedIsAfterAKillTheModelOfTheRunWithout() {
        Task uninterrupted = new Task(trained(), REORDERED, SpecChangePolicy.KEEP);
        uninterrupted.feed(true, 1_000, 1_250, 5);

        Disk disk = trained();
        Task killed = new Task(disk, REORDERED, SpecChangePolicy.KEEP);
        killed.feed(true, 1_000, 1_150, 5);
        // kill -9 right after a commit: the store's records are all that is left.
        Task restarted = new Task(disk, REORDERED, SpecChangePolicy.KEEP);
        restarted.feed(true, 1_150, 1_250, 5);

        List<String> expected = uninterrupted.predictions.subList(150, 250);
        assertEquals(expected.size(), restarted.predictions.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), restarted.predictions.get(i), "prediction " + i + " after the restart");
        }
        assertArrayEquals(uninterrupted.model(), restarted.model(), "the model after the restart");
        assertEquals(uninterrupted.lateLabels, killed.lateLabels + restarted.lateLabels);
        assertTrue(restarted.lateLabels > 10, "late labels after the restart: " + restarted.lateLabels);
        // The readings read back were inputs logged a few per commit, not a checkpoint written at the kill.
        assertNotEquals(0, logged(disk.models), "inputs are logged");
    }

    private static long logged(ModelStoreTest.MapStore disk) {
        Map<Bytes, byte[]> inputs = new TreeMap<>();
        for (int slot = 0; slot < 100; slot++) {
            byte[] record = disk.get(ModelKeys.input("default", slot));
            if (record != null) {
                inputs.put(ModelKeys.input("default", slot), record);
            }
        }
        return inputs.size();
    }
}
