package streamlearn.stream;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import streamlearn.format.ModelSnapshot;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;

/**
 * A model as a checkpoint plus the inputs it took since, in a logged key-value store
 * ({@link ModelKeys}). The learner is deterministic, so the checkpoint and those inputs, taken
 * again in order ({@link ModelInputs}), give back the model bit for bit: the full state is written
 * only every {@code checkpointEvery} inputs, at an input count staggered per model so that models
 * fed in lockstep do not all write theirs in one commit, and a small record per input in between.
 * Reading a model back replays at most that many inputs, whatever its age.
 *
 * <p>A model with no checkpoint yet replays from the new model it started as, kept once per store.
 * When the new model changes (the spec, or model.init.snapshot), the models without a checkpoint
 * write theirs first, as they are: so a changed spec meets each stored model under the spec it
 * learned with ({@code model.on.spec.change}), however young.
 */
final class ModelLog {
    private static final Logger LOG = LoggerFactory.getLogger(ModelLog.class);
    private static final byte[] EMPTY = new byte[0];
    private final KeyValueStore<Bytes, byte[]> store;
    private final Supplier<OnlineModel> newModel;
    private final int checkpointEvery;
    private final ModelInputs inputs;
    /** Whether the stored new model is this log's {@code newModel}: checked once per opening. */
    private boolean newModelStored;

    ModelLog(KeyValueStore<Bytes, byte[]> store, ModelSpec spec, Supplier<OnlineModel> newModel, int checkpointEvery) {
        if (checkpointEvery < 1 || checkpointEvery > 65_536) {
            throw new IllegalArgumentException("checkpoint every " + checkpointEvery + " inputs: must be 1 to 65536");
        }
        this.store = store;
        this.newModel = newModel;
        this.checkpointEvery = checkpointEvery;
        this.inputs = new ModelInputs(spec);
    }

    ModelInputs inputs() {
        return inputs;
    }

    /** A new model's state; the first one of an opening makes the new model the stored one. */
    ModelState create(String id, Function<String, ModelState> live) {
        if (!newModelStored) {
            storeNewModel(live);
        }
        return ModelState.create(id, newModel.get());
    }

    /**
     * True when the input just taken is the model's turn for a checkpoint, which makes its log so
     * far stale: every {@code checkpointEvery} inputs, offset by a hash of the model id.
     */
    boolean turn(ModelState state) {
        return Math.floorMod(state.inputs() + state.modelId().hashCode(), checkpointEvery) == 0;
    }

    /** Writes the model's whole state; returns its size. */
    int writeCheckpoint(ModelState state) {
        byte[] checkpoint = state.checkpointBytes();
        store.put(ModelKeys.checkpoint(state.modelId()), checkpoint);
        return checkpoint.length;
    }

    /** Logs an input record, the model's input number {@code count}. */
    void logInput(String id, long count, byte[] record) {
        store.put(ModelKeys.input(id, (int) (count % checkpointEvery)), record);
    }

