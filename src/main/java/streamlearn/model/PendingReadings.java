package streamlearn.model;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * The count per model is kept in memory and rebuilt by {@link #open} from the store.
 *
 * <p><b>Labels that come before their reading</b> (a fast labeling system, a learner that
 * is behind) wait in the same store, under a prefix of their own, for the reading they name
 * ({@link #awaitReading}): when it comes, {@link #labelReading} gives it the label before it is
 * predicted, and the learner's step then tests and trains it exactly as a reading labeled inline.
 * A waiting label has the same name as its reading, counts from its own record timestamp, and
 * waits until its reading comes, or until it has waited longer than {@code maxDelayMs} of stream
 * time, or until it is the oldest of a task that holds {@code maxPending} waiting labels (a bound
 * of their own: labels for nothing cannot push readings out, nor the reverse). A label dropped so
 * is unmatched, and goes to the {@link LabelDropListener} with the bytes its caller gave to
 * dead-letter it with (the stream: the label record as it was sent; replay: its line).
 * <ul>
 *   <li>{@code 'L' model 0xFF sensorId 0xFF ('i' id | 't' timestamp)} -> format byte, arrival,
 *       has-target, target, the class name (length, UTF-8; -1: none), the dead-letter bytes. The
 *       class is kept by name, so a configured spec that changed its classes' order meanwhile
 *       still reads it right.</li>
 *   <li>{@code 'M' arrival entry-key} -> empty: the waiting labels in order of arrival.</li>
 * </ul>
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
         * evicted or replaced. The label may wait for it ({@link #awaitReading}).
         */
        NOT_WAITING,
        /**
         * Its reading was waiting, but longer than {@code label.max.delay}: dropped now. To the label,
         * the same as {@link #NOT_WAITING} (a sweep may have dropped the reading already).
         */
        EXPIRED
    }

    /** Why a label that waited for its reading was dropped without it: it is unmatched. */
    public enum LabelDrop {
        /** Its reading did not come within {@code label.max.delay} of stream time. */
        EXPIRED("its reading did not come within label.max.delay of stream time"),
        /** It was the oldest when the task held more than {@code label.max.pending} waiting labels. */
        EVICTED("it was the oldest of label.max.pending waiting labels, and made room"),
        /** Its reading came with a label of its own: a reading labeled inline takes no other. */
        LABELED_INLINE("its reading came labeled inline"),
        /** Its class is not one of the configured spec's (the spec changed while it waited). */
        UNKNOWN_CLASS("its class is not one of the configured spec's any more"),
        /** The input ended first (replay): its reading is not in it. */
        END_OF_INPUT("its reading was not in the input");

        private final String why;

        LabelDrop(String why) {
            this.why = why;
        }

        /** Why, in words, for the dead letter's message. */
        public String why() {
            return why;
        }
    }

    /** Told of every waiting label dropped without its reading: the caller dead-letters it as {@code unmatched_label}. */
    public interface LabelDropListener {
        /**
         * @param message    says which label and why, for the dead letter and the log
         * @param deadLetter the bytes given to {@link #awaitReading} with it
         */
        void labelDropped(String model, LabelDrop reason, String message, byte[] deadLetter);
    }

    private static final byte ENTRY = 'P';
    private static final byte LABEL = 'L';
    private static final byte LABEL_INDEX = 'M';
    private static final byte INDEX = 'T';
    private static final byte SEPARATOR = (byte) 0xFF;
    private static final byte BY_ID = 'i';
    private static final byte BY_TIMESTAMP = 't';
    private static final byte FORMAT = 1;
    private static final byte[] EMPTY = new byte[0];
    private static final byte[] ENTRIES_FROM = {ENTRY};
    private static final byte[] ENTRIES_TO = {ENTRY + 1};
    private static final byte[] INDEX_FROM = {INDEX};
    private static final byte[] INDEX_TO = {INDEX + 1};
    private static final byte[] LABELS_FROM = {LABEL};
    private static final byte[] LABELS_TO = {LABEL + 1};
    private static final byte[] LABEL_INDEX_FROM = {LABEL_INDEX};
    private static final byte[] LABEL_INDEX_TO = {LABEL_INDEX + 1};
    private static final int BATCH = 10_000;

    private final Storage storage;
    private final long maxDelayMs;
    private final long maxPending;
    private final DropListener listener;
    private final LabelDropListener labelListener;
    private final List<String> classes;
    private final int features;
    private final int outputs;
    private final Map<String, long[]> waiting = new HashMap<>();
    private long total;
    private final Map<String, long[]> waitingLabels = new HashMap<>();
    private long totalLabels;

    /**
     * @param maxDelayMs how long a reading waits, in stream time; 0: no reading waits
     * @param maxPending the most readings that wait at once (per store: per task in the stream)
     */
    public PendingReadings(ModelSpec spec, Storage storage, long maxDelayMs, long maxPending, DropListener listener) {
        this(spec, storage, maxDelayMs, maxPending, listener, (model, reason, message, deadLetter) -> { });
    }

    /**
     * @param maxDelayMs    how long a reading, or a label that came before its reading, waits, in stream time; 0: none waits
     * @param maxPending    the most readings that wait at once, and, apart, the most labels (per store: per task in the stream)
     * @param labelListener told of each waiting label dropped without its reading: it is unmatched
     */
    public PendingReadings(ModelSpec spec, Storage storage, long maxDelayMs, long maxPending, DropListener listener,
                           LabelDropListener labelListener) {
        if (maxDelayMs < 0 || maxPending < 1) {
            throw new IllegalArgumentException("maxDelayMs >= 0 and maxPending >= 1");
        }
        this.storage = storage;
        this.maxDelayMs = maxDelayMs;
        this.maxPending = maxPending;
        this.listener = listener;
        this.labelListener = labelListener;
        this.classes = spec.classes();
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
        waiting.clear();
        total = count(ENTRIES_FROM, ENTRIES_TO, waiting);
        waitingLabels.clear();
        totalLabels = count(LABELS_FROM, LABELS_TO, waitingLabels);
    }

    private long count(byte[] from, byte[] to, Map<String, long[]> counts) {
        long n = 0;
        while (true) {
            List<byte[]> keys = storage.keys(from, to, BATCH);
            for (byte[] key : keys) {
                counter(counts, modelOf(key))[0]++;
                n++;
            }
            if (keys.size() < BATCH) {
                return n;
            }
            from = successor(keys.get(keys.size() - 1));
        }
    }

    /** Readings of {@code model} waiting now. */
    public long waiting(String model) {
        long[] n = waiting.get(model);
        return n == null ? 0 : n[0];
    }

    /** Readings waiting now, all models. */
    public long waiting() {
        return total;
    }

    /** Labels of {@code model} waiting for their reading now. */
    public long waitingLabels(String model) {
        long[] n = waitingLabels.get(model);
        return n == null ? 0 : n[0];
    }

    /** Labels waiting for their reading now, all models. */
    public long waitingLabels() {
        return totalLabels;
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
            storage.delete(indexKey(arrivalOf(old), key));
            listener.dropped(model, Drop.REPLACED);
        } else {
            counter(waiting, model)[0]++;
            total++;
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
        while (total > maxPending) {
            byte[] oldest = storage.keys(INDEX_FROM, INDEX_TO, 1).get(0);
            byte[] entry = Arrays.copyOfRange(oldest, 1 + Long.BYTES, oldest.length);
            remove(entry, oldest, Drop.EVICTED);
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
        Arrays.fill(to, prefix.length, to.length, SEPARATOR);
        while (true) {
            List<byte[]> keys = storage.keys(prefix, to, BATCH);
            for (byte[] entry : keys) {
                remove(entry, indexKey(arrivalOf(storage.get(entry)), entry), Drop.RESET);
            }
            if (keys.size() < BATCH) {
                return;
            }
        }
    }

    /** Drops every reading that has waited longer than the limit at stream time {@code now}. */
    public void expire(long now) {
        if (!enabled() || now == Long.MIN_VALUE) {
            return;
        }
        byte[] to = indexBound(INDEX, now - maxDelayMs);
        while (true) {
            List<byte[]> keys = storage.keys(INDEX_FROM, to, BATCH);
            for (byte[] index : keys) {
                remove(Arrays.copyOfRange(index, 1 + Long.BYTES, index.length), index, Drop.EXPIRED);
            }
            if (keys.size() < BATCH) {
                break;
            }
        }
        if (totalLabels == 0) {
            return;
        }
        // A label stamped Long.MIN_VALUE came before any stream time (replay): it never expires by time.
        byte[] from = indexBound(LABEL_INDEX, Long.MIN_VALUE + 1);
        byte[] labelsTo = indexBound(LABEL_INDEX, now - maxDelayMs);
        while (true) {
            List<byte[]> keys = storage.keys(from, labelsTo, BATCH);
            for (byte[] index : keys) {
                dropLabel(Arrays.copyOfRange(index, 1 + Long.BYTES, index.length), LabelDrop.EXPIRED);
            }
            if (keys.size() < BATCH) {
                return;
            }
        }
    }

    /**
     * Keeps {@code label}, for which {@link #match} found no live waiting reading ({@link Match#NOT_WAITING}
     * or {@link Match#EXPIRED}: the same, so that the outcome does not depend on when a sweep ran),
     * until its reading comes ({@link #labelReading}), for at most {@code label.max.delay} of stream
     * time from {@code arrival}; the oldest waiting label makes room when more than {@code maxPending}
     * wait (dropped as {@link LabelDrop#EVICTED}). Returns false, keeping nothing, when the label
     * cannot wait: nothing waits ({@code label.max.delay} 0), or a label for the same reading waits
     * already and has not expired (the first stays, as the first late label of a reading is the one
     * it takes): it is unmatched now.
     *
     * @param arrival    the label's record timestamp (replay: the stream time so far; Long.MIN_VALUE before
     *                   any: it then never expires by time)
     * @param now        the stream time
     * @param deadLetter what the label is dead-lettered with if it is dropped, handed back to the listener
     */
    public boolean awaitReading(String model, LateLabel label, long arrival, long now, byte[] deadLetter) {
        if (!enabled()) {
            return false;
        }
        byte[] key = entryKey(LABEL, model, label.sensorId(), label.readingId(), label.timestamp());
        byte[] old = storage.get(key);
        if (old != null) {
            long oldArrival = ByteBuffer.wrap(old, 1, Long.BYTES).getLong();
            if (oldArrival == Long.MIN_VALUE || !isExpired(oldArrival, now)) {
                return false;
            }
            dropLabel(key, old, oldArrival, LabelDrop.EXPIRED);
        }
        byte[] name = label.label() == Reading.UNLABELED ? null
                : classes.get(label.label()).getBytes(StandardCharsets.UTF_8);
        ByteBuffer value = ByteBuffer.allocate(1 + Long.BYTES + 1 + Double.BYTES + Integer.BYTES
                + (name == null ? 0 : name.length) + deadLetter.length);
        value.put(FORMAT).putLong(arrival).put((byte) (label.hasTarget() ? 1 : 0)).putDouble(label.target());
        if (name == null) {
            value.putInt(-1);
        } else {
            value.putInt(name.length).put(name);
        }
        value.put(deadLetter);
        storage.put(key, value.array());
        storage.put(indexKey(LABEL_INDEX, arrival, key), EMPTY);
        counter(waitingLabels, model)[0]++;
        totalLabels++;
        while (totalLabels > maxPending) {
            byte[] oldest = storage.keys(LABEL_INDEX_FROM, LABEL_INDEX_TO, 1).get(0);
            dropLabel(Arrays.copyOfRange(oldest, 1 + Long.BYTES, oldest.length), LabelDrop.EVICTED);
        }
        return true;
    }

    /**
     * Before {@code model} predicts {@code reading}: the label that waits for it, if one does, stops
     * waiting. When the reading is unlabeled and the label waited no longer than {@code label.max.delay}
     * at stream time {@code now}, the reading takes it ({@link Reading#setLabel}, or
     * {@link Reading#setTarget}) and this returns true: the step then predicts the reading (test)
     * and trains on it (train), exactly as on a reading labeled inline, and the reading does not
     * wait. Otherwise the label is dropped as unmatched ({@link LabelDrop#EXPIRED},
     * {@link LabelDrop#LABELED_INLINE}) and the reading is stepped as it came. Costs no store read
     * while no label of {@code model} waits.
     *
     * @param reading in the configured spec's order, its timestamp set (it names the reading without an id)
     * @param now     the stream time
     */
    public boolean labelReading(String model, Reading reading, long now) {
        if (totalLabels == 0 || waitingLabels(model) == 0) {
            return false;
        }
        byte[] key = entryKey(LABEL, model, reading.sensorId(), reading.id(), reading.timestamp());
        byte[] value = storage.get(key);
        if (value == null) {
            return false;
        }
        ByteBuffer in = ByteBuffer.wrap(value);
        checkFormat(model, in.get());
        long arrival = in.getLong();
        boolean hasTarget = in.get() != 0;
        double target = in.getDouble();
        int nameLength = in.getInt();
        int label = Reading.UNLABELED;
        if (nameLength >= 0) {
            label = classes.indexOf(new String(value, in.position(), nameLength, StandardCharsets.UTF_8));
            if (label < 0) {
                dropLabel(key, value, arrival, LabelDrop.UNKNOWN_CLASS);
                return false;
            }
        }
        if (reading.isLabeled()) {
            dropLabel(key, value, arrival, LabelDrop.LABELED_INLINE);
            return false;
        }
        if (arrival != Long.MIN_VALUE && isExpired(arrival, now)) {
            dropLabel(key, value, arrival, LabelDrop.EXPIRED);
            return false;
        }
        removeLabel(key, arrival);
        if (hasTarget) {
            reading.setTarget(target);
        } else {
            reading.setLabel(label);
        }
        return true;
    }

    /** Drops every waiting label as {@link LabelDrop#END_OF_INPUT} (replay, at the end of its file). */
    public void endOfInput() {
        while (totalLabels > 0) {
            List<byte[]> keys = storage.keys(LABEL_INDEX_FROM, LABEL_INDEX_TO, BATCH);
            for (byte[] index : keys) {
                dropLabel(Arrays.copyOfRange(index, 1 + Long.BYTES, index.length), LabelDrop.END_OF_INPUT);
            }
            if (keys.isEmpty()) {
                return;
            }
        }
    }

    private void dropLabel(byte[] key, LabelDrop reason) {
        byte[] value = storage.get(key);
        dropLabel(key, value, ByteBuffer.wrap(value, 1, Long.BYTES).getLong(), reason);
    }

    private void dropLabel(byte[] key, byte[] value, long arrival, LabelDrop reason) {
        removeLabel(key, arrival);
        ByteBuffer in = ByteBuffer.wrap(value, 1 + Long.BYTES + 1 + Double.BYTES, Integer.BYTES);
        int nameLength = in.getInt();
        int at = 1 + Long.BYTES + 1 + Double.BYTES + Integer.BYTES + Math.max(0, nameLength);
        labelListener.labelDropped(modelOf(key), reason, describe(key) + " is unmatched: " + reason.why(),
                Arrays.copyOfRange(value, at, value.length));
    }

    private void removeLabel(byte[] key, long arrival) {
        storage.delete(key);
        storage.delete(indexKey(LABEL_INDEX, arrival, key));
        String model = modelOf(key);
        long[] n = waitingLabels.get(model);
        if (n != null && --n[0] == 0) {
            waitingLabels.remove(model);
        }
        totalLabels--;
    }

    /** "the label for reading 'r-1' of sensor 'press-01' for model 'default'", from an entry key. */
    private static String describe(byte[] key) {
        int model = 1;
        while (key[model] != SEPARATOR) {
            model++;
        }
        int sensor = model + 1;
        while (key[sensor] != SEPARATOR) {
            sensor++;
        }
        String name = key[sensor + 1] == BY_ID
                ? "'" + new String(key, sensor + 2, key.length - sensor - 2, StandardCharsets.UTF_8) + "'"
                : "at " + ByteBuffer.wrap(key, sensor + 2, Long.BYTES).getLong();
        return "the label for reading " + name + " of sensor '" + new String(key, model + 1, sensor - model - 1,
                StandardCharsets.UTF_8) + "' for model '" + new String(key, 1, model - 1, StandardCharsets.UTF_8) + "'";
    }

    private static void checkFormat(String model, byte format) {
        if (format != FORMAT) {
            throw new IllegalStateException("model '" + model + "': unsupported waiting record (format " + format + ")");
        }
    }

    private boolean isExpired(long arrival, long now) {
        return arrival < now - maxDelayMs;
    }

    private void remove(byte[] entry, byte[] index, Drop reason) {
        storage.delete(entry);
        storage.delete(index);
        String model = modelOf(entry);
        long[] n = waiting.get(model);
        if (n != null && --n[0] == 0) {
            waiting.remove(model);
        }
        total--;
        if (reason != null) {
            listener.dropped(model, reason);
        }
    }

    private static long[] counter(Map<String, long[]> counts, String model) {
        long[] n = counts.get(model);
        if (n == null) {
            n = new long[1];
            counts.put(model, n);
        }
        return n;
    }

    /** The key naming a reading: by id when it has one, else by timestamp. */
    static byte[] entryKey(String model, String sensorId, String id, long timestamp) {
        return entryKey(ENTRY, model, sensorId, id, timestamp);
    }

    private static byte[] entryKey(byte kind, String model, String sensorId, String id, long timestamp) {
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

    private static byte[] indexKey(long arrival, byte[] entry) {
        return indexKey(INDEX, arrival, entry);
    }

    private static byte[] indexKey(byte kind, long arrival, byte[] entry) {
        return ByteBuffer.allocate(1 + Long.BYTES + entry.length).put(kind).putLong(arrival ^ Long.MIN_VALUE).put(entry)
                .array();
    }

    /** The first index key of {@code kind} that arrived at {@code arrival}: every earlier one sorts before it. */
    private static byte[] indexBound(byte kind, long arrival) {
        return ByteBuffer.allocate(1 + Long.BYTES).put(kind).putLong(arrival ^ Long.MIN_VALUE).array();
    }

    private static long arrivalOf(byte[] value) {
        return ByteBuffer.wrap(value, 1, Long.BYTES).getLong();
    }

    private static String modelOf(byte[] entry) {
        int end = 1;
        while (entry[end] != SEPARATOR) {
            end++;
        }
        return new String(entry, 1, end - 1, StandardCharsets.UTF_8);
    }

    /** The smallest key after {@code key}. */
    private static byte[] successor(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }

    /** Bytes a waiting reading takes in the store (both records, keys and values) for a spec and a name. */
    public static int storedBytes(ModelSpec spec, String model, String sensorId, String id) {
        int entry = entryKey(model, sensorId, id, 0).length;
        int value = 1 + 3 * Long.BYTES + Double.BYTES * (spec.features().size() + OnlineModel.outputSize(spec));
        return entry + value + 1 + Long.BYTES + entry;
    }
}
