package streamlearn.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import streamlearn.model.ModelSnapshot;
import streamlearn.model.ModelSpec;
import streamlearn.model.Reading;
import streamlearn.model.SensorReadingGenerator;

/**
 * The model store's own contract, without Kafka: a model is written to the underlying store
 * only when the commit flushes it, once however many readings changed it; and a store opened
 * again over the same data (a restart, a task moving here) loads every model, so that models
 * nobody sends a reading for are still published.
 */
class ModelStoreTest {

    @Test
    void writesChangedModelsOnlyAtTheFlushAndLoadsEveryModelWhenReopened() {
        MapStore underlying = new MapStore();
        ModelStore store = new ModelStore(underlying);
        ModelSpec spec = ModelSpec.defaultSpec();
        SensorReadingGenerator generator = new SensorReadingGenerator(5, 3, 0.0);
        Reading reading = new Reading(2);
        for (int i = 0; i < 300; i++) {
            generator.next(reading, i);
            ModelState state = store.get(reading.sensorId());
            if (state == null) {
                state = ModelState.create(reading.sensorId(), spec);
                store.add(reading.sensorId(), state);
            }
            state.model.step(reading);
            store.markDirty(reading.sensorId());
        }
        assertEquals(0, underlying.puts, "nothing written before the commit's flush");
        store.flushCache();
        assertEquals(3, underlying.puts, "one write per changed model");
        store.flushCache();
        assertEquals(3, underlying.puts, "unchanged models are not written again");

        ModelStore reopened = new ModelStore(underlying);
        assertFalse(reopened.liveModels().iterator().hasNext());
        reopened.loadAll();
        int loaded = 0;
        for (ModelState state : reopened.liveModels()) {
            loaded++;
            assertArrayEquals(ModelSnapshot.toBytes(store.get(state.modelId).model), ModelSnapshot.toBytes(state.model),
                    state.modelId + " reloads bit for bit");
        }
        assertEquals(3, loaded);
        assertNull(reopened.get("no-such-sensor"));
    }

    /** A sorted map behind the KeyValueStore interface, counting writes. */
    private static final class MapStore implements KeyValueStore<String, byte[]> {
        private final TreeMap<String, byte[]> map = new TreeMap<>();
        int puts;

        @Override
        public void put(String key, byte[] value) {
            puts++;
            map.put(key, value);
        }

        @Override
        public byte[] putIfAbsent(String key, byte[] value) {
            byte[] old = map.get(key);
            if (old == null) {
                put(key, value);
            }
            return old;
        }

        @Override
        public void putAll(List<KeyValue<String, byte[]>> entries) {
            entries.forEach(e -> put(e.key, e.value));
        }

        @Override
        public byte[] delete(String key) {
            return map.remove(key);
        }

        @Override
        public byte[] get(String key) {
            return map.get(key);
        }

        @Override
        public KeyValueIterator<String, byte[]> range(String from, String to) {
            return iterator(map.subMap(from, true, to, true));
        }

        @Override
        public KeyValueIterator<String, byte[]> all() {
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

        private static KeyValueIterator<String, byte[]> iterator(Map<String, byte[]> entries) {
            List<Map.Entry<String, byte[]>> list = List.copyOf(entries.entrySet());
            return new KeyValueIterator<>() {
                private int next;

                @Override
                public boolean hasNext() {
                    return next < list.size();
                }

                @Override
                public KeyValue<String, byte[]> next() {
                    Map.Entry<String, byte[]> e = list.get(next++);
                    return KeyValue.pair(e.getKey(), e.getValue());
                }

                @Override
                public String peekNextKey() {
                    return list.get(next).getKey();
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
