package streamlearn.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.SpecJson;
import streamlearn.model.LateLabel;
import streamlearn.model.ModelSpec;
import streamlearn.model.Outcome;
import streamlearn.model.PendingReading;
import streamlearn.model.PrequentialMetrics;
import streamlearn.model.Reading;
import streamlearn.model.StepResult;

/**
 * The model store's own contract, without Kafka: a model is its checkpoint plus the inputs it took
 * since, so what is written per reading is small and bounded however many models there are; a
 * model that leaves the cache, or a store opened again over the same data (a restart, a task
 * moving here), gives back every model bit for bit, readings, late labels, published snapshots
 * and windows closed by the wall clock included; and a stored state of any other layout is refused, naming the model.
 */
class ModelStoreTest {
    private static final ModelSpec SPEC = SpecJson.defaultSpec();
    private static final long T0 = 1_795_334_400_000L;
    private static final long HOUR = 3_600_000;
    private static final long WINDOW = 10_000;
    /** Readings between two commits in {@link Feeder#feed}: a few per model, so models hold and write inputs. */
    private static final int COMMIT_READINGS = 50;

    /** The learner's calls on a store, and the same calls on models that never leave memory. */
    private static final class Feeder {
        final ModelStore store;
        final Map<String, ModelState> reference = new TreeMap<>();
        final Map<String, PendingReading> waiting = new HashMap<>();
        final List<StepResultCopy> results = new ArrayList<>();

        Feeder(ModelStore store) {
            this.store = store;
        }

        /** A reading; an unlabeled one waits, and every third waiting reading later gets its label. */
        void reading(Reading reading, int n) {
            String id = reading.sensorId();
            ModelState reference = this.reference.computeIfAbsent(id, k -> ModelState.create(k, SPEC));
            reference.advanceWindow(reading.timestamp(), WINDOW);
            StepResultCopy expected = new StepResultCopy(reference.learn(reading));
            ModelState state = store.get(id);
            if (state == null) {
                state = store.create(id);
            }
            state.advanceWindow(reading.timestamp(), WINDOW);
            StepResult result = state.learn(reading);
            assertEquals(expected, new StepResultCopy(result), "reading " + n + " of " + id);
            store.tookReading(state, WINDOW, reading);
            if (!reading.isLabeled()) {
                PendingReading p = new PendingReading(SPEC).set(n, reading.timestamp(), result.modelVersion());
                System.arraycopy(reading.features(), 0, p.features(), 0, 2);
                System.arraycopy(result.output(), 0, p.output(), 0, p.output().length);
                waiting.put(id, p);
            } else if (n % 3 == 0 && waiting.containsKey(id)) {
                PendingReading p = waiting.remove(id);
                LateLabel label = new LateLabel().set(id, null, n % SPEC.classes().size());
                assertEquals(new StepResultCopy(reference.learnLate(p, label)),
                        new StepResultCopy(store.get(id).learnLate(p, label)), "late label " + n);
                store.tookLateLabel(store.get(id), p, label);
            }
            if (n % 97 == 0) {
                // A snapshot publication is an input too: the restored model must know it was sent.
                assertArrayEquals(reference.snapshotIfChanged(), store.get(id).snapshotIfChanged());
                store.published(store.get(id));
            }
            if (n % 89 == 0) {
                // A window closed by the wall clock (a quiet model) is an input too: no reading
                // tells a replay that it happened.
                assertArrayEquals(reference.closeOpenWindow(WINDOW).json(), store.get(id).closeOpenWindow(WINDOW).json());
                store.closedWindow(store.get(id), WINDOW);
            }
        }

        /** Readings from {@code generator}, with a commit every {@link #COMMIT_READINGS} and after the last. */
        void feed(SensorReadingGenerator generator, int readings) {
            Reading reading = new Reading(2);
            for (int i = 0; i < readings; i++) {
                generator.next(reading, T0 + i * 7L);
                reading(reading, i);
                if ((i + 1) % COMMIT_READINGS == 0) {
                    store.flushCache();
                }
            }
            store.flushCache();
        }

