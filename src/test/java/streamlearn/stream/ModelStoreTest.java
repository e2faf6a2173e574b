package streamlearn.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
import streamlearn.format.ModelSnapshot;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.model.Outcome;
import streamlearn.model.PrequentialMetrics;
import streamlearn.model.Reading;

/**
 * The model store's own contract, without Kafka: a model is written to the underlying store
 * only when the commit flushes it, once however many readings changed it, and only the part that
 * changed (an unlabeled reading moves the window, not the model); a store opened again over the
 * same data (a restart, a task moving here) loads every model bit for bit, so that models nobody
 * sends a reading for are still published; and a model stored by an earlier version, in one
 * record and with the scaler's m2, is read and rewritten in two.
 */
class ModelStoreTest {
    private static final ModelSpec SPEC = SpecJson.defaultSpec();

    @Test
    void writesChangedModelsOnlyAtTheFlushAndLoadsEveryModelWhenReopened() {
        MapStore underlying = new MapStore();
        ModelStore store = new ModelStore(underlying);
        feed(store, new SensorReadingGenerator(5, 3, 0.0), 300);
        assertEquals(0, underlying.puts, "nothing written before the commit's flush");
        store.flushCache();
        assertEquals(6, underlying.puts, "one write per part of each changed model");
        store.flushCache();
        assertEquals(6, underlying.puts, "unchanged models are not written again");

        ModelStore reopened = new ModelStore(underlying);
        assertFalse(reopened.liveModels().iterator().hasNext());
        reopened.loadAll();
        int loaded = 0;
        for (ModelState state : reopened.liveModels()) {
            loaded++;
            ModelState original = store.get(state.modelId());
            assertArrayEquals(original.modelBytes(), state.modelBytes(), state.modelId() + "'s model reloads bit for bit");
            assertArrayEquals(original.progressBytes(), state.progressBytes(), state.modelId() + "'s window reloads");
        }
        assertEquals(3, loaded);
        assertNull(reopened.get("no-such-sensor"));
        reopened.flushCache();
        assertEquals(6, underlying.puts, "a reloaded model is not written back unchanged");
    }

    @Test
    void anUnlabeledReadingRewritesTheWindowNotTheModel() {
        MapStore underlying = new MapStore();
        ModelStore store = new ModelStore(underlying);
        feed(store, new SensorReadingGenerator(5, 1, 0.0), 50);
        store.flushCache();
        underlying.written.clear();

        feed(store, new SensorReadingGenerator(6, 1, 1.0), 50);
        store.flushCache();
        assertEquals(List.of(ModelStore.progressKey(SensorReadingGenerator.sensorId(0))), underlying.written,
                "unlabeled readings change the progress record only");

        underlying.written.clear();
        feed(store, new SensorReadingGenerator(7, 1, 0.0), 1);
        store.flushCache();
        assertEquals(List.of(ModelStore.modelKey(SensorReadingGenerator.sensorId(0)),
                ModelStore.progressKey(SensorReadingGenerator.sensorId(0))), underlying.written,
                "a training step changes both");
    }

