package streamlearn.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.ControlCommand;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.ReadingParser;
import streamlearn.format.ReplicaMessage;
import streamlearn.format.SpecJson;
import streamlearn.model.LateLabel;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.PendingReadings;
import streamlearn.model.Reading;
import streamlearn.model.ReplicaMerge;
import streamlearn.model.StepResult;
import streamlearn.model.WaitingLabels;

/**
 * The rounds of merges of replicas of the global model ({@code model.replicas}), without Kafka: K
 * learners over their own stores, the replicas topic a queue per partition that the test delivers
 * late (so that replicas wait for merges while readings and late labels keep coming). No update
 * is lost or counted twice; every replica computes the same merge; a replica started again on its
 * committed stores continues as the uninterrupted one.
 */
class ReplicaRoundsTest {
    private static final ModelSpec SPEC = SpecJson.forReplicas(SpecJson.defaultSpec(), 2);
    private static final ModelSpec SPEC_3 = SpecJson.forReplicas(SpecJson.defaultSpec(), 3);
    private static final long T0 = 1_795_334_400_000L;
    private static final int K = 2;
    private static final int MERGE_UPDATES = 40;

    /** What a replica's task commits: its model store, waiting readings (and labels) and rounds. */
    private static final class Disk {
        final ModelStoreTest.MapStore models = new ModelStoreTest.MapStore();
        final PendingReadings.Storage waiting = PendingReadings.inMemory();
        final ModelStoreTest.MapStore rounds = new ModelStoreTest.MapStore();
    }

    /** The replicas topic: what each partition holds, and how far each replica has read it. */
    private static final class Topic {
        final List<List<byte[]>> partitions = new ArrayList<>();
        final int[] read;

        Topic() {
            this(K);
        }

        Topic(int k) {
            read = new int[k];
            for (int p = 0; p < k; p++) {
                partitions.add(new ArrayList<>());
            }
        }

        void send(byte[] value) {
            for (List<byte[]> p : partitions) {
                p.add(value);
            }
        }
    }

    /** One replica: the learner of readings partition {@code partition} over its disk. */
    private static final class Replica implements Learner.Outputs {
        final int partition;
        final ModelStore store;
        final ReplicaRounds rounds;
        final Learner learner;
        final Topic topic;
        final List<String> predictions = new ArrayList<>();
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final List<String> windows = new ArrayList<>();
        long wall = T0;

        Replica(int partition, Disk disk, Topic topic) {
            this(partition, disk, topic, SPEC);
        }

        /** Replica {@code partition} of {@code topic}'s partition count, K, training with {@code spec} (scaled for K). */
        Replica(int partition, Disk disk, Topic topic, ModelSpec spec) {
            this(partition, disk, topic, spec, SpecChangePolicy.FAIL);
        }

        Replica(int partition, Disk disk, Topic topic, ModelSpec spec, SpecChangePolicy onSpecChange) {
            this.partition = partition;
            this.topic = topic;
            int k = topic.partitions.size();
            LearnerSettings settings = new LearnerSettings(spec, ModelKey.parse("global"), Topics.DEFAULT,
                    Duration.ofSeconds(10), Duration.ofSeconds(60), k, ReadingParser.DEFAULT_MAX_BYTES, Duration.ofHours(1),
                    LearnerSettings.DEFAULT_LABEL_MAX_PENDING, registry)
                    .with(LearnerSettings.DEFAULT_READING_MAX_FUTURE, onSpecChange, null)
                    .withReplicas(spec, new ReplicaSettings(k, MERGE_UPDATES, Duration.ofSeconds(1)));
            store = new ModelStore(disk.models, spec, 100, 10);
            long delay = settings.labelMaxDelay().toMillis();
            PendingReadings pending = new PendingReadings(spec, disk.waiting, delay, LearnerSettings.DEFAULT_LABEL_MAX_PENDING,
                    (m, r) -> { });
            pending.open();
            WaitingLabels labels = new WaitingLabels(spec, disk.waiting, delay, LearnerSettings.DEFAULT_LABEL_MAX_PENDING,
                    (m, r, message, deadLetter) -> { });
            labels.open();
            learner = new Learner(settings, store, pending, labels, new LearnerMetrics(settings.registry(), spec.classes(), 10),
                    new SnapshotSchedule(60_000, 1_000), () -> wall, this);
            rounds = new ReplicaRounds(disk.rounds, spec, settings::newModel, partition, settings.replicas(), 60_000);
            rounds.open(wall, onSpecChange == SpecChangePolicy.KEEP);
            learner.replicate(rounds);
            for (String id : store.storedModels(1)) {
                learner.checkStored(id);
            }
        }