        /** Every model the store gives back is the reference's, bit for bit. */
        void assertSameModels(ModelStore other) {
            for (Map.Entry<String, ModelState> e : reference.entrySet()) {
                ModelState stored = other.get(e.getKey());
                assertArrayEquals(e.getValue().checkpointBytes(), stored.checkpointBytes(), "model " + e.getKey());
            }
        }
    }

    private record StepResultCopy(String outcome, int predicted, double loss, long modelVersion, String output) {
        StepResultCopy(StepResult r) {
            this(r.outcome().name(), r.predicted(), r.loss(), r.modelVersion(), Arrays.toString(r.output()));
        }
    }

    @Test
    void aModelThatLeftTheCacheComesBackBitForBitAndContinuesAsIfItHadNever() {
        MapStore underlying = new MapStore();
        ModelStore store = new ModelStore(underlying, SPEC, 7, 3);
        Feeder feeder = new Feeder(store);
        feeder.feed(new SensorReadingGenerator(11, 16, 0.2), 5_000);
        assertEquals(3, store.cached(), "the cache holds its size, not the 16 models");
        assertTrue(store.loads() > 4_000, "models were read back: " + store.loads());
        feeder.assertSameModels(store);
    }

    @Test
    void aStoreOpenedAgainGivesBackEveryModelFromItsCheckpointAndTheInputsAfterIt() {
        MapStore underlying = new MapStore();
        Feeder feeder = new Feeder(new ModelStore(underlying, SPEC, 50, 100));
        feeder.feed(new SensorReadingGenerator(12, 16, 0.2), 3_000);
        ModelStore reopened = new ModelStore(underlying, SPEC, 50, 100);
        assertEquals(0, reopened.cached());
        feeder.assertSameModels(reopened);
        // And it goes on as the models that never stopped.
        Feeder after = new Feeder(reopened);
        after.reference.putAll(feeder.reference);
        after.feed(new SensorReadingGenerator(13, 16, 0.2), 1_000);
        after.assertSameModels(new ModelStore(underlying, SPEC, 50, 100));
    }

    @Test
    void whatAReadingWritesIsSmallAndBoundedWhateverTheNumberOfModels() {
        for (int models : new int[] {16, 2_000}) {
            MapStore underlying = new MapStore();
            int every = 100;
            Feeder feeder = new Feeder(new ModelStore(underlying, SPEC, every, 10_000));
            int readings = models * 150;
            feeder.feed(new SensorReadingGenerator(14, models, 0.1), readings);
            double perReading = (double) underlying.bytes / readings;
            int checkpoint = feeder.reference.values().iterator().next().checkpointBytes().length;
            // An input record (about 60 bytes with its key) plus a checkpoint's share: in 150
            // readings a model writes its first record and one or two checkpoints (their turns
            // are staggered), about 1.3 per 100 readings over 16 models; twice as many fails.
            assertTrue(perReading < 80 + 1.5 * checkpoint / every, models + " models: " + perReading
                    + " bytes per reading, checkpoint " + checkpoint);
            // The store holds at most a checkpoint, its inputs' slots and a marker per model.
            assertTrue(underlying.map.size() <= models * (every + 2), models + " models: " + underlying.map.size() + " records");
        }
    }

    @Test
    void modelsFedInLockstepTakeTheirCheckpointsAtStaggeredTimes() {
        MapStore underlying = new MapStore();
        int models = 1_000;
        ModelStore store = new ModelStore(underlying, SPEC, 100, 10_000);
        Feeder feeder = new Feeder(store);
        Reading reading = new Reading(2);
        SensorReadingGenerator generator = new SensorReadingGenerator(15, models, 0.0);
        int most = 0;
        for (int round = 0; round < 300; round++) {
            int before = checkpoints(underlying);
            for (int m = 0; m < models; m++) {
                generator.next(reading, T0 + round);
                reading.setSensorId(SensorReadingGenerator.sensorId(m));
                feeder.reading(reading, 1);
            }
            // A round a commit: a checkpoint turn is written at the commit.
            store.flushCache();
            most = Math.max(most, checkpoints(underlying) - before);
        }
        // Each round is one input per model; unstaggered, one round in a hundred would write all 1,000.
        assertTrue(most > 0 && most < 40, "at most " + most + " checkpoints in one round");
    }