    @Test
    void aModelStoredInOneRecordByAnEarlierVersionIsReadAndRewrittenInTwo() throws Exception {
        // Binary format version 1: one record per model, and the scaler's m2 where 3 keeps its variance.
        MapStore underlying = new MapStore();
        underlying.put(ModelStore.modelKey("press-07"), resource("model-state-v1.bin"));
        underlying.puts = 0;
        ModelStore store = new ModelStore(underlying);
        store.loadAll();
        ModelState state = store.get("press-07");
        // The model the earlier version stored: the same JSON snapshot it wrote, but for the scaler,
        // whose m2 (then the state) is now its variance, m2 / count.
        ObjectMapper json = new ObjectMapper();
        ObjectNode expected = (ObjectNode) json.readTree(resource("model-state-v1.json"));
        ObjectNode scaler = (ObjectNode) expected.get("scaler");
        ArrayNode variance = scaler.putArray("variance");
        for (JsonNode m2 : scaler.remove("m2")) {
            variance.add(m2.asDouble() / scaler.get("count").asLong());
        }
        assertEquals(expected, json.readTree(ModelSnapshot.toJsonString(state.model())));
        // The same from its JSON snapshot.
        assertEquals(expected, json.readTree(ModelSnapshot.toJsonString(
                ModelSnapshot.fromJson(new String(resource("model-state-v1.json"), StandardCharsets.UTF_8)))));
        // records, labeled, meanLoss, accuracy and modelVersion of the window it had open.
        String[] window = new String(resource("model-state-v1.window"), StandardCharsets.UTF_8).split(" ");
        PrequentialMetrics restored = new PrequentialMetrics(SPEC);
        restored.readFrom(ByteBuffer.wrap(state.progressBytes()).position(16));
        assertEquals(Long.parseLong(window[4]), restored.modelVersion());
        assertEquals(Long.parseLong(window[0]), restored.records());
        assertEquals(Long.parseLong(window[1]), restored.labeled());
        assertEquals(Double.parseDouble(window[2]), restored.meanLoss());
        assertEquals(Double.parseDouble(window[3]), restored.accuracy());
        ByteBuffer progress = ByteBuffer.wrap(state.progressBytes());
        assertEquals(1_795_334_410_000L, progress.getLong(), "windowStart");
        assertEquals(321, progress.getLong(), "the last published snapshot's model version");

        store.flushCache();
        assertEquals(2, underlying.puts, "rewritten in two parts at the next commit");
        assertTrue(ModelSnapshot.isBinarySnapshot(underlying.get(ModelStore.modelKey("press-07"))));
    }

    private static final long T0 = 1_795_334_400_000L;
    private static final long HOUR = 3_600_000;

    @Test
    void theDriftsDetectedInTheOpenWindowSurviveARestart() throws Exception {
        // One window (an hour of event time) holds a stream with a change (+15 C from reading 6,000 on).
        MapStore underlying = new MapStore();
        ModelStore store = new ModelStore(underlying);
        ModelState state = ModelState.create("default", SPEC);
        store.add("default", state);
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
            store.markDirty("default");
        }
        assertTrue(drifts > 0, "the change was detected");
        store.flushCache();

