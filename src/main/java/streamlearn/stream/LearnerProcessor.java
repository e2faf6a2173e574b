package streamlearn.stream;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import streamlearn.model.ModelSnapshot;
import streamlearn.model.PredictionJson;
import streamlearn.model.Reading;
import streamlearn.model.StepResult;

/**
 * Steps 3 to 5 of the topology, per reading: find the reading's model (created from the spec
 * the first time its key is seen), predict and emit the prediction, then train on a labeled
 * reading; close the model's metrics window when the reading's event time has moved past it;
 * and, on a wall-clock schedule, publish a snapshot of every model that changed.
 */
final class LearnerProcessor implements Processor<String, Reading, String, byte[]> {
    private final LearnerSettings settings;
    private final LearnerMetrics metrics;
    private final long windowMs;
    private ProcessorContext<String, byte[]> context;
    private ModelStore store;
    private PredictionJson predictions;

    LearnerProcessor(LearnerSettings settings, LearnerMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        this.windowMs = settings.metricsWindow().toMillis();
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(LearnerTopology.MODEL_STORE);
        store.loadAll();
        this.predictions = new PredictionJson(settings.spec());
        Duration interval = settings.snapshotInterval();
        context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::publishSnapshots);
    }

    @Override
    public void process(Record<String, Reading> record) {
        String key = record.key();
        Reading reading = record.value();
        ModelState state = store.get(key);
        if (state == null) {
            state = ModelState.create(key, settings.spec());
            store.add(key, state);
        }
        if (state.meters == null) {
            state.meters = metrics.forModel(key);
        }
        rollWindow(state, reading.timestamp());

        long started = System.nanoTime();
        StepResult result = state.model.step(reading);
        metrics.update().record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);

        state.window.add(result, state.model.modelVersion());
        // Every reading changes the open window, and a labeled one the model: both are written
        // to the store at the next commit (once per commit, however many readings).
        store.markDirty(key);

        context.forward(new Record<>(reading.sensorId(), predictions.write(key, reading, result), record.timestamp()),
                LearnerTopology.PREDICTIONS_SINK);

        LearnerMetrics.ModelMeters meters = state.meters;
        meters.outcomes[result.outcome().ordinal()].increment();
        if (meters.predictions.length > 0) {
            meters.predictions[result.predicted()].increment();
        }
        meters.modelVersion = state.model.modelVersion();
        meters.lag(System.currentTimeMillis() - reading.timestamp());
    }

    /** Tumbling event-time windows; a late reading counts in the open window. */
    private void rollWindow(ModelState state, long timestamp) {
        long start = Math.floorDiv(timestamp, windowMs) * windowMs;
        if (state.windowStart < 0) {
            state.windowStart = start;
        } else if (start > state.windowStart) {
            emitWindow(state);
            state.windowStart = start;
        }
    }

    private void emitWindow(ModelState state) {
        if (state.window.records() > 0) {
            long end = state.windowStart + windowMs;
            context.forward(new Record<>(state.modelId, state.window.toWindowJson(state.modelId, state.windowStart, end), end),
                    LearnerTopology.METRICS_SINK);
            state.meters.loss = state.window.meanLoss();
            state.meters.accuracy = state.window.accuracy();
        }
        state.window.reset();
    }

    private void publishSnapshots(long now) {
        for (ModelState state : store.liveModels()) {
            long version = state.model.modelVersion();
            if (version != state.snapshotVersion) {
                byte[] json = ModelSnapshot.toJsonString(state.model).getBytes(StandardCharsets.UTF_8);
                context.forward(new Record<>(state.modelId, json, now), LearnerTopology.MODELS_SINK);
                state.snapshotVersion = version;
                store.markDirty(state.modelId);
            }
        }
    }
}