    @Test
    void aBusyModelWritesOneCheckpointPerCommitInsteadOfAnInputPerReading() {
        MapStore underlying = new MapStore();
        ModelStore store = new ModelStore(underlying, SPEC, 10_000, 10);
        ModelState reference = ModelState.create("default", SPEC);
        ModelState state = store.create("default");
        SensorReadingGenerator generator = new SensorReadingGenerator(21, 16, 0.1);
        Reading reading = new Reading(2);
        int checkpoint = reference.checkpointSize();
        assertTrue(checkpoint > 10_000, "a checkpoint of " + checkpoint + " bytes");
        for (int commit = 0; commit < 5; commit++) {
            checkpoints(underlying);
            int putsBefore = underlying.puts;
            // 1,000 readings of about 54 bytes outweigh the 14 KB checkpoint four times.
            for (int i = 0; i < 1_000; i++) {
                generator.next(reading, T0 + commit * 1_000L + i);
                reference.advanceWindow(reading.timestamp(), WINDOW);
                reference.learn(reading);
                state.advanceWindow(reading.timestamp(), WINDOW);
                state.learn(reading);
                store.tookReading(state, WINDOW, reading);
                // Weighed against the checkpoint's size when the model first held an input (its drift detector's grows).
                assertTrue(store.heldBytes() < 1.1 * checkpoint, "held " + store.heldBytes() + " bytes, checkpoint " + checkpoint);
            }
            assertEquals(putsBefore, underlying.puts, "nothing written before the commit");
            store.flushCache();
            assertEquals(putsBefore + 1, underlying.puts, "commit " + commit + ": one write");
            assertEquals(1, checkpoints(underlying), "commit " + commit + ": the checkpoint");
            store.flushCache();
            assertEquals(putsBefore + 1, underlying.puts, "a second call before more inputs writes nothing");
            assertArrayEquals(reference.checkpointBytes(), new ModelStore(underlying, SPEC, 10_000, 10)
                    .get("default").checkpointBytes(), "read back after commit " + commit);
        }
    }

    @Test
    void aQuietModelWritesItsInputsAtTheCommitNotACheckpoint() {
        MapStore underlying = new MapStore();
        ModelStore store = new ModelStore(underlying, SPEC, 10_000, 10);
        Feeder feeder = new Feeder(store);
        SensorReadingGenerator generator = new SensorReadingGenerator(22, 1, 0.0);
        Reading reading = new Reading(2);
        for (int commit = 0; commit < 20; commit++) {
            checkpoints(underlying);
            int putsBefore = underlying.puts;
            for (int i = 0; i < 5; i++) {
                generator.next(reading, T0 + commit * 5L + i);
                feeder.reading(reading, 1);
            }
            // Once, when the first model starts: the new model it starts as (see ModelStore).
            int startedAs = commit == 0 ? 1 : 0;
            assertEquals(putsBefore + startedAs, underlying.puts, "nothing but that written before the commit");
            store.flushCache();
            assertEquals(putsBefore + startedAs + 5, underlying.puts, "commit " + commit + ": one input record per reading");
            assertEquals(0, checkpoints(underlying), "commit " + commit + ": no checkpoint");
        }
        feeder.assertSameModels(new ModelStore(underlying, SPEC, 10_000, 10));
    }

