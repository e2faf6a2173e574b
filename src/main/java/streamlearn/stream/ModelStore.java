package streamlearn.stream;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;
import streamlearn.model.LateLabel;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.PendingReading;
import streamlearn.model.Reading;

/**
 * The models of a task: a bounded LRU cache of live models ({@code model.cache.size}) over their
 * {@link ModelLog} in a logged key-value store, at a cost per reading that grows neither with the
 * number of models nor with their size.
 *
 * <p>Within a commit interval a live model holds the inputs it takes in memory, and writes them at
 * the commit; a model whose held inputs outweigh its checkpoint (a busy one, such as a single
 * global model) holds nothing more and writes one checkpoint at the commit instead. A model's
 * checkpoint turn is kept the same way. So a quiet model writes one small record per input, and a
 * busy one a checkpoint per commit.
 *
 * <p>Kafka Streams 4.3.1 gives a store one call before it commits a task's transaction: {@link
 * #flushCache} ({@link CachedStateStore}, an internal interface): {@code StreamTask.prepareCommit}
 * calls {@code StreamTask.flush}, which calls {@code ProcessorStateManager.flushCache} (each
 * store that is a {@code CachedStateStore}, directly or wrapped) and then flushes the record
 * collector; the transaction commits after that, so what this store writes there reaches the
 * changelog in the transaction of the readings that led to it (exactly-once). {@code flush()} and
 * {@link #commit(Map)} come too late: {@code ProcessorStateManager.commit} calls the latter from
 * {@code StreamTask.postCommit}, after the transaction committed. The integration tests (kill -9,
 * restarts, rebalances) pin this, so an upgrade that changes it fails them rather than losing
 * inputs silently.
 *
 * <p>A model that leaves the cache, or all of them when the processor closes, write what they
 * hold first, and one is read back bit for bit when its sensor sends again. On a dirty close what
 * is held is dropped with the store: the transaction aborts, and the task restarts from the
 * changelog.
 *
 * <p>Threads: the stream thread owns all of it (the LRU map is access-ordered, so even a lookup
 * changes it), with two exceptions for the HTTP endpoint, both through {@link LiveView}: the models
 * in memory are published to the view as they enter and leave ({@link #attach}), and a model not
 * in memory is read from the store by {@link #readCommitted}, which holds {@link #writes}: every
 * write of this store's model records holds it too, so a read sees a checkpoint and the inputs
 * after it as one commit (or one eviction) left them, never half of a write.
 */
final class ModelStore implements StateStore, CachedStateStore<Bytes, byte[]>, Models {
    private final KeyValueStore<Bytes, byte[]> changelogged;
    private final ModelLog log;
    private final int cacheSize;
    private final LinkedHashMap<String, LiveModel> live;
    /** Live models that took inputs since their last write: written at the commit ({@link #flushCache}). */
    private final List<LiveModel> unwritten = new ArrayList<>();
    /** The input record being logged: one buffer, reused, so that taking an input allocates nothing. */
    private final ByteBuffer record;
    private Consumer<ModelState> evicted = state -> { };
    private long loads;
    /** Held by every write of model records, and by {@link #readCommitted}. */
    private final ReentrantLock writes = new ReentrantLock();
    /** The log {@link #readCommitted} reads with: its own scratch objects, apart from the stream thread's. */
    private final ModelLog readLog;
    /** Where the models in memory are published for the HTTP endpoint; null: nowhere. */
    private volatile LiveView view;

    ModelStore(KeyValueStore<Bytes, byte[]> changelogged, ModelSpec spec, int checkpointEvery, int cacheSize) {
        this(changelogged, spec, () -> OnlineModel.create(spec), checkpointEvery, cacheSize);
    }

    /**
     * @param newModel a new model of {@code spec} (from the spec, or seeded by model.init.snapshot):
     *                 also what a model that never checkpointed replays its inputs on
     */
    ModelStore(KeyValueStore<Bytes, byte[]> changelogged, ModelSpec spec, Supplier<OnlineModel> newModel,
               int checkpointEvery, int cacheSize) {
        this.changelogged = changelogged;
        this.log = new ModelLog(changelogged, spec, newModel, checkpointEvery);
        this.readLog = new ModelLog(changelogged, spec, newModel, checkpointEvery);
        this.cacheSize = cacheSize;
        this.record = ByteBuffer.allocate(log.inputs().maxSize());
        this.live = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, LiveModel> eldest) {
                if (size() <= ModelStore.this.cacheSize) {
                    return false;
                }
                // Read back later from the store, which must have everything it took.
                writes.lock();
                try {
                    eldest.getValue().write();
                } finally {
                    writes.unlock();
                }
                left(eldest.getValue().state);
                evicted.accept(eldest.getValue().state);
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
            if (log.turn(state) || held.position() + input.remaining() >= checkpointSize()) {
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
                int size = log.inputs().size(records[at]);
                log.logInput(state.modelId(), ModelInputs.count(held, at), Arrays.copyOfRange(records, at, at + size));
                at += size;
            }
            held.clear();
        }

