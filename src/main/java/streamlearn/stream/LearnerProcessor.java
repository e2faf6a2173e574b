package streamlearn.stream;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import streamlearn.format.ModelEventJson;
import streamlearn.format.PredictionJson;
import streamlearn.model.DriftEvent;
import streamlearn.model.LateLabel;
import streamlearn.model.PendingReading;
import streamlearn.model.PendingReadings;
import streamlearn.model.Reading;
import streamlearn.model.RejectReason;
import streamlearn.model.StepResult;

/**
 * Steps 3 to 5 of the topology, per reading: find the reading's model (created from the spec
 * the first time its key is seen), predict and emit the prediction, then train on a labeled
 * reading, or keep an unlabeled one waiting for its late label; close the model's metrics window
 * when the reading's event time has moved past it; when the reading's error revealed a drift,
 * send a {@code drift} event; and publish the snapshot of each model that changed, one
 * {@code snapshot.interval} (wall clock) after its first change since its last snapshot, spread
 * over the interval ({@link SnapshotSchedule}).
 *
 * <p>Per late label (the labels arrive merged with the readings, so both go through this one
 * processor, which owns the task's models and waiting readings): find the reading it names, score
 * the prediction made then and take the step ({@link streamlearn.model.OnlineModel#learnLate}), in
 * the open metrics window; a label that finds nothing goes to the dead-letter topic as
 * {@code unmatched_label}. Waiting readings expire on a stream-time schedule, and at lookup.
 *
 * <p>Everything a record produces (prediction, closed window, drift event) is forwarded while
 * it is processed, so it goes out in the transaction that commits the record's offset and the
 * model and waiting readings it changed: after a crash the record is processed again by the
 * state as it was, and its outputs appear once.
 */
final class LearnerProcessor implements Processor<String, Object, String, byte[]> {
    private static final Logger LOG = LoggerFactory.getLogger(LearnerProcessor.class);
    /** How often (stream time, at most) expired readings are swept; a label never matches one anyway. */
    private static final Duration EXPIRY_SWEEP = Duration.ofSeconds(10);
    /** How often due snapshots are published, at most: each tick publishes its share. */
    private static final Duration SNAPSHOT_TICK = Duration.ofSeconds(1);
    private final LearnerSettings settings;
    private final LearnerMetrics metrics;
    private final long windowMs;
    private ProcessorContext<String, byte[]> context;
    private ModelStore store;
    private PendingReadings pending;
    private PendingReading waiting;
    private PredictionJson predictions;
    private SnapshotSchedule snapshots;

    LearnerProcessor(LearnerSettings settings, LearnerMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        this.windowMs = settings.metricsWindow().toMillis();
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(LearnerTopology.MODEL_STORE);
        store.evictAll();
        KeyValueStore<Bytes, byte[]> waitingStore = context.getStateStore(LearnerTopology.PENDING_STORE);
        this.pending = new PendingReadings(settings.spec(), new KeyValueStorage(waitingStore),
                settings.labelMaxDelay().toMillis(), settings.labelMaxPending(), this::dropped);
        pending.open();
        this.waiting = new PendingReading(settings.spec());
        this.predictions = new PredictionJson(settings.spec());
        Duration interval = settings.snapshotInterval();
        Duration tick = interval.compareTo(SNAPSHOT_TICK) < 0 ? interval : SNAPSHOT_TICK;
        this.snapshots = new SnapshotSchedule(interval.toMillis(), tick.toMillis());
        // A model whose last changes were not yet published (a crash, a move to this instance)
        // is published on schedule even if no reading for it comes again.
        snapshots.restored(store.unpublished(), context.currentSystemTimeMs());
        context.schedule(tick, PunctuationType.WALL_CLOCK_TIME, this::publishSnapshots);
        if (pending.enabled()) {
            Duration sweep = settings.labelMaxDelay().compareTo(EXPIRY_SWEEP) < 0 ? settings.labelMaxDelay() : EXPIRY_SWEEP;
            context.schedule(sweep, PunctuationType.STREAM_TIME, pending::expire);
        }
    }

    @Override
    public void process(Record<String, Object> record) {
        if (record.value() instanceof Reading reading) {
            processReading(record, reading);
        } else {
            processLabel(record, (LateLabel) record.value());
        }
    }