        /** Takes the records of its partition of the replicas topic that came since it last read. */
        void readTopic() {
            List<byte[]> mine = topic.partitions.get(partition);
            while (topic.read[partition] < mine.size()) {
                learner.replica(ReplicaMessage.fromBytes(mine.get(topic.read[partition]++)), wall);
            }
        }

        OnlineModel model() {
            return store.get(ModelKey.GLOBAL_MODEL_ID).model();
        }

        @Override
        public void prediction(String sensorId, byte[] json, long timestamp, StepResult result, long modelVersion) {
            predictions.add(new String(json, StandardCharsets.UTF_8));
        }

        @Override
        public void window(String model, byte[] json, long end) {
            windows.add(new String(json, StandardCharsets.UTF_8));
        }

        @Override
        public void replicaState(String key, byte[] value, long at) {
            assertEquals(ReplicaMessage.key(ModelKey.GLOBAL_MODEL_ID, partition), key);
            topic.send(value);
        }
    }

    /** The stream, dealt to the replicas; every fifth reading unlabeled, its label four readings later. */
    private static final class Stream {
        final SensorReadingGenerator generator = new SensorReadingGenerator(11, 8, 0.0);
        final Reading reading = new Reading(2);
        final int[] classes = new int[100_000];
        final int[] replicaOf = new int[100_000];
        final String[] sensors = new String[100_000];
        int next;

        /** Reading {@code next}, to the replica its sensor's partition holds; late labels as they come. */
        void step(Replica[] replicas) {
            int i = next++;
            generator.next(reading, T0 + i * 10L);
            classes[i] = reading.label();
            int p = Math.floorMod(reading.sensorId().hashCode(), replicas.length);
            replicaOf[i] = p;
            sensors[i] = reading.sensorId();
            if (i % 5 == 0) {
                reading.setLabel(Reading.UNLABELED);
            }
            replicas[p].wall = reading.timestamp();
            replicas[p].learner.reading(ModelKey.GLOBAL_MODEL_ID, reading, reading.timestamp(), reading.timestamp());
            int late = i - 4;
            if (late >= 0 && late % 5 == 0) {
                LateLabel label = new LateLabel().set(sensors[late], null, classes[late]);
                label.setTimestamp(T0 + late * 10L);
                Replica r = replicas[replicaOf[late]];
                r.learner.label(ModelKey.GLOBAL_MODEL_ID, label, reading.timestamp(), reading.timestamp(), () -> new byte[0]);
            }
        }
    }