        void writeCheckpoint() {
            checkpointSize = log.writeCheckpoint(state);
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

    @Override
    public ModelState cached(String id) {
        LiveModel model = live.get(id);
        return model == null ? null : model.state;
    }

    @Override
    public ModelState load(String id) {
        ModelState state = log.read(id);
        if (state != null) {
            loads++;
            cache(new LiveModel(state));
        }
        return state;
    }

    /** The model in memory, else read back and kept: {@link #cached}, then {@link #load}. */
    ModelState get(String id) {
        ModelState state = cached(id);
        return state != null ? state : load(id);
    }

    @Override
    public ModelState peek(String id) {
        LiveModel model = live.get(id);
        return model != null ? model.state : log.read(id);
    }

    @Override
    public ModelState create(String id) {
        ModelState state;
        writes.lock();
        try {
            state = log.create(id, this::cached);
        } finally {
            writes.unlock();
        }
        cache(new LiveModel(state));
        return state;
    }

    @Override
    public void checkpoint(ModelState state) {
        LiveModel model = live.get(state.modelId());
        if (model == null || model.state != state) {
            model = new LiveModel(state);
            cache(model);
        }
        writes.lock();
        try {
            model.writeCheckpoint();
            log.dropInputsAfter(state.modelId(), state.inputs());
        } finally {
            writes.unlock();
        }
    }

    private void cache(LiveModel model) {
        LiveModel replaced = live.put(model.state.modelId(), model);
        if (replaced != null) {
            replaced.forget();
        }
        LiveView v = view;
        if (v != null) {
            v.entered(model.state);
        }
    }

    /** {@code state} left memory: no longer published to the view. */
    private void left(ModelState state) {
        LiveView v = view;
        if (v != null) {
            v.left(state);
        }
    }

    /** All models leave memory. */
    private void clearLive() {
        for (LiveModel model : live.values()) {
            left(model.state);
        }
        live.clear();
    }

    /** Publishes the models in memory to {@code view} from now on (those in memory now included); null: to none. */
    void attach(LiveView view) {
        LiveView before = this.view;
        if (before != null) {
            for (LiveModel model : live.values()) {
                before.left(model.state);
            }
        }
        this.view = view;
        if (view != null) {
            for (LiveModel model : live.values()) {
                view.entered(model.state);
            }
        }
    }

    /**
     * The model {@code id} as committed (or as last written by an eviction), read from the store
     * for this use only, from any thread; null when none is stored. A model in memory may be ahead
     * of it by the inputs of the current commit interval.
     *
     * @throws Models.Unreadable when the stored state cannot be read
     */
    ModelState readCommitted(String id) {
        writes.lock();
        try {
            return readLog.read(id);
        } finally {
            writes.unlock();
        }
    }

    @Override
    public List<String> storedModels(int limit) {
        return log.storedModels(limit);
    }

    @Override
    public List<ModelState> liveModels() {
        List<ModelState> states = new ArrayList<>(live.size());
        for (LiveModel model : live.values()) {
            states.add(model.state);
        }
        return states;
    }

    @Override
    public void onEviction(Consumer<ModelState> listener) {
        this.evicted = listener;
    }

    @Override
    public void tookReading(ModelState state, long windowMs, Reading served) {
        log.inputs().reading(record.clear(), state.inputs(), windowMs, served);
        took(state);
    }

    @Override
    public void tookLateLabel(ModelState state, PendingReading matched, LateLabel label) {
        log.inputs().lateLabel(record.clear(), state.inputs(), matched, label);
        took(state);
    }

    @Override
    public void closedWindow(ModelState state, long windowMs) {
        ModelInputs.windowClosed(record.clear(), state.inputs(), windowMs);
        took(state);
    }

    @Override
    public void published(ModelState state) {
        ModelInputs.snapshot(record.clear(), state.inputs(), state.model().modelVersion());
        took(state);
        log.markPublished(state.modelId());
    }

    @Override
    public void markUnpublished(String id) {
        log.markUnpublished(id);
    }

    @Override
    public List<String> unpublished() {
        return log.unpublished();
    }

    /**
     * Writes what the live models hold, then drops them: the store is the truth from here on. A
     * task that was active here, then a standby (its store kept up from the changelog, not
     * through these objects), then active again must not find the models it had when it left.
     */
    void evictAll() {
        flushCache();
        clearLive();
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
            return;
        }
        writes.lock();
        try {
            if (log.turn(state)) {
                log.writeCheckpoint(state);
            } else {
                log.logInput(state.modelId(), state.inputs(), Arrays.copyOf(record.array(), record.limit()));
            }
        } finally {
            writes.unlock();
        }
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
        if (unwritten.isEmpty()) {
            return;
        }
        writes.lock();
        try {
            for (LiveModel model : unwritten) {
                model.write();
                model.listed = false;
            }
        } finally {
            writes.unlock();
        }
        unwritten.clear();
    }

    /**
     * Called when the task becomes a standby, after its last commit wrote what was held: the
     * models leave memory, and the store is kept up from the changelog from here on.
     */
    @Override
    public void clearCache() {
        clearLive();
        unwritten.clear();
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Bytes, byte[]> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        clearLive();
        unwritten.clear();
        log.reopened();
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
        clearLive();
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
