package streamlearn.model;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * The unlabeled readings of a task that wait for a late label: the stream keeps them in a
 * changelogged Kafka Streams store, replay in a map; this class is what both do with them, so
 * the offline learner and the stream match labels the same way.
 *
 * <p>A reading is named by its model, its sensor and its {@code id}, or its timestamp when it has
 * no id (a reading with an id is found by its id only). It waits until a label names it, or until
 * it is older than {@code maxDelayMs} of stream time (the largest record timestamp the task has
 * seen: the clock Kafka Streams gives a task, which a glitching sensor clock in a reading's
 * {@code timestamp} cannot move), or until it is the oldest of a task that holds
 * {@code maxPending} readings. A reading whose name is already waiting replaces the waiting one
 * (its prediction is the newer). What is dropped is reported to a {@link DropListener}.
 *
 * <p>Two records per waiting reading, in one sorted store:
 * <ul>
 *   <li>{@code 'P' model 0xFF sensorId 0xFF ('i' id | 't' timestamp)} -> format byte, arrival,
 *       event time, model version, the features and the prediction's output pre-activations
 *       (doubles). 0xFF never occurs in UTF-8, so no name can pass for another.</li>
 *   <li>{@code 'T' arrival entry-key} -> empty: the same readings in order of arrival, so expiry
 *       and eviction read the oldest first without a scan of everything.</li>
 * </ul>
 * The count per model is kept in memory and rebuilt by {@link #open} from the store. Labels that
 * come before their reading wait in the same store ({@link WaitingLabels}).
 */
public final class PendingReadings {
    /** A store of byte strings sorted in unsigned lexicographic order. */
    public interface Storage {
        byte[] get(byte[] key);

        void put(byte[] key, byte[] value);

        void delete(byte[] key);

        /** Up to {@code max} keys in [from, to), in order. */
        List<byte[]> keys(byte[] from, byte[] to, int max);
    }

    /** Why a waiting reading was dropped without its label. */
    public enum Drop {
        /** It waited longer than {@code label.max.delay}. */
        EXPIRED("expired"),
        /** It was the oldest when the task held more than {@code label.max.pending}. */
        EVICTED("evicted"),
        /** A reading with the same name came, and waits instead. */
        REPLACED("replaced"),
        /** Its model was started afresh for another spec: its features may not mean what they did. */
        RESET("reset");

        private final String id;

        Drop(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    /** Told of every waiting reading dropped without its label. */
    public interface DropListener {
        void dropped(String model, Drop reason);
    }

    /** What a late label found. */
    public enum Match {
        /** Its reading was waiting; it no longer is. */
        MATCHED,
        /**
         * No reading of that name waits: not seen yet, never seen, already labeled, labeled inline,
         * evicted or replaced. The label may wait for it ({@link WaitingLabels#awaitReading}).
         */
        NOT_WAITING,
        /**
         * Its reading was waiting, but longer than {@code label.max.delay}: dropped now. To the label,
         * the same as {@link #NOT_WAITING} (a sweep may have dropped the reading already).
         */
        EXPIRED
    }

    private static final byte ENTRY = 'P';
    private static final byte INDEX = 'T';
    private static final byte FORMAT = 1;
    private static final byte[] EMPTY = new byte[0];
    private static final byte[] INDEX_FROM = {INDEX};
    private static final byte[] INDEX_TO = {INDEX + 1};

    private final Storage storage;
    private final long maxDelayMs;
    private final long maxPending;
    private final DropListener listener;
    private final int features;
    private final int outputs;
    private final WaitingKeys.Counts waiting = new WaitingKeys.Counts();

    /**
     * @param maxDelayMs how long a reading waits, in stream time; 0: no reading waits
     * @param maxPending the most readings that wait at once (per store: per task in the stream)
     */
    public PendingReadings(ModelSpec spec, Storage storage, long maxDelayMs, long maxPending, DropListener listener) {
        if (maxDelayMs < 0 || maxPending < 1) {
            throw new IllegalArgumentException("maxDelayMs >= 0 and maxPending >= 1");
        }
        this.storage = storage;
        this.maxDelayMs = maxDelayMs;
        this.maxPending = maxPending;
        this.listener = listener;
        this.features = spec.features().size();
        this.outputs = OnlineModel.outputSize(spec);
    }

    /** A storage in memory (replay, tests). */
    public static Storage inMemory() {
        TreeMap<byte[], byte[]> map = new TreeMap<>(Arrays::compareUnsigned);
        return new Storage() {
            @Override
            public byte[] get(byte[] key) {
                return map.get(key);
            }

            @Override
            public void put(byte[] key, byte[] value) {
                map.put(key, value);
            }

            @Override
            public void delete(byte[] key) {
                map.remove(key);
            }

            @Override
            public List<byte[]> keys(byte[] from, byte[] to, int max) {
                List<byte[]> out = new ArrayList<>();
                for (byte[] k : map.subMap(from, true, to, false).keySet()) {
                    if (out.size() == max) {
                        break;
                    }
                    out.add(k);
                }
                return out;
            }
        };
    }

    /** Whether readings wait at all ({@code label.max.delay} > 0). */
    public boolean enabled() {
        return maxDelayMs > 0;
    }

    /** Counts what the store holds (after a restart, a restore or a migration of the task). */
    public void open() {
        waiting.rebuild(storage, ENTRY);
    }

    /** Readings of {@code model} waiting now. */
    public long waiting(String model) {
        return waiting.of(model);
    }

    /** Readings waiting now, all models. */
    public long waiting() {
        return waiting.total();
    }

    /**
     * Keeps an unlabeled reading, just predicted by {@code model}, until its label comes.
     *
     * @param prediction the reading's step (its output pre-activations and model version)
     * @param arrival    the reading's record timestamp
     */
    public void remember(String model, Reading reading, StepResult prediction, long arrival) {
        if (!enabled()) {
            return;
        }
        byte[] key = entryKey(model, reading.sensorId(), reading.id(), reading.timestamp());
        byte[] old = storage.get(key);
        if (old != null) {
            storage.delete(indexKey(WaitingKeys.arrivalOf(old), key));
            listener.dropped(model, Drop.REPLACED);
        } else {
            waiting.add(model);
        }
        ByteBuffer value = ByteBuffer.allocate(1 + 3 * Long.BYTES + Double.BYTES * (features + outputs));
        value.put(FORMAT).putLong(arrival).putLong(reading.timestamp()).putLong(prediction.modelVersion());
        for (double f : reading.features()) {
            value.putDouble(f);
        }
        double[] output = prediction.output();
        for (int i = 0; i < outputs; i++) {
            value.putDouble(output[i]);
        }
        storage.put(key, value.array());
        storage.put(indexKey(arrival, key), EMPTY);
        while (waiting.total() > maxPending) {
            byte[] oldest = storage.keys(INDEX_FROM, INDEX_TO, 1).get(0);
            remove(WaitingKeys.entryOf(oldest), oldest, Drop.EVICTED);
        }
    }

    /**
     * Finds the reading {@code label} names for {@code model}. When it waits, it stops waiting
     * (a second label for it finds nothing) and, if it waited no longer than the limit, is read
     * into {@code into}; one that waited longer is dropped as expired.
     *
     * @param now the stream time
     */
    public Match match(String model, LateLabel label, long now, PendingReading into) {
        byte[] key = entryKey(model, label.sensorId(), label.readingId(), label.timestamp());
        byte[] value = storage.get(key);
        if (value == null) {
            return Match.NOT_WAITING;
        }
        ByteBuffer in = ByteBuffer.wrap(value);
        if (in.get() != FORMAT) {
            throw new IllegalStateException("model '" + model + "': unsupported waiting-reading record (format "
                    + value[0] + ")");
        }
        long arrival = in.getLong();
        boolean expired = isExpired(arrival, now);
        remove(key, indexKey(arrival, key), expired ? Drop.EXPIRED : null);
        if (expired) {
            return Match.EXPIRED;
        }
        into.arrival = arrival;
        into.timestamp = in.getLong();
        into.modelVersion = in.getLong();
        for (int i = 0; i < features; i++) {
            into.features[i] = in.getDouble();
        }
        for (int i = 0; i < outputs; i++) {
            into.output[i] = in.getDouble();
        }
        return Match.MATCHED;
    }

    /** Drops every reading waiting for {@code model} (its spec changed: they were read for another). */
    public void forget(String model) {
        // 'P' model 0xFF, then a sensorId (no 0xFF in UTF-8), 0xFF, and 'i' or 't': every key of
        // the model lies below the prefix followed by three 0xFF.
        byte[] prefix = Arrays.copyOf(entryKey(model, "", null, 0), model.getBytes(StandardCharsets.UTF_8).length + 2);
        byte[] to = Arrays.copyOf(prefix, prefix.length + 3);
        Arrays.fill(to, prefix.length, to.length, WaitingKeys.SEPARATOR);
        while (true) {
            List<byte[]> keys = storage.keys(prefix, to, WaitingKeys.BATCH);
            for (byte[] entry : keys) {
                remove(entry, indexKey(WaitingKeys.arrivalOf(storage.get(entry)), entry), Drop.RESET);
            }
            if (keys.size() < WaitingKeys.BATCH) {
                return;
            }
        }
    }

    /** Drops every reading that has waited longer than the limit at stream time {@code now}. */
    public void expire(long now) {
        if (!enabled() || now == Long.MIN_VALUE) {
            return;
        }
        byte[] to = WaitingKeys.indexBound(INDEX, now - maxDelayMs);
        while (true) {
            List<byte[]> keys = storage.keys(INDEX_FROM, to, WaitingKeys.BATCH);
            for (byte[] index : keys) {
                remove(WaitingKeys.entryOf(index), index, Drop.EXPIRED);
            }
            if (keys.size() < WaitingKeys.BATCH) {
                return;
            }
        }
    }

    private boolean isExpired(long arrival, long now) {
        return arrival < now - maxDelayMs;
    }

    private void remove(byte[] entry, byte[] index, Drop reason) {
        storage.delete(entry);
        storage.delete(index);
        String model = WaitingKeys.modelOf(entry);
        waiting.remove(model);
        if (reason != null) {
            listener.dropped(model, reason);
        }
    }

    /** The key naming a reading: by id when it has one, else by timestamp. */
    static byte[] entryKey(String model, String sensorId, String id, long timestamp) {
        return WaitingKeys.entry(ENTRY, model, sensorId, id, timestamp);
    }

    private static byte[] indexKey(long arrival, byte[] entry) {
        return WaitingKeys.index(INDEX, arrival, entry);
    }

    /** Bytes a waiting reading takes in the store (both records, keys and values) for a spec and a name. */
    public static int storedBytes(ModelSpec spec, String model, String sensorId, String id) {
        int entry = entryKey(model, sensorId, id, 0).length;
        int value = 1 + 3 * Long.BYTES + Double.BYTES * (spec.features().size() + OnlineModel.outputSize(spec));
        return entry + value + 1 + Long.BYTES + entry;
    }
}