    /**
     * Removes the logged inputs of {@code id} counted after {@code count}: those of a model this
     * one replaced without continuing its count (one that could not be read, started afresh),
     * which would otherwise read as this one's next inputs.
     */
    void dropInputsAfter(String id, long count) {
        List<Bytes> stale = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> range = store.range(ModelKeys.input(id, 0), ModelKeys.input(id, 0xFFFF))) {
            while (range.hasNext()) {
                KeyValue<Bytes, byte[]> input = range.next();
                if (input.value.length < 1 + Long.BYTES || ModelInputs.count(input.value) > count) {
                    stale.add(input.key);
                }
            }
        }
        for (Bytes key : stale) {
            store.put(key, null);
        }
    }

    /**
     * The model {@code id}: its checkpoint (or the new model it started as) and the inputs logged
     * after it, taken again in order; null when none is stored.
     *
     * @throws Models.Unreadable when the stored state cannot be read
     */
    ModelState read(String id) {
        try {
            return readStored(id);
        } catch (RuntimeException e) {
            throw new Models.Unreadable(id, e);
        }
    }

    private ModelState readStored(String id) {
        byte[] checkpoint = store.get(ModelKeys.checkpoint(id));
        List<byte[]> logged = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> range = store.range(ModelKeys.input(id, 0), ModelKeys.input(id, 0xFFFF))) {
            while (range.hasNext()) {
                logged.add(range.next().value);
            }
        }
        if (checkpoint == null && logged.isEmpty()) {
            return null;
        }
        ModelState state;
        if (checkpoint != null) {
            state = ModelState.fromCheckpoint(id, checkpoint);
        } else {
            byte[] startedAs = store.get(ModelKeys.NEW_MODEL);
            if (startedAs == null) {
                throw new IllegalStateException("logged inputs without a checkpoint or the new model they started from");
            }
            state = ModelState.create(id, ModelSnapshot.fromBytes(startedAs));
        }
        long from = state.inputs();
        logged.removeIf(record -> ModelInputs.count(record) <= from);
        logged.sort(Comparator.comparingLong(ModelInputs::count));
        for (byte[] record : logged) {
            if (ModelInputs.count(record) != state.inputs() + 1) {
                throw new IllegalStateException("input " + (state.inputs() + 1) + " is missing from the store (next logged: "
                        + ModelInputs.count(record) + ")");
            }
            inputs.apply(record, state);
        }
        return state;
    }

    /**
     * Makes this log's new model the stored one, once per opening: first the models without a
     * checkpoint, started from the stored one, write theirs ({@code live}: a model's state in memory, or null).
     */
    private void storeNewModel(Function<String, ModelState> live) {
        byte[] current = ModelSnapshot.toBytes(newModel.get());
        byte[] stored = store.get(ModelKeys.NEW_MODEL);
        if (stored != null && !Arrays.equals(stored, current)) {
            List<String> young = withoutCheckpoint();
            for (String id : young) {
                ModelState state = live.apply(id);
                try {
                    state = state != null ? state : readStored(id);
                } catch (RuntimeException e) {
                    // Said and handled (model.on.spec.change) when its sensor sends: it cannot be read either way.
                    LOG.warn("Store {}: model '{}' has no checkpoint and cannot be read ({})", store.name(), id, e.toString());
                    continue;
                }
                writeCheckpoint(state);
            }
            if (!young.isEmpty()) {
                LOG.info("Store {}: the new model changed (spec or model.init.snapshot); {} models without a "
                        + "checkpoint were checkpointed as they are, under the one they started as", store.name(), young.size());
            }
        }
        if (!Arrays.equals(stored, current)) {
            store.put(ModelKeys.NEW_MODEL, current);
        }
        newModelStored = true;
    }

    /** Ids of the models with logged inputs and no checkpoint, in key order: one pass over the store. */
    private List<String> withoutCheckpoint() {
        Set<String> checkpointed = new HashSet<>();
        Set<String> logged = new TreeSet<>();
        try (KeyValueIterator<Bytes, byte[]> all = store.all()) {
            while (all.hasNext()) {
                byte[] key = all.next().key.get();
                String owner;
                if (ModelKeys.isCheckpoint(key)) {
                    checkpointed.add(ModelKeys.id(key));
                } else if ((owner = ModelKeys.inputOwner(key)) != null) {
                    logged.add(owner);
                }
            }
        }
        logged.removeAll(checkpointed);
        return new ArrayList<>(logged);
    }

    /** Up to {@code limit} ids of models stored with a checkpoint, in key order. */
    List<String> storedModels(int limit) {
        List<String> ids = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> all = store.all()) {
            while (all.hasNext() && ids.size() < limit) {
                byte[] key = all.next().key.get();
                if (ModelKeys.isCheckpoint(key)) {
                    ids.add(ModelKeys.id(key));
                }
            }
        }
        return ids;
    }

    /** The model has changes to publish: marked, so that a restart finds it without reading any model. */
    void markUnpublished(String id) {
        store.put(ModelKeys.unpublished(id), EMPTY);
    }

    void markPublished(String id) {
        store.put(ModelKeys.unpublished(id), null);
    }

    /** The models marked unpublished, in key order. */
    List<String> unpublished() {
        List<String> out = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> marked = store.range(ModelKeys.UNPUBLISHED_FROM, ModelKeys.UNPUBLISHED_TO)) {
            while (marked.hasNext()) {
                String id = ModelKeys.unpublishedOwner(marked.next().key.get());
                if (id != null) {
                    out.add(id);
                }
            }
        }
        return out;
    }

    /** A new opening of the store (a task assigned, restored from the changelog): the new model is checked again. */
    void reopened() {
        newModelStored = false;
    }
}
