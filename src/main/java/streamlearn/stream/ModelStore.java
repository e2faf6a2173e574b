package streamlearn.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import streamlearn.format.ModelSnapshot;
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
 * <p>Records, under a model id's UTF-8 bytes {@code M} (0xFC to 0xFF never occur in UTF-8, so no
 * id names another's records):
 * <ul>
 *   <li>{@code M}: the checkpoint ({@link ModelState#checkpointBytes}); absent until the first,
 *       the model is then the new model it started as, replayed;</li>
 *   <li>{@code 0xFC}: that new model (a binary snapshot), which models of this store without a
 *       checkpoint started as. When the new model changes (the spec, or model.init.snapshot), the
 *       models that have no checkpoint yet are checkpointed as they are, from the new model they
 *       started as, before the first model starts from the changed one: so a changed spec meets
 *       each stored model under the spec it learned with ({@code model.on.spec.change}), however
 *       young. A store written before this record existed replays those from the configured spec;</li>
 *   <li>{@code M 0xFE slot}: an input, in slot (input count mod checkpoint.readings), two bytes:
 *       the log overwrites itself, so the compacted changelog keeps at most one checkpoint's worth
 *       per model; a slot whose count is not after the checkpoint's is stale and skipped;</li>
 *   <li>{@code 0xFD M}: the model changed since its last published snapshot (the marker a restart
 *       reads to publish what a crash left unpublished, without loading any model);</li>
 *   <li>{@code M 0xFF}: an earlier version's progress record, read once and removed.</li>
 * </ul>
 *
 * <p>Within a commit interval a live model holds the inputs it takes in memory, and writes them at
 * the commit; a model whose held inputs outweigh its checkpoint (a busy one: the single global
 * model takes thousands of readings per commit) holds nothing more and writes one checkpoint at
 * the commit instead, which makes its logged slots stale. A model's checkpoint turn (above) is
 * kept the same way: the checkpoint it owes is written at the commit. So a quiet model still
 * writes one small record per input, and a busy one a checkpoint per commit, not one record per
 * reading (measured: docs/BENCHMARKS.md).
 *
 * <p>Kafka Streams 4.3.1 gives a store one call before it commits a task's transaction: {@link
 * #flushCache} ({@link CachedStateStore}, an internal interface): {@code StreamTask.prepareCommit}
 * calls {@code StreamTask.flush}, which calls {@code ProcessorStateManager.flushCache} (each
 * store that is a {@code CachedStateStore}, directly or wrapped) and then flushes the record
 * collector; the transaction commits after that, so what this store writes there reaches the
 * changelog in the transaction of the readings that led to it (exactly-once). {@link #flush} and
 * {@link #commit(Map)} do not serve: {@code StateStore.commit(Map)} is called by {@code
 * ProcessorStateManager.commit}, from {@code StreamTask.postCommit} after the transaction
 * committed, with the changelog offsets to record, and {@code flush()} only by its default (read
 * in the 4.3.1 jar's classes). The integration tests (kill -9, restarts, rebalances) pin this, so
 * an upgrade that changes it fails them rather than losing inputs silently.
 *
 * <p>Live models form a bounded LRU cache ({@code model.cache.size}); one that leaves it, or all
 * of them when the processor closes, write what they hold first, and one is read back bit for bit
 * when its sensor sends again. On a dirty close what is held is dropped with the store: the
 * transaction aborts, and the task restarts from the changelog.
 */
final class ModelStore implements StateStore, CachedStateStore<Bytes, byte[]> {
    static final byte PROGRESS_SUFFIX = (byte) 0xFF;
    static final byte INPUT_SUFFIX = (byte) 0xFE;
    static final byte UNPUBLISHED_PREFIX = (byte) 0xFD;
    static final Bytes NEW_MODEL_KEY = Bytes.wrap(new byte[] {(byte) 0xFC});
    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);
    private static final byte[] EMPTY = new byte[0];

    private final KeyValueStore<Bytes, byte[]> changelogged;
    private final ModelSpec spec;
    private final Supplier<OnlineModel> newModel;
    private final int checkpointEvery;
    private final int cacheSize;
    private final LinkedHashMap<String, LiveModel> live;
    /**
     * Models that left the cache with their metrics window open: their window is still closed by
     * the wall clock (see {@link #quietWindowsDue}) without reading them back until it is due.
     */
    private final Map<String, WindowLeftOpen> windowsLeftOpen = new LinkedHashMap<>();
    /** Live models that took inputs since their last write: written at the commit ({@link #flushCache}). */
    private final List<LiveModel> unwritten = new ArrayList<>();
    private ModelInputs inputs;
    /** The input record being logged: one buffer, reused, so that taking an input allocates nothing. */
    private ByteBuffer record;
    private long loads;
    /** Whether the stored new model ({@link #NEW_MODEL_KEY}) is this store's {@code newModel}: checked once per opening. */
    private boolean newModelStored;

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
            protected boolean removeEldestEntry(Map.Entry<String, LiveModel> eldest) {
                if (size() <= ModelStore.this.cacheSize) {
                    return false;
                }
                // Read back later from the store, which must have everything it took.
                eldest.getValue().write();
                ModelState state = eldest.getValue().state;
                if (state.windowOpen()) {
                    windowsLeftOpen.put(state.modelId(), new WindowLeftOpen(state.windowStart(), state.lastReadingWallMs()));
                }
                return true;
            }
        };
    }

    /**
     * A model in the cache, and what it took since it last wrote: the inputs (records back to back,
     * in a buffer kept from commit to commit), or, once they would outweigh its checkpoint or its
     * checkpoint turn came, nothing but the checkpoint it owes.
     */
    private final class LiveModel {
        final ModelState state;
        private ByteBuffer held = ByteBuffer.allocate(128);
        private boolean owesCheckpoint;
        private boolean listed;
        /** The size of its last checkpoint (or of its state when first needed): what held inputs are weighed against. */
        private int checkpointSize = -1;

        LiveModel(ModelState state) {
            this.state = state;
        }

        void hold(ByteBuffer input) {
            if (!listed) {
                unwritten.add(this);
                listed = true;
            }
            if (owesCheckpoint) {
                return;
            }
            if (turn(state) || held.position() + input.remaining() >= checkpointSize()) {
                // The checkpoint written at the commit covers this input, the ones held and the ones to come.
                owesCheckpoint = true;
                held.clear();
                return;
            }
            if (held.remaining() < input.remaining()) {
                held = ByteBuffer.allocate(Math.max(2 * held.capacity(), held.position() + input.remaining()))
                        .put(held.flip());
            }
            held.put(input);
        }

        /** Writes what it took since it last wrote: its checkpoint, or its held inputs to their slots. */
        void write() {
            if (owesCheckpoint) {
                writeCheckpoint();
                return;
            }
            byte[] records = held.array();
            for (int at = 0; at < held.position(); ) {
                int size = inputs().size(records[at]);
                logInput(state, ModelInputs.count(held, at), Arrays.copyOfRange(records, at, at + size));
                at += size;
            }
            held.clear();
        }

        void writeCheckpoint() {
            byte[] checkpoint = state.checkpointBytes();
            changelogged.put(modelKey(state.modelId()), checkpoint);
            checkpointSize = checkpoint.length;
            owesCheckpoint = false;
            held.clear();
        }

        /** Another state took this model's place (a replace): what this one took leads nowhere now. */
        void forget() {
            owesCheckpoint = false;
            held.clear();
        }

        private int checkpointSize() {
            if (checkpointSize < 0) {
                checkpointSize = state.checkpointSize();
            }
            return checkpointSize;
        }
    }

    /**
     * The state for a model key, from the cache or read from the store (and cached); null if none.
     *
     * @throws Unreadable when the stored state cannot be read
     */
    ModelState get(String key) {
        LiveModel model = live.get(key);
        if (model != null) {
            return model.state;
        }
        ModelState state = read(key);
        if (state != null) {
            cache(new LiveModel(state));
        }
        return state;
    }

    /**
     * The state for a model key without changing the cache: the cached one, or one read from the
     * store for this use only (the snapshot of a model that left the cache). Null if none.
     */
    ModelState peek(String key) {
        LiveModel model = live.get(key);
        return model != null ? model.state : read(key);
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
        if (!newModelStored) {
            storeNewModel();
        }
        ModelState state = ModelState.create(key, newModel.get());
        cache(new LiveModel(state));
        return state;
    }

    /**
     * Writes {@code state}'s whole state now, and caches it: for a change no logged input leads
     * to (a restore, a reset). What the model held is stale then.
     */
    void checkpoint(ModelState state) {
        LiveModel model = live.get(state.modelId());
        if (model == null || model.state != state) {
            model = new LiveModel(state);
            cache(model);
        }
        model.writeCheckpoint();
        dropInputsAfter(state.modelId(), state.inputs());
    }

    /**
     * Removes the logged inputs of {@code id} counted after {@code count}: those of a model this
     * one replaced without continuing its count (one that could not be read, started afresh),
     * which would otherwise read as this one's next inputs.
     */
    private void dropInputsAfter(String id, long count) {
        List<Bytes> stale = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> range = changelogged.range(inputKey(id, 0), inputKey(id, 0xFFFF))) {
            while (range.hasNext()) {
                KeyValue<Bytes, byte[]> input = range.next();
                if (input.value.length < 1 + Long.BYTES || ModelInputs.count(input.value) > count) {
                    stale.add(input.key);
                }
            }
        }
        for (Bytes key : stale) {
            changelogged.put(key, null);
        }
    }

    private void cache(LiveModel model) {
        windowsLeftOpen.remove(model.state.modelId());
        LiveModel replaced = live.put(model.state.modelId(), model);
        if (replaced != null) {
            replaced.forget();
        }
    }

    /**
     * Up to {@code limit} ids of models stored with a checkpoint, in key order. A checkpoint's key
     * is the model id's UTF-8, in which the bytes 0xFC-0xFF that mark the other records never occur.
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
            if ((b & 0xFF) >= 0xFC) {
                return false;
            }
        }
        return key.length > 0;
    }

    /**
     * Makes this store's new model the stored one (see the class comment), once per opening:
     * first the models without a checkpoint, started from the stored one, write their checkpoint.
     */
    private void storeNewModel() {
        byte[] current = ModelSnapshot.toBytes(newModel.get());
        byte[] stored = changelogged.get(NEW_MODEL_KEY);
        if (!Arrays.equals(stored, current)) {
            if (stored != null) {
                List<String> young = modelsWithoutCheckpoint();
                for (String id : young) {
                    LiveModel model = live.get(id);
                    ModelState state;
                    try {
                        state = model != null ? model.state : readStored(id);
                    } catch (RuntimeException e) {
                        // Said and handled (model.on.spec.change) when its sensor sends: it cannot be read either way.
                        LOG.warn("Store {}: model '{}' has no checkpoint and cannot be read ({})", name(), id, e.toString());
                        continue;
                    }
                    changelogged.put(modelKey(id), state.checkpointBytes());
                    if (model != null) {
                        model.forget();
                    }
                }
                if (!young.isEmpty()) {
                    LOG.info("Store {}: the new model changed (spec or model.init.snapshot); {} models without a "
                            + "checkpoint were checkpointed as they are, under the one they started as", name(), young.size());
                }
            }
            changelogged.put(NEW_MODEL_KEY, current);
        }
        newModelStored = true;
    }

    /** Ids of the models with logged inputs and no checkpoint, in key order: one pass over the store. */
    private List<String> modelsWithoutCheckpoint() {
        Set<String> checkpointed = new HashSet<>();
        Set<String> logged = new TreeSet<>();
        try (KeyValueIterator<Bytes, byte[]> all = changelogged.all()) {
            while (all.hasNext()) {
                byte[] key = all.next().key.get();
                if (isModelKey(key)) {
                    checkpointed.add(new String(key, StandardCharsets.UTF_8));
                } else if (key.length >= 3 && key[key.length - 3] == INPUT_SUFFIX && key[0] != UNPUBLISHED_PREFIX) {
                    logged.add(new String(key, 0, key.length - 3, StandardCharsets.UTF_8));
                }
            }
        }
        logged.removeAll(checkpointed);
        return new ArrayList<>(logged);
    }

    /** The models in memory now (the cache), least recently used first. */
    List<ModelState> liveModels() {
        List<ModelState> states = new ArrayList<>(live.size());
        for (LiveModel model : live.values()) {
            states.add(model.state);
        }
        return states;
    }

    /** The reading {@code state} just took (window advanced, then the step): logged. */
    void tookReading(ModelState state, long windowMs, Reading reading) {
        inputs().reading(record(), state.inputs(), windowMs, reading);
        took(state);
    }

    /** The late label {@code state} just took for {@code matched}: logged. */
    void tookLateLabel(ModelState state, PendingReading matched, LateLabel label) {
        inputs().lateLabel(record(), state.inputs(), matched, label);
        took(state);
    }

    /** {@code state}'s open window was just closed by the wall clock: logged. */
    void closedWindow(ModelState state, long windowMs) {
        ModelInputs.windowClosed(record(), state.inputs(), windowMs);
        took(state);
    }

    /** {@code state} just published its snapshot: logged, and its unpublished marker removed. */
    void published(ModelState state) {
        ModelInputs.snapshot(record(), state.inputs(), state.model().modelVersion());
        took(state);
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
     * Writes what the live models hold, then drops them: the store is the truth from here on. A
     * task that was active here, then a standby (its store kept up from the changelog, not
     * through these objects), then active again must not find the models it had when it left.
     * Kafka Streams closes the processor after the task's last commit (shutdown, revocation), so
     * nothing is held then; were anything, it is written rather than lost.
     */
    void evictAll() {
        flushCache();
        live.clear();
        windowsLeftOpen.clear();
    }

    /** When a model's open window began (event time) and when its last reading came (wall clock). */
    private record WindowLeftOpen(long windowStart, long lastReadingWallMs) {
    }

    /**
     * Up to {@code limit} models that left the cache with their window open, not read back since,
     * whose window the wall clock closes at {@code wallMs} ({@link ModelState#quietWindowDue}):
     * forgotten here, for the caller to read back and close. One small entry per such model is
     * what lets a task with more models than it caches still publish every quiet model's window.
     */
    List<String> quietWindowsDue(long wallMs, long windowMs, int limit) {
        List<String> due = new ArrayList<>();
        Iterator<Map.Entry<String, WindowLeftOpen>> left = windowsLeftOpen.entrySet().iterator();
        while (left.hasNext() && due.size() < limit) {
            Map.Entry<String, WindowLeftOpen> e = left.next();
            if (ModelState.quietWindowDue(e.getValue().windowStart(), e.getValue().lastReadingWallMs(), wallMs, windowMs)) {
                left.remove();
                due.add(e.getKey());
            }
        }
        return due;
    }

    /** Models read back from the store since this store was opened (cache misses of known models). */
    long loads() {
        return loads;
    }

    int cached() {
        return live.size();
    }

    /** Inputs held in memory now, over all live models, in bytes (what the next commit writes, or a checkpoint covers). */
    int heldBytes() {
        int bytes = 0;
        for (LiveModel model : unwritten) {
            bytes += model.held.position();
        }
        return bytes;
    }

    /**
     * The input in {@link #record} was just taken by {@code state}: held by its live model, or, for
     * a model read for this use only ({@link #peek}), which nothing in memory would write later,
     * written now (or its checkpoint, at its turn).
     */
    private void took(ModelState state) {
        record.flip();
        LiveModel model = live.get(state.modelId());
        if (model != null && model.state == state) {
            model.hold(record);
        } else if (turn(state)) {
            changelogged.put(modelKey(state.modelId()), state.checkpointBytes());
        } else {
            logInput(state, state.inputs(), Arrays.copyOf(record.array(), record.limit()));
        }
    }

    /**
     * True when the input just taken is the model's turn for a checkpoint, which makes its log so
     * far stale: the turn comes every {@code checkpointEvery} inputs, offset by a hash of the model
     * id, so that models fed in lockstep do not all write theirs in one commit.
     */
    private boolean turn(ModelState state) {
        return Math.floorMod(state.inputs() + state.modelId().hashCode(), checkpointEvery) == 0;
    }

    private void logInput(ModelState state, long count, byte[] input) {
        changelogged.put(inputKey(state.modelId(), (int) (count % checkpointEvery)), input);
    }

    private ByteBuffer record() {
        if (record == null) {
            record = ByteBuffer.allocate(inputs().maxSize());
        }
        return record.clear();
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
            byte[] startedAs = changelogged.get(NEW_MODEL_KEY);
            state = ModelState.create(key, startedAs == null ? newModel.get() : ModelSnapshot.fromBytes(startedAs));
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

    /**
     * The commit of this task is next: each model that took inputs since it last wrote writes
     * them, or its checkpoint (see the class comment for why here). A second call before more
     * inputs come writes nothing.
     */
    @Override
    public void flushCache() {
        for (LiveModel model : unwritten) {
            model.write();
            model.listed = false;
        }
        unwritten.clear();
    }

    /**
     * Called when the task becomes a standby, after its last commit wrote what was held: the
     * models leave memory, and the store is kept up from the changelog from here on.
     */
    @Override
    public void clearCache() {
        live.clear();
        unwritten.clear();
        windowsLeftOpen.clear();
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Bytes, byte[]> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        live.clear();
        unwritten.clear();
        windowsLeftOpen.clear();
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
        // A clean close follows the task's last commit, which wrote what was held; a dirty one
        // drops it with the transaction it belonged to.
        live.clear();
        unwritten.clear();
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