    @Test
    void aModelThatLeavesTheCacheWritesWhatItHeldAndIsReadBackBitForBit() {
        // No commit at all: only the evictions write, one quiet model's inputs and one busy model's checkpoint.
        MapStore underlying = new MapStore();
        ModelStore store = new ModelStore(underlying, SPEC, 10_000, 1);
        Feeder feeder = new Feeder(store);
        Reading reading = new Reading(2);
        SensorReadingGenerator quiet = new SensorReadingGenerator(23, 1, 0.2);
        SensorReadingGenerator busy = new SensorReadingGenerator(24, 1, 0.2);
        for (int round = 0; round < 6; round++) {
            for (int i = 0; i < 3; i++) {
                quiet.next(reading, T0 + round * 1_000L + i);
                reading.setSensorId("quiet");
                feeder.reading(reading, round * 1_000 + i);
            }
            checkpoints(underlying);
            for (int i = 0; i < 600; i++) {
                busy.next(reading, T0 + round * 1_000L + i);
                reading.setSensorId("busy");
                feeder.reading(reading, round * 1_000 + i + 3);
            }
            assertEquals(0, checkpoints(underlying), "the busy model leaving the cache is what writes its checkpoint");
        }
        assertTrue(store.loads() >= 10, "models were read back: " + store.loads());
        // Reading "quiet" back here makes "busy" leave the cache: then both wrote all they took.
        feeder.assertSameModels(store);
        feeder.assertSameModels(new ModelStore(underlying, SPEC, 10_000, 10));
    }

    @Test
    void aStoreOpenedAgainAfterACommitGivesBackBusyAndQuietModelsBitForBit() {
        MapStore underlying = new MapStore();
        ModelStore store = new ModelStore(underlying, SPEC, 100, 100);
        Feeder feeder = new Feeder(store);
        Reading reading = new Reading(2);
        SensorReadingGenerator sensors = new SensorReadingGenerator(25, 16, 0.2);
        SensorReadingGenerator global = new SensorReadingGenerator(26, 1, 0.2);
        int checkpointsWritten = 0;
        int inputsWritten = 0;
        for (int commit = 0; commit < 8; commit++) {
            for (int i = 0; i < 400; i++) {
                int n = commit * 400 + i;
                global.next(reading, T0 + n);
                reading.setSensorId("default");
                feeder.reading(reading, n);
                if (i % 20 == 0) {
                    sensors.next(reading, T0 + n);
                    feeder.reading(reading, n);
                }
            }
            store.flushCache();
            int before = underlying.written.size();
            int checkpointsNow = checkpoints(underlying);
            checkpointsWritten += checkpointsNow;
            inputsWritten += before - checkpointsNow;
            feeder.assertSameModels(new ModelStore(underlying, SPEC, 100, 100));
        }
        assertTrue(checkpointsWritten >= 8 && inputsWritten > 0,
                checkpointsWritten + " checkpoints and " + inputsWritten + " other records written");
    }

    /** Checkpoints written since the last call: keys that are a model id alone (no byte of 0xF8 or above). */
    private static int checkpoints(MapStore store) {
        int n = 0;
        for (Bytes key : store.written) {
            boolean modelId = true;
            for (byte b : key.get()) {
                modelId &= (b & 0xFF) < 0xF8;
            }
            n += modelId ? 1 : 0;
        }
        store.written.clear();
        return n;
    }

    @Test
    void onlyModelsWithUnpublishedChangesAreMarkedForARestart() {
        MapStore underlying = new MapStore();
        ModelStore store = new ModelStore(underlying, SPEC, 100, 10);
        Feeder feeder = new Feeder(store);
        feeder.feed(new SensorReadingGenerator(16, 4, 0.0), 40);
        for (String id : feeder.reference.keySet()) {
            store.markUnpublished(id);
        }
        ModelState published = store.get(SensorReadingGenerator.sensorId(2));
        published.snapshotIfChanged();
        store.published(published);
        store.flushCache();
        assertEquals(List.of(SensorReadingGenerator.sensorId(0), SensorReadingGenerator.sensorId(1),
                SensorReadingGenerator.sensorId(3)), new ModelStore(underlying, SPEC, 100, 10).unpublished());
        assertFalse(new ModelStore(underlying, SPEC, 100, 10).get(SensorReadingGenerator.sensorId(2)).unpublished());
    }

