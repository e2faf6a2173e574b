package streamlearn.model;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The key layout of the store that waiting readings ({@link PendingReadings}) and waiting labels
 * ({@link WaitingLabels}) share: an entry under {@code kind model 0xFF sensorId 0xFF ('i' id | 't'
 * timestamp)} (0xFF never occurs in UTF-8, so no name can pass for another), and an index entry
 * under {@code indexKind arrival entry-key}, so that expiry and eviction read the oldest first
 * without a scan of everything. A reading and its label have the same name: the reading's id, or
 * its timestamp when it has none.
 */
final class WaitingKeys {
    static final byte SEPARATOR = (byte) 0xFF;
    private static final byte BY_ID = 'i';
    private static final byte BY_TIMESTAMP = 't';
    static final int BATCH = 10_000;

    private WaitingKeys() {
    }

    static byte[] entry(byte kind, String model, String sensorId, String id, long timestamp) {
        byte[] m = model.getBytes(StandardCharsets.UTF_8);
        byte[] s = sensorId.getBytes(StandardCharsets.UTF_8);
        byte[] name = id != null ? id.getBytes(StandardCharsets.UTF_8) : null;
        ByteBuffer key = ByteBuffer.allocate(1 + m.length + 1 + s.length + 1 + 1 + (name != null ? name.length : Long.BYTES));
        key.put(kind).put(m).put(SEPARATOR).put(s).put(SEPARATOR);
        if (name != null) {
            key.put(BY_ID).put(name);
        } else {
            key.put(BY_TIMESTAMP).putLong(timestamp);
        }
        return key.array();
    }

    static byte[] index(byte kind, long arrival, byte[] entry) {
        return ByteBuffer.allocate(1 + Long.BYTES + entry.length).put(kind).putLong(arrival ^ Long.MIN_VALUE).put(entry)
                .array();
    }

    /** The first index key of {@code kind} that arrived at {@code arrival}: every earlier one sorts before it. */
    static byte[] indexBound(byte kind, long arrival) {
        return ByteBuffer.allocate(1 + Long.BYTES).put(kind).putLong(arrival ^ Long.MIN_VALUE).array();
    }

    /** The entry key an index key points to. */
    static byte[] entryOf(byte[] index) {
        return Arrays.copyOfRange(index, 1 + Long.BYTES, index.length);
    }

    /** The arrival a waiting record's value holds after its format byte. */
    static long arrivalOf(byte[] value) {
        return ByteBuffer.wrap(value, 1, Long.BYTES).getLong();
    }

    static String modelOf(byte[] entry) {
        int end = 1;
        while (entry[end] != SEPARATOR) {
            end++;
        }
        return new String(entry, 1, end - 1, StandardCharsets.UTF_8);
    }

    /** "reading 'r-1' of sensor 'press-01' for model 'default'", from an entry key. */
    static String describe(byte[] entry) {
        int model = 1;
        while (entry[model] != SEPARATOR) {
            model++;
        }
        int sensor = model + 1;
        while (entry[sensor] != SEPARATOR) {
            sensor++;
        }
        String name = entry[sensor + 1] == BY_ID
                ? "'" + new String(entry, sensor + 2, entry.length - sensor - 2, StandardCharsets.UTF_8) + "'"
                : "at " + ByteBuffer.wrap(entry, sensor + 2, Long.BYTES).getLong();
        return "reading " + name + " of sensor '" + new String(entry, model + 1, sensor - model - 1,
                StandardCharsets.UTF_8) + "' for model '" + new String(entry, 1, model - 1, StandardCharsets.UTF_8) + "'";
    }

    /** The smallest key after {@code key}. */
    static byte[] successor(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }

    /** How many entries wait, per model and in all: kept in memory, rebuilt from the store when it opens. */
    static final class Counts {
        private final Map<String, long[]> perModel = new HashMap<>();
        private long total;

        void add(String model) {
            long[] n = perModel.get(model);
            if (n == null) {
                n = new long[1];
                perModel.put(model, n);
            }
            n[0]++;
            total++;
        }

        void remove(String model) {
            long[] n = perModel.get(model);
            if (n != null && --n[0] == 0) {
                perModel.remove(model);
            }
            total--;
        }

        long of(String model) {
            long[] n = perModel.get(model);
            return n == null ? 0 : n[0];
        }

        long total() {
            return total;
        }

        /** Counts the entries of {@code kind} in {@code storage}. */
        void rebuild(PendingReadings.Storage storage, byte kind) {
            perModel.clear();
            total = 0;
            byte[] from = {kind};
            byte[] to = {(byte) (kind + 1)};
            while (true) {
                List<byte[]> keys = storage.keys(from, to, BATCH);
                for (byte[] key : keys) {
                    add(modelOf(key));
                }
                if (keys.size() < BATCH) {
                    return;
                }
                from = successor(keys.get(keys.size() - 1));
            }
        }
    }
}
