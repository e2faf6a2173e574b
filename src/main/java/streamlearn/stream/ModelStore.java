package streamlearn.stream;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * The models of a task: live objects in memory, persisted to a logged key-value store once per
 * commit rather than once per record.
 *
 * <p>Why: a model's state is kilobytes (the default spec's weights, weight average and Adam
 * moments are about 40 KB). Writing it on every record, even into Kafka Streams' record cache,
 * serialises it on every record (the metered layer serialises on put), which alone costs more
 * than the learning step. Exactly-once only needs the store to hold, at each commit, the model
 * that matches the committed input offsets. Kafka Streams flushes caching stores right before
 * it commits a task (including the commits of a rebalance and of a clean shutdown), inside the
 * same transaction; by taking part in that flush as a {@link CachedStateStore}, this store writes
 * each model that changed since the last commit exactly once per commit, and the changelog record
 * lands in the same transaction as the offsets of the readings that produced it.
 *
 * <p>A model is stored as two records (see {@link ModelState}): under its id's UTF-8 bytes the
 * model, and under the same bytes followed by {@link #PROGRESS_SUFFIX} its progress. 0xFF never
 * occurs in UTF-8, so no model id can name another's progress record. A commit writes a part only
 * when it changed: an unlabeled reading rewrites the small progress record, not the model.
 *
 * <p>{@link CachedStateStore} is a Kafka Streams internal interface: it is the only pre-commit
 * hook a store gets. The integration tests (crash, restart, rebalance) pin the behaviour this
 * relies on, so an upgrade that changes it fails them rather than silently losing updates.
 *
 * <p>On a dirty close (crash, fencing) the live models are dropped with the store, and the task
 * restarts from the changelog: uncommitted updates vanish together with their uncommitted
 * predictions and offsets.
 */
final class ModelStore implements StateStore, CachedStateStore<Bytes, byte[]> {
    static final byte PROGRESS_SUFFIX = (byte) 0xFF;

    private final KeyValueStore<Bytes, byte[]> changelogged;
    private final Map<String, ModelState> live = new HashMap<>();
    private final Set<String> dirty = new HashSet<>();

    ModelStore(KeyValueStore<Bytes, byte[]> changelogged) {
        this.changelogged = changelogged;
    }

    /**
     * The live state for a model key, restored from the store on first use; null if none.
     *
     * @throws Unreadable when the stored state cannot be read
     */
    ModelState get(String key) {
        ModelState state = live.get(key);
        if (state == null) {
            byte[] model = changelogged.get(modelKey(key));
            if (model != null) {
                state = load(key, model, changelogged.get(progressKey(key)));
            }
        }
        return state;
    }

    /** A stored model that cannot be read (corrupt, or from a format this build does not know). */
    static final class Unreadable extends RuntimeException {
        final String modelId;

        Unreadable(String modelId, RuntimeException cause) {
            super("model '" + modelId + "': its stored state cannot be read (" + cause.getMessage() + ")", cause);
            this.modelId = modelId;
        }
    }

    /**
     * Brings every model of the task into memory. Called when the learner starts on a task, so
     * that a model whose last changes were not yet published (a restart, a migration to this
     * instance) is published on the snapshot schedule even if no reading for it comes again.
     * A model that cannot be read stays out, and is returned.
     */
    java.util.List<Unreadable> loadAll() {
        Map<String, byte[]> models = new HashMap<>();
        Map<String, byte[]> progress = new HashMap<>();
        try (KeyValueIterator<Bytes, byte[]> all = changelogged.all()) {
            while (all.hasNext()) {
                KeyValue<Bytes, byte[]> entry = all.next();
                byte[] key = entry.key.get();
                if (key.length > 0 && key[key.length - 1] == PROGRESS_SUFFIX) {
                    progress.put(new String(key, 0, key.length - 1, StandardCharsets.UTF_8), entry.value);
                } else {
                    models.put(new String(key, StandardCharsets.UTF_8), entry.value);
                }
            }
        }
        java.util.List<Unreadable> unreadable = new java.util.ArrayList<>();
        models.forEach((id, model) -> {
            if (!live.containsKey(id)) {
                try {
                    load(id, model, progress.get(id));
                } catch (Unreadable e) {
                    unreadable.add(e);
                }
            }
        });
        return unreadable;
    }

    private ModelState load(String key, byte[] model, byte[] progress) {
        ModelState state;
        try {
            state = ModelState.fromStore(key, model, progress);
        } catch (RuntimeException e) {
            throw new Unreadable(key, e);
        }
        live.put(key, state);
        if (state.modelChanged() || state.progressChanged()) {
            dirty.add(key);
        }
        return state;
    }

    void add(String key, ModelState state) {
        live.put(key, state);
        dirty.add(key);
    }

    /** The model may have changed: what did is written to the store at the next commit. */
    void markDirty(String key) {
        dirty.add(key);
    }

    /** The models this task has in memory (the ones that can have changed). */
    Iterable<ModelState> liveModels() {
        return live.values();
    }

    @Override
    public void flushCache() {
        for (String key : dirty) {
            ModelState state = live.get(key);
            if (state.modelChanged()) {
                changelogged.put(modelKey(key), state.modelBytes());
            }
            if (state.progressChanged()) {
                changelogged.put(progressKey(key), state.progressBytes());
            }
            state.written();
        }
        dirty.clear();
    }

    static Bytes modelKey(String id) {
        return Bytes.wrap(id.getBytes(StandardCharsets.UTF_8));
    }

    static Bytes progressKey(String id) {
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        byte[] key = Arrays.copyOf(utf8, utf8.length + 1);
        key[utf8.length] = PROGRESS_SUFFIX;
        return Bytes.wrap(key);
    }

    @Override
    public void clearCache() {
        live.clear();
        dirty.clear();
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Bytes, byte[]> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public String name() {
        return changelogged.name();
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        live.clear();
        dirty.clear();
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
        dirty.clear();
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