    @Test
    void theDriftsDetectedInTheOpenWindowSurviveARestart() throws Exception {
        // One window (an hour of event time) holds a stream with a change (+15 C from reading 6,000 on).
        MapStore underlying = new MapStore();
        ModelSpec single = streamlearn.model.TestSpecs.singleNetwork();
        ModelStore store = new ModelStore(underlying, single, 1_000, 10);
        ModelState state = store.create("default");
        SensorReadingGenerator generator = new SensorReadingGenerator(7, 16, 0.1);
        Reading reading = new Reading(2);
        long drifts = 0;
        for (int i = 0; i < 12_000; i++) {
            generator.next(reading, T0 + i);
            if (i >= 6_000) {
                reading.setFeature(0, reading.features()[0] + 15);
            }
            state.advanceWindow(reading.timestamp(), HOUR);
            drifts += state.learn(reading).drift() != null ? 1 : 0;
            store.tookReading(state, HOUR, reading);
            if (i % 500 == 0) {
                store.flushCache();
            }
        }
        store.flushCache();
        assertTrue(drifts > 0, "the change was detected");

        ModelState restored = new ModelStore(underlying, single, 1_000, 10).get("default");
        assertArrayEquals(state.progressBytes(), restored.progressBytes());
        byte[] closed = state.advanceWindow(T0 + HOUR, HOUR).json();
        assertEquals(drifts, new ObjectMapper().readTree(closed).get("drifts").asLong());
        assertEquals(new String(closed, StandardCharsets.UTF_8),
                new String(restored.advanceWindow(T0 + HOUR, HOUR).json(), StandardCharsets.UTF_8),
                "the window closed after a restart is the one an uninterrupted run closes");
    }

