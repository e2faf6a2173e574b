package streamlearn.stream;

import java.nio.ByteBuffer;
import java.util.Map;
import streamlearn.format.MetricsJson;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.PredictionJson;
import streamlearn.model.LateLabel;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.PendingReading;
import streamlearn.model.PrequentialMetrics;
import streamlearn.model.Reading;
import streamlearn.model.SpecMapping;
import streamlearn.model.StepResult;

/**
 * Everything the learner keeps per model key: the model (weights, scaler, optimizer state, drift
 * detector: kilobytes, changed by a training step), and its progress (the open metrics window
 * with the drifts detected in it, and the model version of the last published snapshot), and
 * how many inputs (readings, late labels, published snapshots) it has taken. {@link ModelStore}
 * keeps it as a checkpoint of all three plus the inputs taken since ({@link ModelInputs}); after
 * a crash it resumes exactly where the committed state left it.
 *
 * <p>Owned by the stream thread, with one exception: {@code POST /predict} reads the model from an
 * HTTP thread ({@link #predict}). The monitor of this object is the model's lock: held by every
 * change of the model (a step, a late label's step, a replace, a new mapping) and by a prediction,
 * so that a prediction sees a model between two steps, never within one. Uncontended, it costs the
 * stream a few nanoseconds a reading; everything else here stays the stream thread's alone.
 */
final class ModelState {
    /** "SLC1": marks a checkpoint, so that anything else in its place is refused rather than misread. */
    private static final int CHECKPOINT_MAGIC = 0x534C4331;
    private final String modelId;
    private OnlineModel model;
    private PrequentialMetrics window;
    /** Readings of the configured spec to this model's order, when its spec orders them otherwise. */
    private SpecMapping mapping;
    private boolean servesConfiguredSpec;
    private Reading mapped;
    private Reading served;
    /** Wall clock (ms) of the last reading, or of the load: how long the model has been quiet. */
    private long lastReadingWallMs;
    /** Start of the open metrics window (epoch ms), or -1 before the first reading. */
    private long windowStart = -1;
    /** modelVersion of the last snapshot sent to the models topic, -1 for none. */
    private long snapshotVersion = -1;
    /** Inputs taken since the model was created: its position in its input log. */
    private long inputs;
    /** The latest event time of a reading this state took (epoch ms), or Long.MIN_VALUE: not stored, kept for GET /models. */
    private long lastReadingTime = Long.MIN_VALUE;

    /** The replica of the global model this state is (model.replicas: its partition), or -1: what its windows say. */
    private int replica = -1;

    private ModelState(String modelId, OnlineModel model) {
        this.modelId = modelId;
        this.model = model;
        this.window = new PrequentialMetrics(model.spec());
    }

    /** A new model from the spec, with no input taken. */
    static ModelState create(String modelId, ModelSpec spec) {
        return create(modelId, OnlineModel.create(spec));
    }

    /** A new state for {@code model} (fresh, or seeded); nothing is stored until it takes an input. */
    static ModelState create(String modelId, OnlineModel model) {
        return new ModelState(modelId, model);
    }

    /**
     * Serves readings of {@code configured} with this model, matching features and classes by
     * name when the model's spec orders them otherwise.
     *
     * @throws streamlearn.model.SpecException when the model cannot take such readings
     */
    synchronized void serve(ModelSpec configured) {
        mapping = SpecMapping.of(configured, model.spec());
        mapped = mapping == null ? null : new Reading(model.spec().features().size());
        servesConfiguredSpec = model.spec().equals(configured);
    }

    /** True when the model's spec is the configured one (decided once, in {@link #serve}, not per reading). */
    boolean servesConfiguredSpec() {
        return servesConfiguredSpec;
    }

    /**
     * Replaces the model (a restore, a reset, a replica's merge), keeping the open metrics window when the classes
     * are the same. The new model is published at the next snapshot; the caller checkpoints it
     * ({@link ModelStore#checkpoint}), as no logged input leads to it.
     */
    synchronized void replace(OnlineModel next, ModelSpec configured) {
        if (!next.spec().classes().equals(model.spec().classes()) || next.spec().task() != model.spec().task()) {
            window = new PrequentialMetrics(next.spec());
        }
        model = next;
        serve(configured);
        snapshotVersion = -1;
    }

    /** The last reading {@link #learn} took, in the model's order (what its prediction and waiting entry describe). */
    Reading served() {
        return served;
    }

    /** A predicted class of this model, as the index of that class in the configured spec. */
    int configuredClass(int modelClass) {
        return mapping == null ? modelClass : mapping.configuredClass(modelClass);
    }

    /** A late label of the configured spec, its class turned into this model's index. */
    LateLabel toModel(LateLabel label) {
        if (mapping != null) {
            label.setLabel(mapping.modelClass(label.label()));
        }
        return label;
    }