    private void processReading(Record<String, Object> record, Reading reading) {
        String key = record.key();
        long loads = store.loads();
        ModelState state = store.get(key);
        if (state == null) {
            state = store.create(key);
        }
        if (store.loads() != loads) {
            metrics.loads().increment();
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
        store.tookReading(state, windowMs, reading);
        changed(state);

        context.forward(new Record<>(reading.sensorId(), predictions.write(key, reading, result), record.timestamp()),
                LearnerTopology.PREDICTIONS_SINK);
        meters.counted(result, state.model().modelVersion(), System.currentTimeMillis() - reading.timestamp());
        if (!result.labeled() && pending.enabled()) {
            pending.remember(key, reading, result, record.timestamp());
            meters.waiting(pending.waiting(key));
        }
        drifted(key, result.drift(), reading.timestamp(), meters);
    }

    private void processLabel(Record<String, Object> record, LateLabel label) {
        String key = record.key();
        LearnerMetrics.ModelMeters meters = metrics.forModel(key);
        ModelState state = store.get(key);
        PendingReadings.Match match = state == null ? PendingReadings.Match.NOT_WAITING
                : pending.match(key, label, context.currentStreamTimeMs(), waiting);
        if (match != PendingReadings.Match.MATCHED) {
            meters.waiting(pending.waiting(key));
            meters.label(LearnerMetrics.LabelOutcome.UNMATCHED);
            throw new RejectedReadingException(RejectReason.UNMATCHED_LABEL, unmatched(key, label, match));
        }
        long started = System.nanoTime();
        StepResult result = state.learnLate(waiting, label);
        metrics.update().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        store.tookLateLabel(state, waiting, label);
        changed(state);
        meters.matched(result, state.model().modelVersion(), record.timestamp() - waiting.arrival());
        meters.waiting(pending.waiting(key));
        drifted(key, result.drift(), waiting.timestamp(), meters);
    }

    private static String unmatched(String model, LateLabel label, PendingReadings.Match match) {
        String reading = "reading " + (label.readingId() != null ? "'" + label.readingId() + "'"
                : "at " + label.timestamp()) + " of sensor '" + label.sensorId() + "' for model '" + model + "'";
        return match == PendingReadings.Match.EXPIRED
                ? "the " + reading + " waited longer than label.max.delay, and was dropped"
                : "no " + reading + " waits for a label (never seen, already labeled, labeled inline, or no longer waiting)";
    }

    /** A drift this record's error revealed: its event, counted and logged. */
    private void drifted(String key, DriftEvent drift, long at, LearnerMetrics.ModelMeters meters) {
        if (drift == null) {
            return;
        }
        context.forward(new Record<>(key, ModelEventJson.drift(key, at, drift), at), LearnerTopology.EVENTS_SINK);
        meters.drifted();
        LOG.info("Drift in model {}: error {} -> {} over the last {} readings ({}, delta {}); at model version {}: {}",
                key, String.format("%.4f", drift.errorBefore()), String.format("%.4f", drift.errorAfter()),
                drift.recentReadings(), drift.detector(), drift.delta(), drift.modelVersion(),
                drift.actions().isEmpty() ? "no action" : String.join(", ", drift.actions()));
    }

    private void dropped(String model, PendingReadings.Drop reason) {
        LearnerMetrics.ModelMeters meters = metrics.forModel(model);
        meters.dropped(reason);
        meters.waiting(pending.waiting(model));
    }

    /** The task leaves this thread, or becomes a standby: its models leave memory with it. */
    @Override
    public void close() {
        store.evictAll();
    }

    /** A model that took a step since its last snapshot waits for its next one (and a restart knows). */
    private void changed(ModelState state) {
        if (state.unpublished() && snapshots.changed(state.modelId(), context.currentSystemTimeMs())) {
            store.markUnpublished(state.modelId());
        }
    }

    private void publishSnapshots(long now) {
        for (String id : snapshots.take(now)) {
            // A model that left the cache is read back for its snapshot, and not cached again.
            ModelState state = store.peek(id);
            byte[] snapshot = state == null ? null : state.snapshotIfChanged();
            if (snapshot != null) {
                context.forward(new Record<>(id, snapshot, now), LearnerTopology.MODELS_SINK);
            }
            if (state != null) {
                store.published(state);
            }
        }
    }
}
