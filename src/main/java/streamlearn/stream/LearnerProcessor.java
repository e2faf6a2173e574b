package streamlearn.stream;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import streamlearn.format.ControlCommand;
import streamlearn.format.ModelEventJson;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.PredictionJson;
import streamlearn.model.DriftEvent;
import streamlearn.model.LateLabel;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.PendingReading;
import streamlearn.model.PendingReadings;
import streamlearn.model.Reading;
import streamlearn.model.RejectReason;
import streamlearn.model.SpecException;
import streamlearn.model.SpecMapping;
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
 * the open metrics window. A label that finds no waiting reading waits for it (issue 23: it may
 * have come first), and a reading whose label waits takes it before its step, as an inline label
 * ({@link PendingReadings#labelReading}); a waiting label whose reading does not come within
 * label.max.delay goes to the dead-letter topic as {@code unmatched_label} through this node's own
 * sink ({@link #labelDropped}), a label that cannot wait at once through the handler. Waiting
 * readings and labels expire on a stream-time schedule, and at lookup.
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
    /** Models that left the cache read back in one tick to close their quiet windows, at most. */
    static final int WINDOWS_READ_BACK_PER_TICK = 1_000;
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
    /** Prediction writers of models whose spec is not the configured one (kept, or restored under it). */
    private final java.util.Map<ModelSpec, PredictionJson> otherPredictions = new java.util.HashMap<>();
    /** Models to start afresh at the first record or punctuation (model.on.spec.change=reset): why. */
    private final java.util.Map<String, String> toReset = new java.util.LinkedHashMap<>();
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
        toReset.clear();
        // Models are read when first needed; the first stored one is held against the configured
        // spec now, so that a changed spec is said (or stops the learner) at start, not at the
        // first reading. The others are checked when read (see model()); a reset waits for the
        // first record or punctuation, as init may not send anything.
        long now = context.currentSystemTimeMs();
        for (String id : store.storedModels(1)) {
            try {
                ModelState state = store.get(id);
                state.readingSeenAt(now);
                checkSpec(state);
            } catch (ModelStore.Unreadable e) {
                if (settings.onSpecChange() != SpecChangePolicy.RESET) {
                    throw new LearnerStoppedException(e.getMessage() + "; model.on.spec.change=reset starts it afresh");
                }
                // Started afresh at the first record or punctuation: init may not send anything.
                toReset.put(e.modelId, "its stored state cannot be read: " + e.getCause().getMessage());
            }
        }
        KeyValueStore<Bytes, byte[]> waitingStore = context.getStateStore(LearnerTopology.PENDING_STORE);
        this.pending = new PendingReadings(settings.spec(), new KeyValueStorage(waitingStore),
                settings.labelMaxDelay().toMillis(), settings.labelMaxPending(), this::dropped, this::labelDropped);
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
        context.schedule(Duration.ofMillis(Math.max(100, windowMs / 10)), PunctuationType.WALL_CLOCK_TIME, this::closeQuietWindows);
        if (pending.enabled()) {
            Duration sweep = settings.labelMaxDelay().compareTo(EXPIRY_SWEEP) < 0 ? settings.labelMaxDelay() : EXPIRY_SWEEP;
            context.schedule(sweep, PunctuationType.STREAM_TIME, pending::expire);
        }
    }

    /**
     * A stored model whose spec is not the configured one: {@code model.on.spec.change} decides.
     * A model restored under the spec it kept is still the model it was: only a spec that differs
     * from the configured one counts.
     */
    private void checkSpec(ModelState state) {
        ModelSpec stored = state.model().spec();
        if (stored.equals(settings.spec())) {
            state.serve(settings.spec());
            return;
        }
        String id = state.modelId();
        String differences = SpecMapping.differences(stored, settings.spec());
        switch (settings.onSpecChange()) {
            case FAIL -> throw new LearnerStoppedException("model '" + id + "' was stored with another spec than the "
                    + "configured one (" + differences + "); model.on.spec.change=fail: set it to reset (start the model "
                    + "afresh) or keep (keep the stored spec)");
            case RESET -> toReset.put(id, differences);
            case KEEP -> {
                try {
                    state.serve(settings.spec());
                } catch (SpecException e) {
                    throw new LearnerStoppedException("model '" + id + "': model.on.spec.change=keep cannot serve the "
                            + "configured readings with its stored spec (" + e.getMessage() + "); set it to reset");
                }
                LOG.warn("Model {} keeps its stored spec, which differs from the configured one ({}); "
                        + "model.on.spec.change=keep: features and classes are matched by name", id, differences);
            }
        }
    }

    /**
     * The state of model {@code id}, or null for none. One read from the store (not in memory) is
     * held against the configured spec first ({@link #checkSpec}), and started afresh here when
     * it must be (at: the event time of its spec_changed event).
     */
    private ModelState model(String id, long at) {
        long loads = store.loads();
        ModelState state;
        try {
            state = store.get(id);
        } catch (ModelStore.Unreadable e) {
            if (settings.onSpecChange() != SpecChangePolicy.RESET) {
                throw new LearnerStoppedException(e.getMessage() + "; model.on.spec.change=reset starts it afresh");
            }
            toReset.put(e.modelId, "its stored state cannot be read: " + e.getCause().getMessage());
            resetChangedModels(at);
            return store.get(id);
        }
        if (state != null && store.loads() != loads) {
            metrics.loads().increment();
            state.readingSeenAt(context.currentSystemTimeMs());
            checkSpec(state);
            if (!toReset.isEmpty()) {
                resetChangedModels(at);
                state = store.get(id);
            }
        }
        return state;
    }

    /** Starts the models {@link #checkSpec} found changed afresh: each a spec_changed event. */
    private void resetChangedModels(long at) {
        for (var e : toReset.entrySet()) {
            String id = e.getKey();
            ModelState old;
            try {
                old = store.get(id);
            } catch (ModelStore.Unreadable unreadable) {
                old = null;
            }
            long previous = -1;
            if (old != null) {
                previous = old.model().modelVersion();
                // The old model's last state goes out as a snapshot first, so it can be restored.
                context.forward(new Record<>(id, ModelSnapshot.toJsonString(old.model()).getBytes(StandardCharsets.UTF_8), at),
                        LearnerTopology.MODELS_SINK);
            }
            ModelState state = replaced(id, old, settings.newModel());
            // Waiting readings were read for the old spec: their features may not mean what they did.
            pending.forget(id);
            metrics.forModel(id).waiting(pending.waiting(id));
            event(id, ModelEventJson.SPEC_CHANGED, at, state.model().modelVersion(), previous, e.getValue());
            LOG.warn("Model {} was stored with another spec ({}); model.on.spec.change=reset: started afresh from the "
                    + "configured spec; its last state (model version {}) is on {}", id, e.getValue(), previous,
                    settings.topics().models());
        }
        toReset.clear();
    }

    /** {@code next} in place of the model {@code id} ({@code old}: its state, or null for none). */
    private ModelState replaced(String id, ModelState old, OnlineModel next) {
        ModelState state = old;
        if (state == null) {
            state = ModelState.create(id, next);
            state.serve(settings.spec());
            state.readingSeenAt(context.currentSystemTimeMs());
        } else {
            state.replace(next, settings.spec());
        }
        // No logged input leads to the new model: its whole state is written now.
        store.checkpoint(state);
        changed(state);
        metrics.forModel(id).modelVersion = next.modelVersion();
        return state;
    }

    private void event(String id, String type, long at, long modelVersion, long previous, String differences) {
        context.forward(new Record<>(id, ModelEventJson.replaced(id, type, at, modelVersion, previous, differences), at),
                LearnerTopology.EVENTS_SINK);
        metrics.modelEvent(id, type);
    }

    @Override
    public void process(Record<String, Object> record) {
        if (!toReset.isEmpty()) {
            resetChangedModels(record.timestamp());
        }
        if (record.value() instanceof Reading reading) {
            processReading(record, reading);
        } else if (record.value() instanceof LateLabel label) {
            processLabel(record, label);
        } else {
            processCommand(record, (ControlCommand) record.value());
        }
    }

    /**
     * A control command, in order with the readings: applied to the model in this task's store,
     * so it is committed with the offsets of the command, exactly once. Waiting readings stay: a
     * label that comes trains the model in place then (their features mean what they did; the
     * prediction scored is the one made then).
     */
    private void processCommand(Record<String, Object> record, ControlCommand command) {
        String id = record.key();
        ModelState state = model(id, record.timestamp());
        long previous = state == null ? -1 : state.model().modelVersion();
        if (command.kind() == ControlCommand.Kind.RESET) {
            if (state == null) {
                throw new RejectedReadingException(RejectReason.INVALID_COMMAND, "no model '" + id + "' to reset on this task");
            }
            state = replaced(id, state, OnlineModel.create(settings.spec()));
            event(id, ModelEventJson.RESET, record.timestamp(), state.model().modelVersion(), previous, null);
            LOG.info("Model {} reset by a control command: model version {} -> {}", id, previous, state.model().modelVersion());
            return;
        }
        OnlineModel snapshot = command.snapshot();
        ModelSpec spec = snapshot.spec();
        if (!spec.equals(settings.spec()) && (state == null || !spec.equals(state.model().spec()))) {
            throw new RejectedReadingException(RejectReason.INVALID_SNAPSHOT, "the snapshot's spec is not the configured "
                    + "one (" + SpecMapping.differences(spec, settings.spec()) + "): model '" + id + "' keeps its model");
        }
        state = replaced(id, state, snapshot);
        event(id, ModelEventJson.RESTORED, record.timestamp(), snapshot.modelVersion(), previous, null);
        LOG.info("Model {} restored from a snapshot by a control command: model version {} -> {}", id, previous,
                snapshot.modelVersion());
    }

    /** A valid record the learner failed on: counted, logged with its model, and dead-lettered. */
    private LearnerFailedException failed(String key, String what, RuntimeException e, LearnerMetrics.ModelMeters meters) {
        meters.failed();
        LOG.error("The learner failed on {} for model {}; the model is unchanged, and the record goes to {} as {}",
                what, key, settings.topics().deadLetters(), DeadLetterHandler.PROCESSING_ERROR, e);
        return new LearnerFailedException("model '" + key + "': " + e.getMessage(), e);
    }

    private PredictionJson predictionsOf(ModelState state) {
        return state.servesConfiguredSpec() ? predictions
                : otherPredictions.computeIfAbsent(state.model().spec(), PredictionJson::new);
    }

    private void processReading(Record<String, Object> record, Reading reading) {
        String key = record.key();
        ModelState state = model(key, record.timestamp());
        if (state == null) {
            state = store.create(key);
            state.serve(settings.spec());
        }
        state.readingSeenAt(context.currentSystemTimeMs());
        LearnerMetrics.ModelMeters meters = metrics.forModel(key);
        ModelState.ClosedWindow closed = state.advanceWindow(reading.timestamp(), windowMs);
        if (closed != null) {
            context.forward(new Record<>(key, closed.json(), closed.end()), LearnerTopology.METRICS_SINK);
            meters.windowClosed(closed);
        }

        // A label that came before this reading and waits for it: the reading takes it, as if inline.
        boolean early = pending.labelReading(key, reading, context.currentStreamTimeMs());
        long started = System.nanoTime();
        StepResult result;
        try {
            result = state.learn(reading);
        } catch (RuntimeException e) {
            throw failed(key, "a reading of sensor '" + reading.sensorId() + "'", e, meters);
        }
        metrics.update().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        store.tookReading(state, windowMs, reading);
        changed(state);

        Reading served = state.served();
        context.forward(new Record<>(reading.sensorId(), predictionsOf(state).write(key, served, result), record.timestamp()),
                LearnerTopology.PREDICTIONS_SINK);
        meters.counted(result, state.configuredClass(result.predicted()), state.model().modelVersion(),
                System.currentTimeMillis() - reading.timestamp());
        if (early) {
            meters.label(LearnerMetrics.LabelOutcome.EARLY);
            meters.waitingLabels(pending.waitingLabels(key));
        }
        if (!result.labeled() && pending.enabled()) {
            pending.remember(key, served, result, record.timestamp());
            meters.waiting(pending.waiting(key));
        }
        drifted(key, result.drift(), reading.timestamp(), meters);
    }

    private void processLabel(Record<String, Object> record, LateLabel label) {
        String key = record.key();
        LearnerMetrics.ModelMeters meters = metrics.forModel(key);
        ModelState state = model(key, record.timestamp());
        PendingReadings.Match match = state == null ? PendingReadings.Match.NOT_WAITING
                : pending.match(key, label, context.currentStreamTimeMs(), waiting);
        // No reading waits (or only an expired one): the label may have come before its reading, and
        // waits for it; dead-lettered by labelDropped if it does not come in time.
        if (match != PendingReadings.Match.MATCHED && pending.awaitReading(key, label, record.timestamp(),
                context.currentStreamTimeMs(),
                DeadLetterHandler.source(label, record.headers(), context.recordMetadata().orElse(null)))) {
            meters.waitingLabels(pending.waitingLabels(key));
            return;
        }
        if (match != PendingReadings.Match.MATCHED) {
            meters.waiting(pending.waiting(key));
            meters.label(LearnerMetrics.LabelOutcome.UNMATCHED);
            throw new RejectedReadingException(RejectReason.UNMATCHED_LABEL, unmatched(key, label));
        }
        long started = System.nanoTime();
        StepResult result;
        try {
            result = state.learnLate(waiting, state.toModel(label));
        } catch (RuntimeException e) {
            throw failed(key, "a late label of sensor '" + label.sensorId() + "'", e, meters);
        }
        metrics.update().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        store.tookLateLabel(state, waiting, label);
        changed(state);
        meters.matched(result, state.model().modelVersion(), record.timestamp() - waiting.arrival());
        meters.waiting(pending.waiting(key));
        drifted(key, result.drift(), waiting.timestamp(), meters);
    }

    private String unmatched(String model, LateLabel label) {
        String reading = "reading " + (label.readingId() != null ? "'" + label.readingId() + "'"
                : "at " + label.timestamp()) + " of sensor '" + label.sensorId() + "' for model '" + model + "'";
        return "no " + reading + " waits for a label, and the label cannot wait for it: " + (pending.enabled()
                ? "a label for that reading waits already (the first one stays)" : "label.max.delay is 0");
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

    /** A label that waited for its reading in vain: counted, and dead-lettered as the handler would have. */
    @SuppressWarnings({"unchecked", "rawtypes"}) // the dead-letter sink takes the key as sent, in bytes
    private void labelDropped(String model, PendingReadings.LabelDrop reason, String message, byte[] deadLetter) {
        LearnerMetrics.ModelMeters meters = metrics.forModel(model);
        meters.label(LearnerMetrics.LabelOutcome.UNMATCHED);
        meters.waitingLabels(pending.waitingLabels(model));
        DeadLetterHandler.Letter letter = DeadLetterHandler.unmatchedLabel(deadLetter, message);
        context.forward((Record) new Record<>(letter.key(), letter.value(), context.currentStreamTimeMs(), letter.headers()),
                LearnerTopology.DEAD_LETTERS_SINK);
    }

    private void dropped(String model, PendingReadings.Drop reason) {
        LearnerMetrics.ModelMeters meters = metrics.forModel(model);
        meters.dropped(reason);
        meters.waiting(pending.waiting(model));
    }

    /** Closes the open window of each quiet model by the wall clock (see {@link ModelState#closeIfQuiet}). */
    private void closeQuietWindows(long now) {
        if (!toReset.isEmpty()) {
            resetChangedModels(now);
        }
        for (ModelState state : store.liveModels()) {
            closeIfQuiet(state, now);
        }
        // Models that left the cache with a window open are read back only when it is due, and
        // at most so many a tick: thousands of sensors falling quiet together must not hold up the
        // readings (a read-back replays up to model.checkpoint.readings inputs).
        for (String id : store.quietWindowsDue(now, windowMs, WINDOWS_READ_BACK_PER_TICK)) {
            ModelState state;
            try {
                state = store.peek(id);
            } catch (ModelStore.Unreadable unreadable) {
                // Met (model.on.spec.change) when its sensor sends again.
                LOG.warn("The open window of model {} cannot be closed: {}", id, unreadable.getMessage());
                continue;
            }
            if (state != null) {
                closeIfQuiet(state, now);
            }
        }
    }

    private void closeIfQuiet(ModelState state, long now) {
        ModelState.ClosedWindow closed = state.closeIfQuiet(now, windowMs);
        if (closed != null) {
            context.forward(new Record<>(state.modelId(), closed.json(), closed.end()), LearnerTopology.METRICS_SINK);
            metrics.forModel(state.modelId()).windowClosed(closed);
            store.closedWindow(state, windowMs);
        }
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