    void readingSeenAt(long wallMs) {
        lastReadingWallMs = wallMs;
    }

    long lastReadingWallMs() {
        return lastReadingWallMs;
    }

    /** Whether a metrics window is open with readings in it: one a quiet model's wall clock will close. */
    boolean windowOpen() {
        return windowStart >= 0 && window.records() > 0;
    }

    long windowStart() {
        return windowStart;
    }

    String modelId() {
        return modelId;
    }

    /** This state is replica {@code partition} of the global model: its windows say so. */
    void replicaOf(int partition) {
        replica = partition;
    }

    /** The latest event time of the readings taken since this state was created or read back, or Long.MIN_VALUE. */
    long lastReadingTime() {
        return lastReadingTime;
    }

    /**
     * What {@link #learn} would predict for {@code reading} (in the configured spec's terms) now,
     * changing nothing ({@link OnlineModel#predict}); callable from any thread: it holds the
     * model's lock. The work is done in {@code buffers}, the calling thread's, by model spec.
     */
    byte[] predict(Reading reading, Map<ModelSpec, PredictBuffers> buffers) {
        PredictBuffers b;
        Reading taken;
        StepResult result;
        synchronized (this) {
            OnlineModel current = model;
            b = buffers.computeIfAbsent(current.spec(), spec -> new PredictBuffers(current));
            taken = mapping == null ? reading : mapping.apply(reading, b.mapped);
            result = current.predict(taken, b.scratch);
        }
        // The result lives in this thread's buffers: no lock needed to write it out.
        return b.json.write(modelId, taken, result);
    }

    /**
     * One thread's buffers for predictions of the models of one spec (a spec fixes the shape of
     * every buffer): the network's scratch, the reading in the model's order, and the JSON writer.
     * A thread answers one request at a time, so they serve request after request; a stream
     * thread never sees them.
     */
    static final class PredictBuffers {
        private final OnlineModel.Scratch scratch;
        private final Reading mapped;
        private final PredictionJson json;

        PredictBuffers(OnlineModel model) {
            this.scratch = model.newScratch();
            this.mapped = new Reading(model.spec().features().size());
            this.json = new PredictionJson(model.spec());
        }
    }

    OnlineModel model() {
        return model;
    }

    /**
     * A metrics window that a reading closed: its record for the metrics topic, and the figures
     * the gauges show (per class in the spec's order; NaN where the window defines none).
     */
    record ClosedWindow(long end, byte[] json, double meanLoss, double accuracy, double balancedAccuracy, double kappa,
                        double[] recall, double[] precision, long records, long labeled, long drifts, long[] support,
                        long[] hits, long modelVersion, String champion, double[] candidateLoss, double[] candidateWeight) {
        static ClosedWindow of(long end, byte[] json, PrequentialMetrics window, OnlineModel model) {
            int classes = window.classes().size();
            double[] recall = new double[classes];
            double[] precision = new double[classes];
            long[] support = new long[classes];
            long[] hits = new long[classes];
            long[][] confusion = classes == 0 ? null : window.confusion();
            for (int c = 0; c < classes; c++) {
                recall[c] = window.recall(c);
                precision[c] = window.precision(c);
                support[c] = window.support(c);
                hits[c] = confusion[c][c];
            }
            int k = model.candidateNames().size();
            double[] loss = new double[k];
            double[] weight = new double[k];
            for (int i = 0; i < k; i++) {
                loss[i] = model.candidateLoss(i);
                weight[i] = model.candidateWeight(i);
            }
            return new ClosedWindow(end, json, window.meanLoss(), window.accuracy(), window.balancedAccuracy(),
                    window.kappa(), recall, precision, window.records(), window.labeled(), window.drifts(), support, hits,
                    window.modelVersion(), model.champion(), loss, weight);
        }
    }

    /**
     * Moves the tumbling event-time window on to the one holding {@code timestamp}. Returns the
     * window this closes when it had readings, else null. A late reading counts in the open
     * window rather than reopening an old one.
     */
    ClosedWindow advanceWindow(long timestamp, long windowMs) {
        long start = Math.floorDiv(timestamp, windowMs) * windowMs;
        if (windowStart >= 0 && start <= windowStart) {
            return null;
        }
        ClosedWindow closed = windowOpen() ? close(windowMs) : null;
        window.reset();
        windowStart = start;
        return closed;
    }

    /**
     * Whether a window opened at {@code windowStart} (event time) whose model's last reading came
     * at {@code lastReadingWallMs} is closed by the wall clock at {@code wallMs}: one window length
     * after its end, and half a window after that reading.
     */
    static boolean quietWindowDue(long windowStart, long lastReadingWallMs, long wallMs, long windowMs) {
        return wallMs >= windowStart + 2 * windowMs && wallMs - lastReadingWallMs >= windowMs / 2;
    }

