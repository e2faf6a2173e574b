package streamlearn.stream;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import streamlearn.format.ModelEventJson;
import streamlearn.format.PredictionJson;
import streamlearn.model.DriftEvent;
import streamlearn.model.Reading;
import streamlearn.model.StepResult;

/**
 * Steps 3 to 5 of the topology, per reading: find the reading's model (created from the spec
 * the first time its key is seen), predict and emit the prediction, then train on a labeled
 * reading; close the model's metrics window when the reading's event time has moved past it;
 * when the reading's error revealed a drift, send a {@code drift} event; and, on a wall-clock
 * schedule, publish a snapshot of every model that changed.
 *
 * <p>Everything a reading produces (prediction, closed window, drift event) is forwarded while
 * it is processed, so it goes out in the transaction that commits the reading's offset and the
 * model it changed: after a crash the reading is processed again by the model as it was, and
 * its outputs appear once.
 */
final class LearnerProcessor implements Processor<String, Reading, String, byte[]> {
    private static final Logger LOG = LoggerFactory.getLogger(LearnerProcessor.class);
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
        LearnerMetrics.ModelMeters meters = metrics.forModel(key);
        ModelState.ClosedWindow closed = state.advanceWindow(reading.timestamp(), windowMs);
        if (closed != null) {
            context.forward(new Record<>(key, closed.json(), closed.end()), LearnerTopology.METRICS_SINK);
            meters.windowClosed(closed.meanLoss(), closed.accuracy());
        }

        long started = System.nanoTime();
        StepResult result = state.learn(reading);
        metrics.update().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        // Written to the store at the next commit, once however many readings came before it.
        store.markDirty(key);

        context.forward(new Record<>(reading.sensorId(), predictions.write(key, reading, result), record.timestamp()),
                LearnerTopology.PREDICTIONS_SINK);
        meters.counted(result, state.model().modelVersion(), System.currentTimeMillis() - reading.timestamp());
        DriftEvent drift = result.drift();
        if (drift != null) {
            long at = reading.timestamp();
            context.forward(new Record<>(key, ModelEventJson.drift(key, at, drift), at), LearnerTopology.EVENTS_SINK);
            meters.drifted();
            LOG.info("Drift in model {}: error {} -> {} over the last {} readings ({}, delta {}); at model version {}: {}",
                    key, String.format("%.4f", drift.errorBefore()), String.format("%.4f", drift.errorAfter()),
                    drift.recentReadings(), drift.detector(), drift.delta(), drift.modelVersion(),
                    drift.actions().isEmpty() ? "no action" : String.join(", ", drift.actions()));
        }
    }

    private void publishSnapshots(long now) {
        for (ModelState state : store.liveModels()) {
            byte[] snapshot = state.snapshotIfChanged();
            if (snapshot != null) {
                context.forward(new Record<>(state.modelId(), snapshot, now), LearnerTopology.MODELS_SINK);
                store.markDirty(state.modelId());
            }
        }
    }
}