    /**
     * A checkpoint whose metrics window is cut short or has bytes after it, or whose model is of
     * another binary format version, is not misread: an error that names the model and what is
     * wrong.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"window 32 bytes short", "window 24 bytes short", "window 3 bytes long", "model version 3"})
    void aCheckpointOfAnyOtherLayoutIsUnreadableNamingTheModel(String change) {
        String id = "press-00";
        ModelState state = ModelState.create(id, SPEC);
        Reading reading = new Reading(2);
        SensorReadingGenerator generator = new SensorReadingGenerator(5, 1, 0.0);
        for (int i = 0; i < 300; i++) {
            generator.next(reading, i);
            state.advanceWindow(reading.timestamp(), WINDOW);
            state.learn(reading);
        }
        byte[] checkpoint = state.checkpointBytes();
        MapStore underlying = new MapStore();
        underlying.put(ModelKeys.checkpoint(id), checkpoint);
        assertArrayEquals(checkpoint, new ModelStore(underlying, SPEC, 100, 10).get(id).checkpointBytes(), "as written");

        byte[] changed;
        String expected;
        if (change.startsWith("model")) {
            changed = checkpoint.clone();
            changed[4 + Long.BYTES + 4 + 4] = 3; // the model's format version, after its magic
            expected = "binary format version 3 is not supported";
        } else {
            int off = Integer.parseInt(change.split(" ")[1]) * (change.endsWith("short") ? -1 : 1);
            changed = Arrays.copyOf(checkpoint, checkpoint.length + off);
            expected = "unsupported metrics window record: " + (new PrequentialMetrics(SPEC).binarySize() + off)
                    + " bytes, expected " + new PrequentialMetrics(SPEC).binarySize();
        }
        MapStore other = new MapStore();
        other.put(ModelKeys.checkpoint(id), changed);
        Models.Unreadable e = assertThrows(Models.Unreadable.class,
                () -> new ModelStore(other, SPEC, 100, 10).get(id));
        assertTrue(e.getMessage().startsWith("model '" + id + "': its stored state cannot be read"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(id, e.modelId);
    }

    @Test
    void aRefusedStepIsReplayedWithItsErrorInTheDriftDetector() {
        // Steps that would make a weight non-finite are refused, but the prediction's error has
        // joined the drift detector's window: the restored model must include it, or a restart
        // would resume with a detector that never saw that reading.
        ModelSpec diverging = SpecJson.parse("""
                {"features":["temperature","vibration"],"classes":["normal","warning","critical"],
                 "layers":[{"units":8,"activation":"relu"},{"units":3,"activation":"softmax"}],
                 "loss":"cross_entropy","init":{"type":"he","seed":1},
                 "optimizer":{"type":"sgd","learningRate":1e308},"clipNorm":0,"standardize":true,
                 "drift":{"detector":"adwin","delta":0.002}}""");
        MapStore underlying = new MapStore();
        ModelStore store = new ModelStore(underlying, diverging, 1_000, 10);
        ModelState state = store.create("default");
        SensorReadingGenerator generator = new SensorReadingGenerator(3, 1, 0.0);
        Reading reading = new Reading(2);
        int refused = 0;
        for (int i = 0; i < 200 && refused < 5; i++) {
            generator.next(reading, T0 + i);
            state.advanceWindow(reading.timestamp(), 10_000);
            Outcome outcome = state.learn(reading).outcome();
            store.tookReading(state, 10_000, reading);
            if (outcome == Outcome.DIVERGED) {
                store.flushCache();
                refused++;
                assertArrayEquals(state.checkpointBytes(),
                        new ModelStore(underlying, diverging, 1_000, 10).get("default").checkpointBytes(),
                        "the stored model after refused step " + refused);
            }
        }
        assertEquals(5, refused, "steps refused");
    }

    @Test
    void aModelWithoutACheckpointMeetsAChangedSpecAsTheModelItLearnedAs() throws Exception {
        MapStore underlying = new MapStore();
        Feeder feeder = new Feeder(new ModelStore(underlying, SPEC, 1_000, 10));
        feeder.feed(new SensorReadingGenerator(11, 1, 0.0), 20);
        assertNull(underlying.get(ModelKeys.checkpoint("press-00")), "no checkpoint yet: 20 logged inputs");
        byte[] learned = feeder.reference.get("press-00").checkpointBytes();
        ModelSpec changed = SpecJson.parse(defaultSpecText()
                .replace("\"learningRate\": 0.002", "\"learningRate\": 0.001"));

        // Read under the changed spec, it is the model it was, spec included, for
        // model.on.spec.change to meet; not its inputs replayed on a new model of the changed spec.
        ModelState young = new ModelStore(underlying, changed, 1_000, 10).get("press-00");
        assertEquals(SPEC, young.model().spec());
        assertArrayEquals(learned, young.checkpointBytes());

        // Before a first model starts from the changed spec, the young one writes its checkpoint.
        ModelStore after = new ModelStore(underlying, changed, 1_000, 10);
        ModelState started = after.create("press-01");
        assertArrayEquals(learned, underlying.get(ModelKeys.checkpoint("press-00")));
        Reading reading = new Reading(2);
        new SensorReadingGenerator(12, 1, 0.0).next(reading, T0);
        started.advanceWindow(reading.timestamp(), WINDOW);
        started.learn(reading);
        after.tookReading(started, WINDOW, reading);
        after.flushCache();
        ModelStore reopened = new ModelStore(underlying, changed, 1_000, 10);
        assertArrayEquals(learned, reopened.get("press-00").checkpointBytes());
        ModelState youngUnderChanged = reopened.get("press-01");
        assertEquals(changed, youngUnderChanged.model().spec(), "a model started under the changed spec replays under it");
        assertArrayEquals(started.checkpointBytes(), youngUnderChanged.checkpointBytes());
    }

    @Test
    void aModelStartedAfreshInPlaceOfOneThatCouldNotBeReadTakesNoneOfItsInputs() {
        MapStore underlying = new MapStore();
        new Feeder(new ModelStore(underlying, SPEC, 1_000, 10)).feed(new SensorReadingGenerator(11, 1, 0.0), 20);
        assertNull(underlying.get(ModelKeys.checkpoint("press-00")), "no checkpoint yet: 20 logged inputs");
        // Its last input is damaged: it cannot be read, and model.on.spec.change=reset starts it afresh.
        underlying.put(ModelKeys.input("press-00", 20), new byte[] {1, 2, 3});
        ModelStore store = new ModelStore(underlying, SPEC, 1_000, 10);
        assertThrows(Models.Unreadable.class, () -> store.get("press-00"));
        ModelState afresh = ModelState.create("press-00", SPEC);
        store.checkpoint(afresh);

        ModelState reference = ModelState.create("press-00", SPEC);
        SensorReadingGenerator generator = new SensorReadingGenerator(12, 1, 0.0);
        Reading reading = new Reading(2);
        for (int i = 0; i < 3; i++) {
            generator.next(reading, T0 + i);
            for (ModelState state : List.of(reference, afresh)) {
                state.advanceWindow(reading.timestamp(), WINDOW);
                state.learn(reading);
            }
            store.tookReading(afresh, WINDOW, reading);
        }
        store.flushCache();
        assertArrayEquals(reference.checkpointBytes(),
                new ModelStore(underlying, SPEC, 1_000, 10).get("press-00").checkpointBytes(),
                "the new model and its own three inputs, none of its predecessor's 4 to 20");
    }

    private static String defaultSpecText() throws Exception {
        try (InputStream in = ModelStoreTest.class.getResourceAsStream("/default-spec.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A sorted map behind the KeyValueStore interface, counting writes. */
    static final class MapStore implements KeyValueStore<Bytes, byte[]> {
        private final TreeMap<Bytes, byte[]> map = new TreeMap<>();
        final List<Bytes> written = new ArrayList<>();
        int puts;
        /** Keys and values written, as a changelog would receive them (a delete: its key). */
        long bytes;