    /**
     * Closes the open window of a quiet model by the wall clock: when it has readings, its end lies
     * one window length or more in the past, and no reading came for half a window length (a model
     * that is replaying history is busy, not quiet). The next window opens empty; a late reading counts
     * in it. Returns the window closed, or null.
     */
    ClosedWindow closeIfQuiet(long wallMs, long windowMs) {
        if (!windowOpen() || !quietWindowDue(windowStart, lastReadingWallMs, wallMs, windowMs)) {
            return null;
        }
        return closeOpenWindow(windowMs);
    }

    /**
     * Closes the open window now, whatever the clocks say (what {@link #closeIfQuiet} decided, taken
     * again by a replay): an input, as a reading is.
     */
    ClosedWindow closeOpenWindow(long windowMs) {
        ClosedWindow closed = close(windowMs);
        window.reset();
        windowStart += windowMs;
        inputs++;
        return closed;
    }

    private ClosedWindow close(long windowMs) {
        long end = windowStart + windowMs;
        return ClosedWindow.of(end, MetricsJson.window(modelId, replica, windowStart, end, window, model), window, model);
    }

    /** One prequential step on the reading, counted in the open window. The result is reused. */
    StepResult learn(Reading reading) {
        served = mapping == null ? reading : mapping.apply(reading, mapped);
        StepResult result;
        synchronized (this) {
            result = model.step(served);
        }
        if (served.timestamp() > lastReadingTime) {
            lastReadingTime = served.timestamp();
        }
        window.add(result, model.modelVersion());
        inputs++;
        return result;
    }

    /**
     * A late label's step on the reading it names ({@link OnlineModel#learnLate}), scored in the
     * open window: the window of the label's arrival. The result is reused.
     */
    StepResult learnLate(PendingReading waiting, LateLabel label) {
        StepResult result;
        synchronized (this) {
            result = model.learnLate(waiting, label);
        }
        window.addLate(result, model.modelVersion());
        inputs++;
        return result;
    }

    /** The JSON snapshot to publish when the model changed since the last one, else null. */
    byte[] snapshotIfChanged() {
        long version = model.modelVersion();
        if (version == snapshotVersion) {
            return null;
        }
        snapshotPublished(version);
        return ModelSnapshot.toJsonString(model).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The snapshot of {@code version} went to the models topic: an input, so that a replay knows it. */
    void snapshotPublished(long version) {
        snapshotVersion = version;
        inputs++;
    }

    /** True when the model took a step since its last published snapshot. */
    boolean unpublished() {
        return model.modelVersion() != snapshotVersion;
    }

    /** Inputs taken since the model was created (readings, late labels, published snapshots). */
    long inputs() {
        return inputs;
    }

    /** The model part, as the store keeps it: a binary snapshot. */
    byte[] modelBytes() {
        return ModelSnapshot.toBytes(model);
    }

    /**
     * The progress part: windowStart, snapshotVersion, then the open window's counts (with its
     * drifts and the regression errors last, see {@link PrequentialMetrics#writeTo}).
     */
    byte[] progressBytes() {
        ByteBuffer out = ByteBuffer.allocate(16 + window.binarySize());
        out.putLong(windowStart).putLong(snapshotVersion);
        window.writeTo(out);
        return out.array();
    }

    /** The checkpoint {@link ModelStore} keeps: magic, input count, the model's size, the model, its progress. */
    byte[] checkpointBytes() {
        byte[] modelBytes = modelBytes();
        byte[] progress = progressBytes();
        return ByteBuffer.allocate(4 + Long.BYTES + 4 + modelBytes.length + progress.length)
                .putInt(CHECKPOINT_MAGIC).putLong(inputs).putInt(modelBytes.length).put(modelBytes).put(progress).array();
    }

    /** The size of {@link #checkpointBytes} now, without writing it. */
    int checkpointSize() {
        return 4 + Long.BYTES + 4 + ModelSnapshot.binarySize(model) + 16 + window.binarySize();
    }

    static ModelState fromCheckpoint(String modelId, byte[] checkpoint) {
        ByteBuffer in = ByteBuffer.wrap(checkpoint);
        if (checkpoint.length < 4 + Long.BYTES + 4 || in.getInt() != CHECKPOINT_MAGIC) {
            throw new IllegalStateException("not a checkpoint of this build's format");
        }
        long inputs = in.getLong();
        int modelSize = in.getInt();
        ModelState state = new ModelState(modelId, ModelSnapshot.read(in.slice().limit(modelSize), true));
        state.readProgress(in.position(in.position() + modelSize));
        state.inputs = inputs;
        return state;
    }

    private void readProgress(ByteBuffer in) {
        windowStart = in.getLong();
        snapshotVersion = in.getLong();
        window.readFrom(in);
    }
}
