package streamlearn.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import streamlearn.model.LateLabel;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.PendingReading;
import streamlearn.model.Reading;

/**
 * The models of a task, over a logged key-value store, at a cost per reading that does not grow
 * with the number of models or with their size.
 *
 * <p>Why: a model's state is kilobytes (the default spec's is 14 KB). Writing it whenever it
 * changed costs a whole state per reading once readings spread over many models (one per sensor:
 * 19 KB per reading at 10,000 sensors, measured). The learner is deterministic, so a model is its
 * last checkpoint plus the inputs it took since: each input is logged as a small record
 * ({@link ModelInputs}, 60 bytes for a default-spec reading), and the full state only every
 * {@code model.checkpoint.readings} inputs, at an input count staggered per model so that models
 * fed in lockstep do not all write theirs in one commit. Restoring a model reads its checkpoint
 * and replays at most that many inputs: a bound on the work per model, whatever its age.
 *
 * <p>Records, under a model id's UTF-8 bytes {@code M} (0xFD to 0xFF never occur in UTF-8, so no
 * id names another's records):
 * <ul>
 *   <li>{@code M}: the checkpoint ({@link ModelState#checkpointBytes}); absent until the first,
 *       the model is then the spec's fresh one;</li>
 *   <li>{@code M 0xFE slot}: an input, in slot (input count mod checkpoint.readings), two bytes:
 *       the log overwrites itself, so the compacted changelog keeps at most one checkpoint's worth
 *       per model; a slot whose count is not after the checkpoint's is stale and skipped;</li>
 *   <li>{@code 0xFD M}: the model changed since its last published snapshot (the marker a restart
 *       reads to publish what a crash left unpublished, without loading any model);</li>
 *   <li>{@code M 0xFF}: an earlier version's progress record, read once and removed.</li>
 * </ul>
 *
 * <p>Every write goes straight to the logged store, so it travels in the transaction of the
 * reading that caused it (exactly-once); nothing is held back for a commit, and a model can leave
 * memory at any time. Live models form a bounded LRU cache ({@code model.cache.size}); one that
 * leaves it is read back bit for bit when its sensor sends again. On a dirty close the cache is
 * dropped with the store, and the task restarts from the changelog.
 */
final class ModelStore implements StateStore {
    static final byte PROGRESS_SUFFIX = (byte) 0xFF;
    static final byte INPUT_SUFFIX = (byte) 0xFE;
    static final byte UNPUBLISHED_PREFIX = (byte) 0xFD;
    private static final byte[] EMPTY = new byte[0];

    private final KeyValueStore<Bytes, byte[]> changelogged;
    private final ModelSpec spec;
    private final Supplier<OnlineModel> newModel;
    private final int checkpointEvery;
    private final int cacheSize;
    private final LinkedHashMap<String, ModelState> live;
    private ModelInputs inputs;
    private long loads;

    ModelStore(KeyValueStore<Bytes, byte[]> changelogged, ModelSpec spec, int checkpointEvery, int cacheSize) {
        this(changelogged, spec, () -> OnlineModel.create(spec), checkpointEvery, cacheSize);
    }

