package streamlearn.stream;

import java.nio.ByteBuffer;
import streamlearn.model.LateLabel;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.PendingReading;
import streamlearn.model.Reading;

/**
 * The inputs a model took since its last checkpoint, one record each, as {@link ModelStore} logs
 * them: the learner is deterministic, so the checkpoint and these records, applied again in
 * order, give back the model bit for bit (weights, scaler, optimizer, drift detector) and its
 * progress (open window, last published snapshot) without storing the whole state per reading.
 *
 * <p>Layout (big-endian): kind (1 byte), the model's input count after it (8), then
 * <ul>
 *   <li>{@code READING}: metrics.window in ms, event time, label, target, has-target, features;</li>
 *   <li>{@code LATE_LABEL}: label, target, has-target, then the waiting reading: arrival, event
 *       time, model version at its prediction, features, output pre-activations;</li>
 *   <li>{@code SNAPSHOT}: the model version of the snapshot published;</li>
 *   <li>{@code WINDOW_CLOSED}: metrics.window in ms; the open window was closed by the wall clock
 *       (a quiet model), which no reading tells a replay.</li>
 * </ul>
 * The label and target are kept as the step saw them, whether or not it used them. Reused: one
 * instance per store, holding the scratch objects a replay fills.
 */
final class ModelInputs {
    static final byte READING = 1;
    static final byte LATE_LABEL = 2;
    static final byte SNAPSHOT = 3;
    static final byte WINDOW_CLOSED = 4;
    private static final int HEADER = 1 + Long.BYTES;
    private static final int LABEL = Integer.BYTES + Double.BYTES + 1;

    private final int features;
    private final int outputs;
    private final Reading reading;
    private final PendingReading waiting;
    private final LateLabel label = new LateLabel();

    ModelInputs(ModelSpec spec) {
        this.features = spec.features().size();
        this.outputs = OnlineModel.outputSize(spec);
        this.reading = new Reading(features);
        this.waiting = new PendingReading(spec);
    }

    /** Writes the record of a reading into {@code out}, at its position. */
    void reading(ByteBuffer out, long count, long windowMs, Reading taken) {
        out.put(READING).putLong(count).putLong(windowMs).putLong(taken.timestamp());
        putLabel(out, taken.label(), taken.hasTarget() ? taken.target() : 0, taken.hasTarget());
        putAll(out, taken.features(), features);
    }

    /** Writes the record of a late label into {@code out}, at its position. */
    void lateLabel(ByteBuffer out, long count, PendingReading matched, LateLabel taken) {
        out.put(LATE_LABEL).putLong(count);
        putLabel(out, taken.label(), taken.hasTarget() ? taken.target() : 0, taken.hasTarget());
        out.putLong(matched.arrival()).putLong(matched.timestamp()).putLong(matched.modelVersion());
        putAll(out, matched.features(), features);
        putAll(out, matched.output(), outputs);
    }

    static void snapshot(ByteBuffer out, long count, long modelVersion) {
        out.put(SNAPSHOT).putLong(count).putLong(modelVersion);
    }

    static void windowClosed(ByteBuffer out, long count, long windowMs) {
        out.put(WINDOW_CLOSED).putLong(count).putLong(windowMs);
    }

    /** The largest record of this spec's inputs: a scratch buffer of this size holds any of them. */
    int maxSize() {
        return Math.max(size(READING), size(LATE_LABEL));
    }

    /** The size of a record of {@code kind}: records lie back to back in a held buffer, unframed. */
    int size(byte kind) {
        return switch (kind) {
            case READING -> HEADER + 2 * Long.BYTES + LABEL + Double.BYTES * features;
            case LATE_LABEL -> HEADER + LABEL + 3 * Long.BYTES + Double.BYTES * (features + outputs);
            case SNAPSHOT, WINDOW_CLOSED -> HEADER + Long.BYTES;
            default -> throw new IllegalArgumentException("unsupported input record (kind " + kind + ")");
        };
    }

    /** The model's input count after the input {@code record} holds. */
    static long count(byte[] record) {
        return ByteBuffer.wrap(record, 1, Long.BYTES).getLong();
    }

    /** The input count of the record that starts at {@code at} in {@code records}. */
    static long count(ByteBuffer records, int at) {
        return records.getLong(at + 1);
    }

    /** Takes the input again: the same calls, in the same order, as the learner made when it came. */
    void apply(byte[] record, ModelState state) {
        ByteBuffer in = ByteBuffer.wrap(record);
        byte kind = in.get();
        in.getLong();
        switch (kind) {
            case READING -> {
                long windowMs = in.getLong();
                reading.clear();
                reading.setSensorId(state.modelId());
                reading.setTimestamp(in.getLong());
                reading.setLabel(in.getInt());
                double target = in.getDouble();
                if (in.get() != 0) {
                    reading.setTarget(target);
                }
                for (int i = 0; i < features; i++) {
                    reading.setFeature(i, in.getDouble());
                }
                state.advanceWindow(reading.timestamp(), windowMs);
                state.learn(reading);
            }
            case LATE_LABEL -> {
                label.clear();
                label.setLabel(in.getInt());
                double target = in.getDouble();
                if (in.get() != 0) {
                    label.setTarget(target);
                }
                waiting.set(in.getLong(), in.getLong(), in.getLong());
                getAll(in, waiting.features(), features);
                getAll(in, waiting.output(), outputs);
                state.learnLate(waiting, label);
            }
            case SNAPSHOT -> state.snapshotPublished(in.getLong());
            case WINDOW_CLOSED -> state.closeOpenWindow(in.getLong());
            default -> throw new IllegalStateException("model '" + state.modelId() + "': unsupported input record (kind "
                    + kind + ")");
        }
        if (in.hasRemaining()) {
            throw new IllegalStateException("model '" + state.modelId() + "': input record of kind " + kind + " has "
                    + in.remaining() + " unexpected trailing bytes");
        }
    }

    private static void putLabel(ByteBuffer out, int label, double target, boolean hasTarget) {
        out.putInt(label).putDouble(target).put((byte) (hasTarget ? 1 : 0));
    }

    private static void putAll(ByteBuffer out, double[] values, int n) {
        for (int i = 0; i < n; i++) {
            out.putDouble(values[i]);
        }
    }

    private static void getAll(ByteBuffer in, double[] into, int n) {
        for (int i = 0; i < n; i++) {
            into[i] = in.getDouble();
        }
    }
}
