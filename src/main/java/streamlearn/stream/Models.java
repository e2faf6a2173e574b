package streamlearn.stream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import streamlearn.model.LateLabel;
import streamlearn.model.OnlineModel;
import streamlearn.model.PendingReading;
import streamlearn.model.Reading;

/**
 * Where the {@link Learner} keeps its models: in the stream, the task's {@link ModelStore}, which
 * logs each input so that the committed state survives a crash; in {@code replay}, memory
 * ({@link #inMemory}), where nothing needs to survive the run.
 */
interface Models {
    /** The model in memory, or null: a model that is not has to be {@link #load}ed. */
    ModelState cached(String id);

    /**
     * The stored model, read back and kept in memory; null when none is stored.
     *
     * @throws Unreadable when the stored state cannot be read
     */
    ModelState load(String id);

    /** The model without keeping it in memory: the one in memory, or one read for this use only. Null if none. */
    ModelState peek(String id);

    /** A new model, kept in memory; nothing is stored until it takes an input. */
    ModelState create(String id);

    /** Writes {@code state}'s whole state now and keeps it in memory: a change no input leads to (a restore, a reset). */
    void checkpoint(ModelState state);

    /** The reading {@code state} just took (window advanced, then the step), in the model's own terms. */
    void tookReading(ModelState state, long windowMs, Reading served);

    /** The late label {@code state} just took for {@code matched}, in the model's own terms. */
    void tookLateLabel(ModelState state, PendingReading matched, LateLabel label);

    /** {@code state}'s open window was just closed by the wall clock. */
    void closedWindow(ModelState state, long windowMs);

    /** {@code state} just published its snapshot. */
    void published(ModelState state);

    /** The model has changes to publish (so that a restart publishes them). */
    void markUnpublished(String id);

    /** The models in memory now, least recently used first. */
    List<ModelState> liveModels();

    /** Up to {@code limit} ids of stored models, in key order. */
    List<String> storedModels(int limit);

    /** The stored models marked unpublished. */
    List<String> unpublished();

    /** Told of each model that leaves memory (it is read back when needed again). */
    void onEviction(Consumer<ModelState> listener);

    /** A stored model that cannot be read (corrupt, or a format this build does not know). */
    final class Unreadable extends RuntimeException {
        final String modelId;

        Unreadable(String modelId, RuntimeException cause) {
            super("model '" + modelId + "': its stored state cannot be read (" + cause.getMessage() + ")", cause);
            this.modelId = modelId;
        }
    }

    /** Models in memory only, each started as {@code newModel}: replay's. */
    static Models inMemory(Supplier<OnlineModel> newModel) {
        Map<String, ModelState> models = new HashMap<>();
        return new Models() {
            @Override
            public ModelState cached(String id) {
                return models.get(id);
            }

            @Override
            public ModelState load(String id) {
                return null;
            }

            @Override
            public ModelState peek(String id) {
                return models.get(id);
            }

            @Override
            public ModelState create(String id) {
                ModelState state = ModelState.create(id, newModel.get());
                models.put(id, state);
                return state;
            }

            @Override
            public void checkpoint(ModelState state) {
                models.put(state.modelId(), state);
            }

            @Override
            public void tookReading(ModelState state, long windowMs, Reading served) {
            }

            @Override
            public void tookLateLabel(ModelState state, PendingReading matched, LateLabel label) {
            }

            @Override
            public void closedWindow(ModelState state, long windowMs) {
            }

            @Override
            public void published(ModelState state) {
            }

            @Override
            public void markUnpublished(String id) {
            }

            @Override
            public List<ModelState> liveModels() {
                return new ArrayList<>(models.values());
            }

            @Override
            public List<String> storedModels(int limit) {
                return List.of();
            }

            @Override
            public List<String> unpublished() {
                return List.of();
            }

            @Override
            public void onEviction(Consumer<ModelState> listener) {
            }
        };
    }
}