    /**
     * @param newModel a new model of {@code spec} (from the spec, or seeded by model.init.snapshot):
     *                 also what a model that never checkpointed replays its inputs on
     */
    ModelStore(KeyValueStore<Bytes, byte[]> changelogged, ModelSpec spec, Supplier<OnlineModel> newModel,
               int checkpointEvery, int cacheSize) {
        if (checkpointEvery < 1 || checkpointEvery > 65_536) {
            throw new IllegalArgumentException("checkpoint every " + checkpointEvery + " inputs: must be 1 to 65536");
        }
        this.changelogged = changelogged;
        this.spec = spec;
        this.newModel = newModel;
        this.checkpointEvery = checkpointEvery;
        this.cacheSize = cacheSize;
        this.live = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, ModelState> eldest) {
                return size() > ModelStore.this.cacheSize;
            }
        };
    }

    /**
     * The state for a model key, from the cache or read from the store (and cached); null if none.
     *
     * @throws Unreadable when the stored state cannot be read
     */
    ModelState get(String key) {
        ModelState state = live.get(key);
        if (state == null) {
            state = read(key);
            if (state != null) {
                live.put(key, state);
            }
        }
        return state;
    }

    /**
     * The state for a model key without changing the cache: the cached one, or one read from the
     * store for this use only (the snapshot of a model that left the cache). Null if none.
     */
    ModelState peek(String key) {
        ModelState state = live.get(key);
        return state != null ? state : read(key);
    }

    /** A stored model that cannot be read (corrupt, or from a format this build does not know). */
    static final class Unreadable extends RuntimeException {
        final String modelId;

        Unreadable(String modelId, RuntimeException cause) {
            super("model '" + modelId + "': its stored state cannot be read (" + cause.getMessage() + ")", cause);
            this.modelId = modelId;
        }
    }

    /** A new model, cached; nothing is stored until it takes an input. */
    ModelState create(String key) {
        ModelState state = ModelState.create(key, newModel.get());
        live.put(key, state);
        return state;
    }

    /**
     * Writes {@code state}'s whole state now, and caches it: for a change no logged input leads
     * to (a restore, a reset).
     */
    void checkpoint(ModelState state) {
        live.put(state.modelId(), state);
        changelogged.put(modelKey(state.modelId()), state.checkpointBytes());
    }

    /**
     * Up to {@code limit} ids of models stored with a checkpoint, in key order. A checkpoint's key
     * is the model id's UTF-8, in which the bytes 0xFD-0xFF that mark the other records never occur.
     */
    List<String> storedModels(int limit) {
        List<String> ids = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> all = changelogged.all()) {
            while (all.hasNext() && ids.size() < limit) {
                byte[] key = all.next().key.get();
                if (isModelKey(key)) {
                    ids.add(new String(key, StandardCharsets.UTF_8));
                }
            }
        }
        return ids;
    }

    private static boolean isModelKey(byte[] key) {
        for (byte b : key) {
            if (b == PROGRESS_SUFFIX || b == INPUT_SUFFIX || b == UNPUBLISHED_PREFIX) {
                return false;
            }
        }
        return key.length > 0;
    }

    /** The models in memory now (the cache), least recently used first. */
    List<ModelState> liveModels() {
        return new ArrayList<>(live.values());
    }

    /** The reading {@code state} just took (window advanced, then the step): logged. */
    void tookReading(ModelState state, long windowMs, Reading reading) {
        if (!checkpointDue(state)) {
            logInput(state, inputs().reading(state.inputs(), windowMs, reading));
        }
    }

    /** The late label {@code state} just took for {@code matched}: logged. */
    void tookLateLabel(ModelState state, PendingReading matched, LateLabel label) {
        if (!checkpointDue(state)) {
            logInput(state, inputs().lateLabel(state.inputs(), matched, label));
        }
    }

    /** {@code state}'s open window was just closed by the wall clock: logged. */
    void closedWindow(ModelState state, long windowMs) {
        if (!checkpointDue(state)) {
            logInput(state, ModelInputs.windowClosed(state.inputs(), windowMs));
        }
    }

    /** {@code state} just published its snapshot: logged, and its unpublished marker removed. */
    void published(ModelState state) {
        if (!checkpointDue(state)) {
            logInput(state, ModelInputs.snapshot(state.inputs(), state.model().modelVersion()));
        }
        changelogged.put(unpublishedKey(state.modelId()), null);
    }

    /** The model has changes to publish: marked, so that a restart finds it without loading models. */
    void markUnpublished(String key) {
        changelogged.put(unpublishedKey(key), EMPTY);
    }

    /** The models marked unpublished, in key order. */
    List<String> unpublished() {
        List<String> out = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> marked = changelogged.range(Bytes.wrap(new byte[] {UNPUBLISHED_PREFIX}),
                Bytes.wrap(new byte[] {INPUT_SUFFIX}))) {
            while (marked.hasNext()) {
                byte[] key = marked.next().key.get();
                if (key[0] == UNPUBLISHED_PREFIX) {
                    out.add(new String(key, 1, key.length - 1, StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    /**
     * Drops every live model: the store is the truth from here on. A task that was active here,
     * then a standby (its store kept up from the changelog, not through these objects), then
     * active again must not find the models it had when it left.
     */
    void evictAll() {
        live.clear();
    }

    /** Models read back from the store since this store was opened (cache misses of known models). */
    long loads() {
        return loads;
    }

    int cached() {
        return live.size();
    }

    /**
     * Writes the checkpoint when the input just taken is the model's turn for one, which makes
     * its log so far stale: the turn comes every {@code checkpointEvery} inputs, offset by a hash
     * of the model id.
     */
    private boolean checkpointDue(ModelState state) {
        if (Math.floorMod(state.inputs() + state.modelId().hashCode(), checkpointEvery) != 0) {
            return false;
        }
        changelogged.put(modelKey(state.modelId()), state.checkpointBytes());
        return true;
    }

    private void logInput(ModelState state, byte[] record) {
        changelogged.put(inputKey(state.modelId(), (int) (state.inputs() % checkpointEvery)), record);
    }

    private ModelInputs inputs() {
        if (inputs == null) {
            inputs = new ModelInputs(spec);
        }
        return inputs;
    }

    /** {@link #readStored}, a failure to read named by its model. */
    private ModelState read(String key) {
        try {
            return readStored(key);
        } catch (RuntimeException e) {
            throw new Unreadable(key, e);
        }
    }

    /** The checkpoint (or a new model) and the inputs logged after it, taken again in order. */
    private ModelState readStored(String key) {
        byte[] checkpoint = changelogged.get(modelKey(key));
        List<byte[]> logged = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> range = changelogged.range(inputKey(key, 0), inputKey(key, 0xFFFF))) {
            while (range.hasNext()) {
                logged.add(range.next().value);
            }
        }
        if (checkpoint == null && logged.isEmpty()) {
            return null;
        }
        ModelState state;
        if (checkpoint == null) {
            state = ModelState.create(key, newModel.get());
        } else if (ModelState.isCheckpoint(checkpoint)) {
            state = ModelState.fromCheckpoint(key, checkpoint);
        } else {
            // Stored by an earlier version: rewritten as a checkpoint at once, its progress record dropped.
            Bytes progress = progressKey(key);
            state = ModelState.fromStore(key, checkpoint, changelogged.get(progress));
            changelogged.put(modelKey(key), state.checkpointBytes());
            changelogged.put(progress, null);
            if (state.unpublished()) {
                markUnpublished(key);
            }
        }
        long from = state.inputs();
        logged.removeIf(record -> ModelInputs.count(record) <= from);
        logged.sort(Comparator.comparingLong(ModelInputs::count));
        for (byte[] record : logged) {
            if (ModelInputs.count(record) != state.inputs() + 1) {
                throw new IllegalStateException("model '" + key + "': input " + (state.inputs() + 1)
                        + " is missing from the store (next logged: " + ModelInputs.count(record) + ")");
            }
            inputs().apply(record, state);
        }
        loads++;
        return state;
    }

    static Bytes modelKey(String id) {
        return Bytes.wrap(id.getBytes(StandardCharsets.UTF_8));
    }

    static Bytes progressKey(String id) {
        return suffixed(id, PROGRESS_SUFFIX, 0);
    }

    static Bytes inputKey(String id, int slot) {
        ByteBuffer key = ByteBuffer.wrap(suffixed(id, INPUT_SUFFIX, 2).get());
        return Bytes.wrap(key.putShort(key.capacity() - 2, (short) slot).array());
    }

    static Bytes unpublishedKey(String id) {
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        byte[] key = new byte[utf8.length + 1];
        key[0] = UNPUBLISHED_PREFIX;
        System.arraycopy(utf8, 0, key, 1, utf8.length);
        return Bytes.wrap(key);
    }

    private static Bytes suffixed(String id, byte suffix, int extra) {
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        byte[] key = Arrays.copyOf(utf8, utf8.length + 1 + extra);
        key[utf8.length] = suffix;
        return Bytes.wrap(key);
    }

    @Override
    public String name() {
        return changelogged.name();
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        live.clear();
        changelogged.init(context, root);
    }

    @Override
    public void flush() {
        changelogged.flush();
    }

    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        changelogged.commit(changelogOffsets);
    }

    @Override
    public Long committedOffset(TopicPartition partition) {
        return changelogged.committedOffset(partition);
    }

    @Override
    public boolean managesOffsets() {
        return changelogged.managesOffsets();
    }

    @Override
    public void close() {
        live.clear();
        changelogged.close();
    }

    @Override
    public boolean persistent() {
        return changelogged.persistent();
    }

    @Override
    public boolean isOpen() {
        return changelogged.isOpen();
    }
}
