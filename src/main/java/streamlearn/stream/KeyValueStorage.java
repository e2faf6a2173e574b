package streamlearn.stream;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import streamlearn.model.PendingReadings;

/** The waiting readings' storage in the stream: a logged Kafka Streams key-value store (RocksDB, sorted by bytes). */
final class KeyValueStorage implements PendingReadings.Storage {
    private final KeyValueStore<Bytes, byte[]> store;

    KeyValueStorage(KeyValueStore<Bytes, byte[]> store) {
        this.store = store;
    }

    @Override
    public byte[] get(byte[] key) {
        return store.get(Bytes.wrap(key));
    }

    @Override
    public void put(byte[] key, byte[] value) {
        store.put(Bytes.wrap(key), value);
    }

    /** A put of null: a delete that does not first read the old value, as {@code delete} would. */
    @Override
    public void delete(byte[] key) {
        store.put(Bytes.wrap(key), null);
    }

    @Override
    public List<byte[]> keys(byte[] from, byte[] to, int max) {
        List<byte[]> out = new ArrayList<>();
        // range() includes its upper bound; this one is exclusive.
        try (KeyValueIterator<Bytes, byte[]> range = store.range(Bytes.wrap(from), Bytes.wrap(to))) {
            while (out.size() < max && range.hasNext()) {
                byte[] key = range.next().key.get();
                if (Arrays.equals(key, to)) {
                    break;
                }
                out.add(key);
            }
        }
        return out;
    }
}
