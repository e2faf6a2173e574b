package streamlearn.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.model.Reading;
import streamlearn.model.SpecException;

/**
 * The model store's own contract, without Kafka: a model is written to the underlying store
 * only when the commit flushes it, once however many readings changed it, and only the part that
 * changed (an unlabeled reading moves the window, not the model); a store opened again over the
 * same data (a restart, a task moving here) loads every model bit for bit, so that models nobody
 * sends a reading for are still published; and a model stored by a version whose scaler state
 * this one does not read is refused clearly.
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

    /**
     * A model stored by an earlier version (here in one record, binary format version 1) holds the
     * scaler's m2 where this version keeps a robust, forgetting variance: it is refused with a clear
     * message, not misread, and so is its JSON snapshot.
     */
    @Test
    void aModelStoredByAnEarlierVersionIsRefusedClearly() throws Exception {
        MapStore underlying = new MapStore();
        underlying.put(ModelStore.modelKey("press-07"), resource("model-state-v1.bin"));
        underlying.puts = 0;
        ModelStore store = new ModelStore(underlying);
        SpecException e = assertThrows(SpecException.class, store::loadAll);
        assertTrue(e.getMessage().startsWith("snapshot: binary format version 1 is not supported"), e.getMessage());
        assertTrue(e.getMessage().contains("must learn again"), e.getMessage());
        assertEquals(0, underlying.puts, "the stored model is left as it was");

        String json = new String(resource("model-state-v1.json"), StandardCharsets.UTF_8);
        e = assertThrows(SpecException.class, () -> ModelSnapshot.fromJson(json));
        assertTrue(e.getMessage().startsWith("scaler.variance: missing"), e.getMessage());
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
