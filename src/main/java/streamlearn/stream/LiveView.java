package streamlearn.stream;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import streamlearn.model.ModelSpec;
import streamlearn.model.Reading;

/**
 * What the HTTP endpoint of an instance may see of its learner, from its own threads: the tasks
 * running here (by partition of the model store), the models in memory (published by each task's
 * {@link ModelStore} as they enter and leave its cache), and the models' summaries. The stream
 * threads own the models; this view only ever reads one under its lock ({@link ModelState#predict}),
 * or reads a model that is not in memory from its store ({@link ModelStore#readCommitted}).
 */
public final class LiveView {
    /** What {@link #predict} found. */
    public enum Found {
        /** The model answered. */
        PREDICTED,
        /** The task of the model's partition runs here, and it holds no such model. */
        UNKNOWN_MODEL,
        /** The task of the model's partition does not run here (now): moving, restoring, or elsewhere. */
        NOT_RUNNING_HERE
    }

    /** A prediction's JSON (the predictions topic's value), or why there is none. */
    public record Prediction(Found found, byte[] json) {
    }

    private final ModelSpec spec;
    private final Map<String, ModelState> served = new ConcurrentHashMap<>();
    private final Map<Integer, ModelStore> tasks = new ConcurrentHashMap<>();
    private final ModelSummaries summaries;
    /** Each HTTP thread's prediction buffers, by model spec ({@link ModelState#predict}): none is allocated per request. */
    private final ThreadLocal<Map<ModelSpec, ModelState.PredictBuffers>> buffers = ThreadLocal.withInitial(HashMap::new);

    public LiveView(ModelSpec spec) {
        this.spec = spec;
        this.summaries = new ModelSummaries(spec.classes());
    }

    public ModelSummaries summaries() {
        return summaries;
    }

    /**
     * What the model {@code modelId}, of the task of {@code partition}, would predict for {@code
     * reading} (parsed for the configured spec, its timestamp set) now; nothing changes. A model not
     * in memory is read from its store for this request only.
     */
    public Prediction predict(int partition, String modelId, Reading reading) {
        ModelStore store = tasks.get(partition);
        if (store == null) {
            return new Prediction(Found.NOT_RUNNING_HERE, null);
        }
        ModelState state = served.get(modelId);
        if (state == null) {
            try {
                state = store.readCommitted(modelId);
            } catch (RuntimeException e) {
                if (tasks.get(partition) != store) {
                    // The store closed under the read: the task left.
                    return new Prediction(Found.NOT_RUNNING_HERE, null);
                }
                throw e;
            }
            if (state == null) {
                return new Prediction(tasks.get(partition) == store ? Found.UNKNOWN_MODEL : Found.NOT_RUNNING_HERE, null);
            }
            state.serve(spec);
        }
        return new Prediction(Found.PREDICTED, state.predict(reading, buffers.get()));
    }

    /** Whether the task of {@code partition} runs here now. */
    public boolean running(int partition) {
        return tasks.containsKey(partition);
    }

    /** The partitions whose tasks run here now. */
    public List<Integer> runningPartitions() {
        return List.copyOf(tasks.keySet());
    }

    /** Models in memory on this instance now. */
    public int modelsInMemory() {
        return served.size();
    }

    void entered(ModelState state) {
        served.put(state.modelId(), state);
    }

    void left(ModelState state) {
        served.remove(state.modelId(), state);
    }

    void taskRunning(int partition, ModelStore store) {
        store.attach(this);
        tasks.put(partition, store);
    }

    void taskClosed(int partition, ModelStore store) {
        if (tasks.remove(partition, store)) {
            summaries.dropPartition(partition);
        }
        store.attach(null);
    }
}
