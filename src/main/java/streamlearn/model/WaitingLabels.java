package streamlearn.model;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Labels that come before their reading (a fast labeling system, a learner that is behind), in
 * the store of the waiting readings ({@link PendingReadings}), under a prefix of their own: they wait for the reading they name
 * ({@link #awaitReading}). When it comes, {@link #labelReading} gives it the label before it is
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
public final class WaitingLabels {
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

    private static final byte LABEL = 'L';
    private static final byte LABEL_INDEX = 'M';
    private static final byte FORMAT = 1;
    private static final byte[] EMPTY = new byte[0];
    private static final byte[] LABEL_INDEX_FROM = {LABEL_INDEX};
    private static final byte[] LABEL_INDEX_TO = {LABEL_INDEX + 1};

    private final PendingReadings.Storage storage;
    private final long maxDelayMs;
    private final long maxWaiting;
    private final LabelDropListener listener;
    private final List<String> classes;
    private final WaitingKeys.Counts waiting = new WaitingKeys.Counts();

    /**
     * @param maxDelayMs how long a label waits for its reading, in stream time; 0: none waits
     * @param maxWaiting the most labels that wait at once (per store: per task in the stream)
     * @param listener   told of each waiting label dropped without its reading: it is unmatched
     */
    public WaitingLabels(ModelSpec spec, PendingReadings.Storage storage, long maxDelayMs, long maxWaiting,
                         LabelDropListener listener) {
        if (maxDelayMs < 0 || maxWaiting < 1) {
            throw new IllegalArgumentException("maxDelayMs >= 0 and maxWaiting >= 1");
        }
        this.storage = storage;
        this.maxDelayMs = maxDelayMs;
        this.maxWaiting = maxWaiting;
        this.listener = listener;
        this.classes = spec.classes();
    }

    /** Whether labels wait at all ({@code label.max.delay} > 0). */
    public boolean enabled() {
        return maxDelayMs > 0;
    }

    /** Counts what the store holds (after a restart, a restore or a migration of the task). */
    public void open() {
        waiting.rebuild(storage, LABEL);
    }

    /** Labels of {@code model} waiting for their reading now. */
    public long waiting(String model) {
        return waiting.of(model);
    }

    /** Labels waiting for their reading now, all models. */
    public long waiting() {
        return waiting.total();
    }

    /**
     * Keeps {@code label}, for which {@link PendingReadings#match} found no live waiting reading ({@link PendingReadings.Match#NOT_WAITING}
     * or {@link PendingReadings.Match#EXPIRED}: the same, so that the outcome does not depend on when a sweep ran),
     * until its reading comes ({@link #labelReading}), for at most {@code label.max.delay} of stream
     * time from {@code arrival}; the oldest waiting label makes room when more than {@code maxWaiting}
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
        byte[] key = WaitingKeys.entry(LABEL, model, label.sensorId(), label.readingId(), label.timestamp());
        byte[] old = storage.get(key);
        if (old != null) {
            long oldArrival = ByteBuffer.wrap(old, 1, Long.BYTES).getLong();
            if (oldArrival == Long.MIN_VALUE || !isExpired(oldArrival, now)) {
                return false;
            }
            drop(key, old, oldArrival, LabelDrop.EXPIRED);
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
        storage.put(WaitingKeys.index(LABEL_INDEX, arrival, key), EMPTY);
        waiting.add(model);
        while (waiting.total() > maxWaiting) {
            byte[] oldest = storage.keys(LABEL_INDEX_FROM, LABEL_INDEX_TO, 1).get(0);
            drop(WaitingKeys.entryOf(oldest), LabelDrop.EVICTED);
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
        if (waiting.of(model) == 0) {
            return false;
        }
        byte[] key = WaitingKeys.entry(LABEL, model, reading.sensorId(), reading.id(), reading.timestamp());
        byte[] value = storage.get(key);
        if (value == null) {
            return false;
        }
        ByteBuffer in = ByteBuffer.wrap(value);
        if (in.get() != FORMAT) {
            throw new IllegalStateException("model '" + model + "': unsupported waiting-label record (format " + value[0] + ")");
        }
        long arrival = in.getLong();
        boolean hasTarget = in.get() != 0;
        double target = in.getDouble();
        int nameLength = in.getInt();
        int label = Reading.UNLABELED;
        if (nameLength >= 0) {
            label = classes.indexOf(new String(value, in.position(), nameLength, StandardCharsets.UTF_8));
            if (label < 0) {
                drop(key, value, arrival, LabelDrop.UNKNOWN_CLASS);
                return false;
            }
        }
        if (reading.isLabeled()) {
            drop(key, value, arrival, LabelDrop.LABELED_INLINE);
            return false;
        }
        if (arrival != Long.MIN_VALUE && isExpired(arrival, now)) {
            drop(key, value, arrival, LabelDrop.EXPIRED);
            return false;
        }
        remove(key, arrival);
        if (hasTarget) {
            reading.setTarget(target);
        } else {
            reading.setLabel(label);
        }
        return true;
    }

    /** Drops every label that has waited longer than the limit at stream time {@code now}. */
    public void expire(long now) {
        if (!enabled() || now == Long.MIN_VALUE || waiting.total() == 0) {
            return;
        }
        // A label stamped Long.MIN_VALUE came before any stream time (replay): it never expires by time.
        byte[] from = WaitingKeys.indexBound(LABEL_INDEX, Long.MIN_VALUE + 1);
        byte[] to = WaitingKeys.indexBound(LABEL_INDEX, now - maxDelayMs);
        while (true) {
            List<byte[]> keys = storage.keys(from, to, WaitingKeys.BATCH);
            for (byte[] index : keys) {
                drop(WaitingKeys.entryOf(index), LabelDrop.EXPIRED);
            }
            if (keys.size() < WaitingKeys.BATCH) {
                return;
            }
        }
    }

    /** Drops every waiting label as {@link LabelDrop#END_OF_INPUT} (replay, at the end of its file). */
    public void endOfInput() {
        while (waiting.total() > 0) {
            List<byte[]> keys = storage.keys(LABEL_INDEX_FROM, LABEL_INDEX_TO, WaitingKeys.BATCH);
            for (byte[] index : keys) {
                drop(WaitingKeys.entryOf(index), LabelDrop.END_OF_INPUT);
            }
            if (keys.isEmpty()) {
                return;
            }
        }
    }

    private void drop(byte[] key, LabelDrop reason) {
        byte[] value = storage.get(key);
        drop(key, value, WaitingKeys.arrivalOf(value), reason);
    }

    private void drop(byte[] key, byte[] value, long arrival, LabelDrop reason) {
        remove(key, arrival);
        ByteBuffer in = ByteBuffer.wrap(value, 1 + Long.BYTES + 1 + Double.BYTES, Integer.BYTES);
        int nameLength = in.getInt();
        int at = 1 + Long.BYTES + 1 + Double.BYTES + Integer.BYTES + Math.max(0, nameLength);
        listener.labelDropped(WaitingKeys.modelOf(key), reason, "the label for " + WaitingKeys.describe(key)
                + " is unmatched: " + reason.why(), Arrays.copyOfRange(value, at, value.length));
    }

    private void remove(byte[] key, long arrival) {
        storage.delete(key);
        storage.delete(WaitingKeys.index(LABEL_INDEX, arrival, key));
        waiting.remove(WaitingKeys.modelOf(key));
    }

    private boolean isExpired(long arrival, long now) {
        return arrival < now - maxDelayMs;
    }
}