        @Override
        public void put(Bytes key, byte[] value) {
            puts++;
            written.add(key);
            bytes += key.get().length + (value == null ? 0 : value.length);
            if (value == null) {
                map.remove(key);
            } else {
                map.put(key, value);
            }
        }

        @Override
        public byte[] putIfAbsent(Bytes key, byte[] value) {
            byte[] old = map.get(key);
            if (old == null) {
                put(key, value);
            }
            return old;
        }

        @Override
        public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
            entries.forEach(e -> put(e.key, e.value));
        }

        @Override
        public byte[] delete(Bytes key) {
            return map.remove(key);
        }

        @Override
        public byte[] get(Bytes key) {
            return map.get(key);
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
            return iterator(map.subMap(from, true, to, true));
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> all() {
            return iterator(map);
        }

        @Override
        public long approximateNumEntries() {
            return map.size();
        }

        @Override
        public String name() {
            return "models";
        }

        @Override
        public void init(StateStoreContext context, StateStore root) {
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        @Override
        public boolean persistent() {
            return false;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        private static KeyValueIterator<Bytes, byte[]> iterator(Map<Bytes, byte[]> entries) {
            List<Map.Entry<Bytes, byte[]>> list = List.copyOf(entries.entrySet());
            return new KeyValueIterator<>() {
                private int next;

                @Override
                public boolean hasNext() {
                    return next < list.size();
                }

                @Override
                public KeyValue<Bytes, byte[]> next() {
                    Map.Entry<Bytes, byte[]> e = list.get(next++);
                    return KeyValue.pair(e.getKey(), e.getValue());
                }

                @Override
                public Bytes peekNextKey() {
                    return list.get(next).getKey();
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