        ModelState restored = new ModelStore(underlying).get("default");
        assertArrayEquals(state.progressBytes(), restored.progressBytes());
        byte[] closed = state.advanceWindow(T0 + HOUR, HOUR).json();
        assertEquals(drifts, new ObjectMapper().readTree(closed).get("drifts").asLong());
        assertEquals(new String(closed, StandardCharsets.UTF_8),
                new String(restored.advanceWindow(T0 + HOUR, HOUR).json(), StandardCharsets.UTF_8),
                "the window closed after a restart is the one an uninterrupted run closes");
    }

    @ParameterizedTest(name = "written {0} bytes shorter")
    @ValueSource(ints = {32, 24})
    void aProgressRecordWrittenBeforeDriftDetectionOrRegressionErrorsReadsAsAWindowWithoutThem(int missing)
            throws Exception {
        MapStore underlying = new MapStore();
        ModelStore store = new ModelStore(underlying);
        feed(store, new SensorReadingGenerator(5, 1, 0.0), 300);
        store.flushCache();
        String id = SensorReadingGenerator.sensorId(0);
        byte[] progress = underlying.get(ModelStore.progressKey(id));
        // Versions before drift detection wrote windowStart, snapshotVersion and the window's counts
        // up to its confusion matrix, and stopped there (32 bytes shorter); versions before MAE and
        // RMSE stopped after the drift count (24 bytes shorter): the regression errors now follow.
        int previousLength = 16 + new PrequentialMetrics(SPEC).binarySize() - missing;
        assertEquals(previousLength + missing, progress.length, "the drift count and the errors follow the window");
        byte[] previous = Arrays.copyOf(progress, previousLength);
        underlying.put(ModelStore.progressKey(id), previous);

        ModelState restored = new ModelStore(underlying).get(id);
        assertArrayEquals(progress, restored.progressBytes(), "read as the same window, with no drifts");
        assertEquals(new String(store.get(id).advanceWindow(T0 + HOUR, 10_000).json(), StandardCharsets.UTF_8),
                new String(restored.advanceWindow(T0 + HOUR, 10_000).json(), StandardCharsets.UTF_8));

        // Anything else is not misread: an error that names the model.
        underlying.put(ModelStore.progressKey(id), Arrays.copyOf(progress, previousLength + 3));
        ModelStore.Unreadable e = assertThrows(ModelStore.Unreadable.class, () -> new ModelStore(underlying).get(id));
        assertTrue(e.getMessage().contains("unsupported progress record"), e.getMessage());
        assertTrue(e.getMessage().startsWith("model '" + id + "': its stored state cannot be read"), e.getMessage());
        assertEquals(id, e.modelId);
    }

    @Test
    void aRefusedStepStillWritesTheModelWhenItWatchesForDrift() {
        // Steps that would make a weight non-finite are refused, but the prediction's error has
        // joined the drift detector's window: the stored model must include it, or a restart would
        // resume with a detector that never saw that reading.
        ModelSpec diverging = SpecJson.parse("""
                {"features":["temperature","vibration"],"classes":["normal","warning","critical"],
                 "layers":[{"units":8,"activation":"relu"},{"units":3,"activation":"softmax"}],
                 "loss":"cross_entropy","init":{"type":"he","seed":1},
                 "optimizer":{"type":"sgd","learningRate":1e308},"clipNorm":0,"standardize":true,
                 "drift":{"detector":"adwin","delta":0.002}}""");
        MapStore underlying = new MapStore();
        ModelStore store = new ModelStore(underlying);
        ModelState state = ModelState.create("default", diverging);
        store.add("default", state);
        SensorReadingGenerator generator = new SensorReadingGenerator(3, 1, 0.0);
        Reading reading = new Reading(2);
        int refused = 0;
        for (int i = 0; i < 200 && refused < 5; i++) {
            generator.next(reading, T0 + i);
            state.advanceWindow(reading.timestamp(), 10_000);
            Outcome outcome = state.learn(reading).outcome();
            store.markDirty("default");
            store.flushCache();
            if (outcome == Outcome.DIVERGED) {
                refused++;
                assertArrayEquals(state.modelBytes(), underlying.get(ModelStore.modelKey("default")),
                        "the stored model after refused step " + refused);
            }
        }
        assertEquals(5, refused, "steps refused");
    }

    private static void feed(ModelStore store, SensorReadingGenerator generator, int readings) {
        Reading reading = new Reading(2);
        for (int i = 0; i < readings; i++) {
            generator.next(reading, i);
            ModelState state = store.get(reading.sensorId());
            if (state == null) {
                state = ModelState.create(reading.sensorId(), SPEC);
                store.add(reading.sensorId(), state);
            }
            state.advanceWindow(reading.timestamp(), 10_000);
            state.learn(reading);
            store.markDirty(reading.sensorId());
        }
    }

    private static byte[] resource(String name) throws Exception {
        try (InputStream in = ModelStoreTest.class.getResourceAsStream("/legacy/" + name)) {
            return in.readAllBytes();
        }
    }

    /** A sorted map behind the KeyValueStore interface, counting writes. */
    private static final class MapStore implements KeyValueStore<Bytes, byte[]> {
        private final TreeMap<Bytes, byte[]> map = new TreeMap<>();
        final List<Bytes> written = new ArrayList<>();
        int puts;

        @Override
        public void put(Bytes key, byte[] value) {
            puts++;
            written.add(key);
            map.put(key, value);
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