    private static double trained(Replica r) {
        return r.registry.find("streamlearn.records").tag("outcome", "trained").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    private static Replica[] replicas(Disk[] disks, Topic topic) {
        Replica[] r = new Replica[K];
        for (int p = 0; p < K; p++) {
            r[p] = new Replica(p, disks[p], topic);
        }
        return r;
    }

    /**
     * Feeds readings {@code from} to {@code to}, the replicas reading their partitions of the
     * replicas topic every {@code lag} readings (so their states wait for merges meanwhile), and
     * committing every 25 readings.
     */
    private static void feed(Stream stream, Replica[] replicas, int to, int lag) {
        while (stream.next < to) {
            stream.step(replicas);
            if (stream.next % lag == 0) {
                for (Replica r : replicas) {
                    r.readTopic();
                }
            }
            if (stream.next % 25 == 0) {
                for (Replica r : replicas) {
                    r.store.flushCache();
                }
            }
        }
    }

    /** After the last reading: the wall clock moves on until every replica shared everything and merged it. */
    private static void settle(Replica[] replicas) {
        for (int tick = 0; tick < 20; tick++) {
            for (Replica r : replicas) {
                r.wall += 2_000;
                r.learner.replicaTick(r.wall, r.wall);
            }
            for (Replica r : replicas) {
                r.readTopic();
            }
        }
    }

    @Test
    void noUpdateIsLostOrCountedTwiceAndEveryReplicaMergesAlike() {
        Topic topic = new Topic();
        Disk[] disks = {new Disk(), new Disk()};
        Replica[] replicas = replicas(disks, topic);
        Stream stream = new Stream();
        feed(stream, replicas, 3_000, 17);
        settle(replicas);

        long labeled = 3_000;
        assertEquals(3_000, replicas[0].predictions.size() + replicas[1].predictions.size());
        for (Replica r : replicas) {
            assertEquals(labeled, r.rounds.base().modelVersion(), "the merged model counts every label once");
            assertEquals(labeled, r.model().modelVersion(), "replica " + r.partition + " continues from it");
            assertTrue(!r.rounds.stateOut(), "no state is out");
        }
        assertArrayEquals(ModelSnapshot.toBytes(replicas[0].rounds.base()), ModelSnapshot.toBytes(replicas[1].rounds.base()),
                "every replica computes the same merge");
        // Each replica's windows say which replica closed them (readings 10 ms apart: 1,000 a window).
        for (Replica r : replicas) {
            assertTrue(r.windows.size() >= 2, "windows of replica " + r.partition);
            for (String w : r.windows) {
                assertTrue(w.startsWith("{\"model\":\"default\",\"replica\":" + r.partition + ","), w);
            }
        }
        // Every labeled reading counts as trained once.
        assertEquals(3_000 * 4 / 5, trained(replicas[0]) + trained(replicas[1]), "readings counted as trained");
        long states = topic.partitions.get(0).size();
        assertTrue(states > 2 * 3_000 / (K * MERGE_UPDATES) / 2, "rounds: " + states / K);
    }

    @Test
    void mergesTheStatesWithTheRuleFromTheBase() {
        Topic topic = new Topic();
        Replica[] replicas = replicas(new Disk[] {new Disk(), new Disk()}, topic);
        OnlineModel base = replicas[0].rounds.base();
        Stream stream = new Stream();
        // Until both replicas sent their first state, none read: the first round's merge is due at the first read.
        while (topic.partitions.get(0).size() < K) {
            feed(stream, replicas, stream.next + 1, Integer.MAX_VALUE);
        }
        OnlineModel[] byReplica = new OnlineModel[K];
        for (byte[] m : topic.partitions.get(0)) {
            ReplicaMessage message = ReplicaMessage.fromBytes(m);
            byReplica[message.replica()] = message.model();
        }
        OnlineModel expected = new ReplicaMerge().merge(base, List.of(byReplica));
        for (Replica r : replicas) {
            r.readTopic();
            assertArrayEquals(ModelSnapshot.toBytes(expected), ModelSnapshot.toBytes(r.rounds.base()),
                    "replica " + r.partition + "'s base is the merge of the round's states");
        }
    }

    @Test
    void aReplicaStartedAgainOnItsCommittedStoresContinuesAsTheUninterruptedOne() {
        Topic topicA = new Topic();
        Replica[] uninterrupted = replicas(new Disk[] {new Disk(), new Disk()}, topicA);
        Stream a = new Stream();
        feed(a, uninterrupted, 2_000, 13);
        settle(uninterrupted);

        Topic topicB = new Topic();
        Disk[] disks = {new Disk(), new Disk()};
        Replica[] killed = replicas(disks, topicB);
        Stream b = new Stream();
        // A kill -9 right after a commit (every 25 readings) while replica 1's state is out for the
        // merge and it learnt since: the committed stores are all that is left of it.
        feed(b, killed, 1_000, 13);
        while (!killed[1].rounds.stateOut() || killed[1].model().modelVersion() == killed[1].rounds.base().modelVersion()) {
            feed(b, killed, b.next + 25, 13);
        }
        Replica restarted = new Replica(1, disks[1], topicB);
        restarted.wall = killed[1].wall;
        Replica[] after = {killed[0], restarted};
        feed(b, after, 2_000, 13);
        settle(after);

        assertArrayEquals(ModelSnapshot.toBytes(uninterrupted[1].rounds.base()), ModelSnapshot.toBytes(restarted.rounds.base()),
                "the merged model after the restart");
        assertArrayEquals(ModelSnapshot.toBytes(uninterrupted[1].model()), ModelSnapshot.toBytes(restarted.model()),
                "replica 1 after the restart");
        List<String> expected = uninterrupted[1].predictions;
        List<String> actual = new ArrayList<>(killed[1].predictions);
        actual.addAll(restarted.predictions);
        assertEquals(expected, actual, "replica 1's predictions, byte for byte");
    }

    @Test
    void aRestoreOnOneReplicaRestartsTheRoundsOfEveryReplicaFromTheRestoredModel() {
        Topic topic = new Topic();
        Replica[] replicas = replicas(new Disk[] {new Disk(), new Disk()}, topic);
        Stream stream = new Stream();
        feed(stream, replicas, 1_000, 13);
        OnlineModel snapshot = replicas[0].model();
        feed(stream, replicas, 1_500, 13);
        // The command reaches the replica of the partition its key hashes to, while states are out
        // and the other replica learnt since its last merge.
        Replica commanded = replicas[1];
        while (!commanded.rounds.stateOut()
                || replicas[0].model().modelVersion() == replicas[0].rounds.base().modelVersion()) {
            feed(stream, replicas, stream.next + 1, 13);
        }
        commanded.learner.command(ModelKey.GLOBAL_MODEL_ID, new ControlCommand(ControlCommand.Kind.RESTORE,
                ModelSnapshot.fromBytes(ModelSnapshot.toBytes(snapshot))), commanded.wall);
        assertArrayEquals(ModelSnapshot.toBytes(snapshot), ModelSnapshot.toBytes(commanded.model()),
                "the commanded replica continues from the restored model");
        for (Replica r : replicas) {
            r.readTopic();
        }
        assertArrayEquals(ModelSnapshot.toBytes(snapshot), ModelSnapshot.toBytes(replicas[0].rounds.base()),
                "replica 0 starts the rounds over from the restored model");
        assertArrayEquals(ModelSnapshot.toBytes(snapshot), ModelSnapshot.toBytes(replicas[1].rounds.base()));
        assertArrayEquals(ModelSnapshot.toBytes(snapshot), ModelSnapshot.toBytes(replicas[0].model()),
                "the other replica continues from the restored model, without what it learnt before");
        feed(stream, replicas, 2_000, 13);
        settle(replicas);
        assertArrayEquals(ModelSnapshot.toBytes(replicas[0].rounds.base()), ModelSnapshot.toBytes(replicas[1].rounds.base()),
                "after the restart every replica merges alike");
        assertTrue(replicas[0].rounds.base().modelVersion() > snapshot.modelVersion());
        assertTrue(replicas[0].rounds.base().modelVersion() < 2_000, "the updates before the restore are not in it");
    }

    @Test
    void aNewPartitionsReplicaStartsFromTheMergedModel() {
        Topic two = new Topic(2);
        Disk[] disks = {new Disk(), new Disk(), new Disk()};
        Replica[] before = {new Replica(0, disks[0], two), new Replica(1, disks[1], two)};
        Stream stream = new Stream();
        feed(stream, before, 1_000, 13);
        settle(before);
        OnlineModel merged = before[0].rounds.base();
        assertEquals(1_000, merged.modelVersion());

        // Every instance starts again with the readings topic (and the replicas topic) at 3 partitions.
        Topic three = new Topic(3);
        Replica[] after = {new Replica(0, disks[0], three, SPEC_3), new Replica(1, disks[1], three, SPEC_3),
            new Replica(2, disks[2], three, SPEC_3)};
        for (Replica r : after) {
            r.wall = before[0].wall;
        }
        assertTrue(after[2].rounds.base().modelVersion() == 0, "a new replica has no base of its own");
        after[0].learner.replicaTick(after[0].wall, after[0].wall);
        for (Replica r : after) {
            r.readTopic();
        }
        for (Replica r : after) {
            assertEquals(SPEC_3, r.rounds.base().spec(), "replica " + r.partition + ": rates scaled for 3");
            assertEquals(merged.modelVersion(), r.rounds.base().modelVersion(),
                    "replica " + r.partition + " starts from the merged model");
            assertEquals(merged.modelVersion(), r.model().modelVersion());
        }
        feed(stream, after, 1_600, 13);
        settle(after);
        for (Replica r : after) {
            assertEquals(1_600, r.rounds.base().modelVersion(), "replica " + r.partition + ": every label once");
        }
        assertArrayEquals(ModelSnapshot.toBytes(after[0].rounds.base()), ModelSnapshot.toBytes(after[2].rounds.base()));
        assertTrue(after[2].predictions.size() > 100, "the new replica served: " + after[2].predictions.size());
    }

    @Test
    void aSpecChangeUnderResetStartsTheRoundsOverFromTheNewModelOnEveryReplica() {
        Topic before = new Topic();
        Disk[] disks = {new Disk(), new Disk()};
        Stream stream = new Stream();
        Replica[] trained = replicas(disks, before);
        feed(stream, trained, 600, 13);
        settle(trained);

        ModelSpec other = SpecJson.forReplicas(SpecJson.parse(SpecJson.defaultSpec().json().replaceFirst("\"seed\": ?42",
                "\"seed\":43")), K);
        Topic after = new Topic();
        Replica[] reset = {new Replica(0, disks[0], after, other, SpecChangePolicy.RESET),
            new Replica(1, disks[1], after, other, SpecChangePolicy.RESET)};
        for (Replica r : reset) {
            r.wall = trained[0].wall;
            assertEquals(other, r.rounds.base().spec(), "replica " + r.partition + ": the base is the new model");
            assertEquals(0, r.rounds.base().modelVersion());
        }
        feed(stream, reset, 1_400, 13);
        settle(reset);
        for (Replica r : reset) {
            assertEquals(800, r.rounds.base().modelVersion(), "replica " + r.partition + ": the labels since the reset, once");
            assertEquals(other, r.model().spec());
        }
        assertArrayEquals(ModelSnapshot.toBytes(reset[0].rounds.base()), ModelSnapshot.toBytes(reset[1].rounds.base()));
    }
}
