package streamlearn.stream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import streamlearn.format.ControlCommand;
import streamlearn.format.ModelEventJson;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.PredictionJson;
import streamlearn.format.ReplicaMessage;
import streamlearn.format.SpecJson;
import streamlearn.model.DriftEvent;
import streamlearn.model.LateLabel;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.PendingReading;
import streamlearn.model.PendingReadings;
import streamlearn.model.Reading;
import streamlearn.model.RejectReason;
import streamlearn.model.ReplicaMerge;
import streamlearn.model.SpecException;
import streamlearn.model.SpecMapping;
import streamlearn.model.StepResult;
import streamlearn.model.WaitingLabels;

/**
 * The learner: turns a reading, a late label or a control command into its model's step and its
 * outputs (the prediction, the metrics window it closes, model events), the same for the stream
 * ({@link LearnerProcessor}, which adds Kafka: stores, forwarding, punctuation) and for
 * {@code replay}, so that the two agree byte for byte.
 *
 * <p>Per reading: find its model (stored models are held against the configured spec when read,
 * {@code model.on.spec.change}; a new key gets a new model), close its metrics window when the
 * reading's event time moved past it, predict and train (test, then train), emit the prediction,
 * keep an unlabeled reading waiting for its late label, and emit a drift event when the reading's
 * error revealed one. Per late label: find the reading it names, score the prediction made then
 * and take the step; a label that finds no reading waits for it (labels may come first), and a
 * reading whose label waits takes it as its inline label; a label whose reading does not come
 * within {@code label.max.delay} is dead-lettered ({@code unmatched_label}). Per
 * command: restore or reset the model in place, with its event.
 */
public final class Learner {
    private static final Logger LOG = LoggerFactory.getLogger(Learner.class);
    /** Models that left memory read back in one tick to close their quiet windows, at most. */
    static final int WINDOWS_READ_BACK_PER_TICK = 1_000;

    /** Where the learner's records go: topics in the stream, a file and a summary in replay (which needs no more than these). */
    public interface Outputs {
        /** A reading's prediction ({@code json}, the predictions topic's value), with the step it came from. */
        void prediction(String sensorId, byte[] json, long timestamp, StepResult result, long modelVersion);

        /** A late label scored the prediction made for its reading, and trained the model. */
        default void lateLabel(StepResult result, long modelVersion) {
        }

        /** A label that came before its reading was taken by it (the reading's prediction counts it labeled). */
        default void earlyLabel() {
        }

        /** A closed metrics window. */
        default void window(String model, byte[] json, long end) {
        }

        /** A model event (drift, reset, restored, spec_changed). */
        default void event(String model, byte[] json, long at) {
        }

        /** A model's snapshot. */
        default void snapshot(String model, byte[] json, long at) {
        }

        /** A record for every partition of the replicas topic (model.replicas): a replica's state, a restart. */
        default void replicaState(String key, byte[] value, long at) {
        }
    }

    /**
     * Told, on the stream thread, of each model that comes into memory (created, read back) and of
     * each window a model closes: what keeps {@link ModelSummaries} (GET /models) without reading a model.
     */
    interface Watcher {
        Watcher NONE = new Watcher() {
            @Override
            public void seen(ModelState state) {
            }

            @Override
            public void windowClosed(ModelState state, ModelState.ClosedWindow closed) {
            }
        };

        void seen(ModelState state);

        void windowClosed(ModelState state, ModelState.ClosedWindow closed);
    }

    private final ModelSpec spec;
    private final Supplier<OnlineModel> newModel;
    private final SpecChangePolicy onSpecChange;
    private final long windowMs;
    private final String modelsTopic;
    private final Models models;
    private final PendingReadings pending;
    private final WaitingLabels labels;
    private final LearnerMetrics metrics;
    private final SnapshotSchedule snapshots;
    private final LongSupplier wallClock;
    private final Outputs outputs;
    private Watcher watcher = Watcher.NONE;
    private final QuietWindows quiet = new QuietWindows();
    private final PendingReading waiting;
    private final PredictionJson predictions;
    /** Prediction writers of models whose spec is not the configured one (kept, or restored under it). */
    private final Map<ModelSpec, PredictionJson> otherPredictions = new HashMap<>();
    /** Models to start afresh (model.on.spec.change=reset) at the next record or punctuation: why. */
    private final Map<String, String> toReset = new LinkedHashMap<>();
    /** The global model's rounds of merges when it is a replica (model.replicas), else null. */
    private ReplicaRounds rounds;

    Learner(LearnerSettings settings, Models models, PendingReadings pending, WaitingLabels labels, LearnerMetrics metrics,
            SnapshotSchedule snapshots, LongSupplier wallClock, Outputs outputs) {
        this(settings.spec(), settings::newModel, settings.onSpecChange(), settings.metricsWindow(),
                settings.topics().models(), models, pending, labels, metrics, snapshots, wallClock, outputs);
    }

    private Learner(ModelSpec spec, Supplier<OnlineModel> newModel, SpecChangePolicy onSpecChange, Duration window,
                    String modelsTopic, Models models, PendingReadings pending, WaitingLabels labels,
                    LearnerMetrics metrics, SnapshotSchedule snapshots, LongSupplier wallClock, Outputs outputs) {
        this.spec = spec;
        this.newModel = newModel;
        this.onSpecChange = onSpecChange;
        this.windowMs = window.toMillis();
        this.modelsTopic = modelsTopic;
        this.models = models;
        this.pending = pending;
        this.labels = labels;
        this.metrics = metrics;
        this.snapshots = snapshots;
        this.wallClock = wallClock;
        this.outputs = outputs;
        this.waiting = new PendingReading(spec);
        this.predictions = new PredictionJson(spec);
        models.onEviction(quiet::leftMemory);
    }

    /**
     * The learner of {@code replay}: models in memory, started as {@code newModel}; no wall clock
     * (nothing closes a window but a later reading) and no meters anyone reads.
     */
    public static Learner offline(ModelSpec spec, Supplier<OnlineModel> newModel, Duration window,
                                  PendingReadings pending, WaitingLabels labels, Outputs outputs) {
        return new Learner(spec, newModel, SpecChangePolicy.FAIL, window, "the models topic", Models.inMemory(newModel),
                pending, labels, new LearnerMetrics(new SimpleMeterRegistry(), spec.classes(), 1),
                new SnapshotSchedule(Long.MAX_VALUE / 4, 1), () -> 0L, outputs);
    }

    /** The global model is this task's replica of it, merged with the others' in {@code rounds}. */
    void replicate(ReplicaRounds rounds) {
        this.rounds = rounds;
    }

    /**
     * A model comes into memory (created, read back): a replica's state is told which replica it
     * is, for its windows, and the watcher is told.
     */
    private void seen(ModelState state) {
        if (rounds != null) {
            state.replicaOf(rounds.replica());
        }
        watcher.seen(state);
    }

    /** Tells {@code watcher} of models coming into memory and of closed windows from now on. */
    void watch(Watcher watcher) {
        this.watcher = watcher;
    }

    /**
     * Holds the stored model {@code id} against the configured spec now (at the start of a task),
     * so that a changed spec is said, or stops the learner, before the first reading; a reset it
     * calls for waits for the next record or punctuation.
     */
    void checkStored(String id) {
        try {
            ModelState state = models.load(id);
            if (state != null) {
                state.readingSeenAt(wallClock.getAsLong());
                checkSpec(state);
            }
        } catch (Models.Unreadable e) {
            unreadable(e);
        }
    }

    /**
     * A reading of model {@code key} ({@code arrival}: its record time; a label names it by that
     * too), at {@code streamTime}. A label that came before it and waits for it is taken as the
     * reading's inline label.
     */
    public void reading(String key, Reading reading, long arrival, long streamTime) {
        resetChangedModels(arrival);
        ModelState state = modelOrNew(key, arrival);
        state.readingSeenAt(wallClock.getAsLong());
        LearnerMetrics.ModelMeters meters = metrics.forModel(key);
        ModelState.ClosedWindow closed = state.advanceWindow(reading.timestamp(), windowMs);
        if (closed != null) {
            windowClosed(state, closed, meters);
        }
        boolean early = labels.labelReading(key, reading, streamTime);

        long started = System.nanoTime();
        StepResult result;
        try {
            result = state.learn(reading);
        } catch (RuntimeException e) {
            throw failed(key, "a reading of sensor '" + reading.sensorId() + "'", e, meters);
        }
        metrics.update().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        Reading served = state.served();
        // Logged in the model's own terms (its feature and class order), as replaying the log takes it.
        models.tookReading(state, windowMs, served);
        changed(state);

        long version = state.model().modelVersion();
        outputs.prediction(reading.sensorId(), predictionsOf(state).write(key, served, result), arrival, result, version);
        meters.counted(result, state.configuredClass(result.predicted()), version,
                System.currentTimeMillis() - reading.timestamp());
        if (early) {
            outputs.earlyLabel();
            meters.label(LearnerMetrics.LabelOutcome.EARLY);
            meters.waitingLabels(labels.waiting(key));
        }
        if (!result.labeled() && pending.enabled()) {
            pending.remember(key, served, result, arrival);
            meters.waiting(pending.waiting(key));
        }
        drifted(key, result.drift(), reading.timestamp(), meters);
        championChanged(key, state, result, reading.timestamp());
        if (result.labeled()) {
            shareIfDue(state, result.drift() != null, arrival);
        }
    }

    /**
     * A late label of model {@code key}, at {@code streamTime} (what expiry is measured on). One that
     * finds no waiting reading may have come before it: it waits for it ({@code deadLetter}: what
     * goes to the dead-letter topic if it waits in vain).
     *
     * @throws RejectedReadingException ({@code unmatched_label}) when no reading waits for it and it cannot wait
     */
    public void label(String key, LateLabel label, long arrival, long streamTime, Supplier<byte[]> deadLetter) {
        resetChangedModels(arrival);
        LearnerMetrics.ModelMeters meters = metrics.forModel(key);
        ModelState state = model(key, arrival);
        PendingReadings.Match match = state == null ? PendingReadings.Match.NOT_WAITING
                : pending.match(key, label, streamTime, waiting);
        if (match != PendingReadings.Match.MATCHED) {
            if (labels.awaitReading(key, label, arrival, streamTime, deadLetter.get())) {
                meters.waitingLabels(labels.waiting(key));
                return;
            }
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
        // The label's class is the model's own by now (toModel), as replaying the log takes it.
        models.tookLateLabel(state, waiting, label);
        changed(state);
        long version = state.model().modelVersion();
        outputs.lateLabel(result, version);
        meters.matched(result, version, arrival - waiting.arrival());
        meters.waiting(pending.waiting(key));
        drifted(key, result.drift(), waiting.timestamp(), meters);
        championChanged(key, state, result, waiting.timestamp());
        shareIfDue(state, result.drift() != null, arrival);
    }

    /**
     * A record of the replicas topic (model.replicas): another replica's state for the round,
     * kept until the round's last one merges them all; or another replica's restart of the rounds.
     * Either way the replica then continues from the model it gives ({@link ReplicaRounds#receive}).
     */
    public void replica(ReplicaMessage message, long at) {
        resetChangedModels(at);
        ModelState state = replicaState(at);
        ReplicaRounds.Outcome outcome = rounds.receive(message, state.model());
        if (outcome == ReplicaRounds.Outcome.MERGED || outcome == ReplicaRounds.Outcome.RESTARTED) {
            continueFrom(state, rounds.next(), at);
        }
        if (outcome == ReplicaRounds.Outcome.RESTARTED) {
            LOG.info("Replica {}: replica {} restored or reset the model; this replica continues from it (model version {})",
                    rounds.replica(), message.replica(), state.model().modelVersion());
        }
    }

    /** On the wall clock: a replica publishes its state when another one waits for it, or the merge interval passed. */
    void replicaTick(long now, long streamTime) {
        if (rounds == null) {
            return;
        }
        resetChangedModels(streamTime);
        ModelState state = replicaState(streamTime);
        if (rounds.restartDue()) {
            // The partition count changed: every replica, the new ones too, continues from this one's model.
            send(rounds.restart(state.model()), streamTime);
            return;
        }
        send(rounds.tick(state.model(), now), streamTime);
    }

    /** This task's replica of the global model: created, as a new model is, when no reading came for it yet. */
    private ModelState replicaState(long at) {
        return modelOrNew(ModelKey.GLOBAL_MODEL_ID, at);
    }

    /** The model {@code id} ({@link #model}), or a new one when none is stored. */
    private ModelState modelOrNew(String id, long at) {
        ModelState state = model(id, at);
        if (state == null) {
            state = models.create(id);
            quiet.backInMemory(id);
            state.serve(spec);
            seen(state);
        }
        return state;
    }

    /** The replica continues from {@code next} (a merge, a restart): a change no logged input leads to. */
    private void continueFrom(ModelState state, OnlineModel next, long at) {
        state.replace(next, spec);
        models.checkpoint(state);
        metrics.forModel(state.modelId()).modelVersion = state.model().modelVersion();
        shareIfDue(state, false, at);
    }

    /** A replica's state goes out for the round's merge when it is due ({@link ReplicaRounds#afterStep}). */
    private void shareIfDue(ModelState state, boolean drifted, long at) {
        if (rounds != null) {
            send(rounds.afterStep(state.model(), drifted, wallClock.getAsLong()), at);
        }
    }

    private void send(ReplicaMessage message, long at) {
        if (message != null) {
            outputs.replicaState(ReplicaMessage.key(ModelKey.GLOBAL_MODEL_ID, message.replica()), message.toBytes(), at);
        }
    }

    /** A model with candidates whose champion this step changed: its event, counted and logged. */
    private void championChanged(String key, ModelState state, StepResult result, long at) {
        if (result.championBefore() == null) {
            return;
        }
        OnlineModel model = state.model();
        outputs.event(key, ModelEventJson.championChanged(key, at, result.championBefore(), model), at);
        metrics.modelEvent(key, ModelEventJson.CHAMPION_CHANGED);
        LOG.info("Model {}: champion {} -> {} at model version {}", key, result.championBefore(), model.champion(),
                model.modelVersion());
    }

    /**
     * A control command, in order with the readings. Waiting readings stay: a label that comes
     * trains the model in place then (their features mean what they did; the prediction scored is
     * the one made then).
     *
     * @throws RejectedReadingException when the command cannot apply to this model
     */
    public void command(String id, ControlCommand command, long at) {
        resetChangedModels(at);
        ModelState state = model(id, at);
        long previous = state == null ? -1 : state.model().modelVersion();
        if (command.kind() == ControlCommand.Kind.RESET) {
            if (state == null) {
                throw new RejectedReadingException(RejectReason.INVALID_COMMAND, "no model '" + id + "' to reset on this task");
            }
            state = replace(id, state, OnlineModel.create(spec));
            restartReplicas(state, at);
            event(id, ModelEventJson.RESET, at, state.model().modelVersion(), previous, null);
            LOG.info("Model {} reset by a control command: model version {} -> {}", id, previous, state.model().modelVersion());
            return;
        }
        OnlineModel snapshot = command.snapshot();
        ModelSpec snapshotSpec = snapshot.spec();
        if (!snapshotSpec.equals(spec) && (state == null || !snapshotSpec.equals(state.model().spec()))) {
            throw new RejectedReadingException(RejectReason.INVALID_SNAPSHOT, "the snapshot's spec is not the configured "
                    + "one (" + SpecMapping.differences(snapshotSpec, spec) + "): model '" + id + "' keeps its model");
        }
        state = replace(id, state, snapshot);
        restartReplicas(state, at);
        event(id, ModelEventJson.RESTORED, at, snapshot.modelVersion(), previous, null);
        LOG.info("Model {} restored from a snapshot by a control command: model version {} -> {}", id, previous,
                snapshot.modelVersion());
    }

    /** A replica's model was restored or reset: every replica starts the rounds over from it. */
    private void restartReplicas(ModelState state, long at) {
        if (rounds != null && state.modelId().equals(ModelKey.GLOBAL_MODEL_ID)) {
            send(rounds.restart(state.model()), at);
        }
    }

    /** Closes the open window of each quiet model by the wall clock ({@link ModelState#closeIfQuiet}). */
    void closeQuietWindows(long now) {
        resetChangedModels(now);
        for (ModelState state : models.liveModels()) {
            closeIfQuiet(state, now);
        }
        // Models that left memory with a window open are read back only when it is due, and at
        // most so many a tick: thousands of sensors falling quiet together must not hold up the
        // readings (a read-back replays up to model.checkpoint.readings inputs).
        for (String id : quiet.due(now, windowMs, WINDOWS_READ_BACK_PER_TICK)) {
            if (models.cached(id) != null) {
                continue;
            }
            ModelState state;
            try {
                state = models.peek(id);
            } catch (Models.Unreadable unreadable) {
                // Met (model.on.spec.change) when its sensor sends again.
                LOG.warn("The open window of model {} cannot be closed: {}", id, unreadable.getMessage());
                continue;
            }
            if (state != null) {
                closeIfQuiet(state, now);
            }
        }
    }

    /** Publishes the snapshots due at {@code now}; a model that left memory is read back for it, and not kept. */
    void publishSnapshots(long now) {
        if (rounds != null) {
            // One snapshot of the model, not one per replica: the merged model, from replica 0.
            byte[] merged = rounds.replica() == 0 ? rounds.snapshotIfMerged(now) : null;
            if (merged != null) {
                outputs.snapshot(ModelKey.GLOBAL_MODEL_ID, merged, now);
            }
            return;
        }
        for (String id : snapshots.take(now)) {
            ModelState state = models.peek(id);
            byte[] snapshot = state == null ? null : state.snapshotIfChanged();
            if (snapshot != null) {
                outputs.snapshot(id, snapshot, now);
            }
            if (state != null) {
                models.published(state);
            }
        }
    }

    /** The model {@code id} in memory, or null. */
    public OnlineModel model(String id) {
        ModelState state = models.cached(id);
        return state == null ? null : state.model();
    }

    /** A stream-time tick: waiting readings and labels older than label.max.delay are dropped. */
    public void expireWaiting(long streamTime) {
        pending.expire(streamTime);
        labels.expire(streamTime);
    }

    /** The task leaves this thread: the models leave memory, and so does what was kept about them. */
    void close() {
        quiet.clear();
    }

    /**
     * The model {@code id}, or null for none: the one in memory, else the stored one, read back
     * and held against the configured spec ({@link #checkSpec}), and started afresh here when it
     * must be ({@code at}: the event time of its spec_changed event).
     */
    private ModelState model(String id, long at) {
        ModelState state = models.cached(id);
        if (state != null) {
            return state;
        }
        try {
            state = models.load(id);
        } catch (Models.Unreadable e) {
            unreadable(e);
            resetChangedModels(at);
            return models.cached(id);
        }
        if (state != null) {
            quiet.backInMemory(id);
            metrics.loads().increment();
            state.readingSeenAt(wallClock.getAsLong());
            checkSpec(state);
            seen(state);
            if (!toReset.isEmpty()) {
                resetChangedModels(at);
                state = models.cached(id);
            }
        }
        return state;
    }

    /**
     * A stored model whose spec is not the configured one: {@code model.on.spec.change} decides.
     * A model restored under the spec it kept is still the model it was: only a spec that differs
     * from the configured one counts.
     */
    private void checkSpec(ModelState state) {
        ModelSpec stored = state.model().spec();
        if (stored.equals(spec)) {
            state.serve(spec);
            return;
        }
        if (rounds != null && SpecJson.sameButLearningRates(stored, spec)) {
            // A replica of a model trained by another number of replicas: the same model, its
            // learning rates scaled for this K (DESIGN section 9).
            state.replace(ReplicaMerge.withSpec(state.model(), spec), spec);
            models.checkpoint(state);
            LOG.info("Model {}: its replicas' learning rates now scale for {} replicas", state.modelId(),
                    rounds.replicas());
            return;
        }
        String id = state.modelId();
        String differences = SpecMapping.differences(stored, spec);
        switch (onSpecChange) {
            case FAIL -> throw new LearnerStoppedException("model '" + id + "' was stored with another spec than the "
                    + "configured one (" + differences + "); model.on.spec.change=fail: set it to reset (start the model "
                    + "afresh) or keep (keep the stored spec)");
            case RESET -> toReset.put(id, differences);
            case KEEP -> {
                try {
                    state.serve(spec);
                } catch (SpecException e) {
                    throw new LearnerStoppedException("model '" + id + "': model.on.spec.change=keep cannot serve the "
                            + "configured readings with its stored spec (" + e.getMessage() + "); set it to reset");
                }
                LOG.warn("Model {} keeps its stored spec, which differs from the configured one ({}); "
                        + "model.on.spec.change=keep: features and classes are matched by name", id, differences);
            }
        }
    }

    /** A stored model that cannot be read: started afresh under model.on.spec.change=reset, else the learner stops. */
    private void unreadable(Models.Unreadable e) {
        if (onSpecChange != SpecChangePolicy.RESET) {
            throw new LearnerStoppedException(e.getMessage() + "; model.on.spec.change=reset starts it afresh");
        }
        toReset.put(e.modelId, "its stored state cannot be read: " + e.getCause().getMessage());
    }

    /** Starts the models {@link #checkSpec} or {@link #unreadable} found changed afresh: each a spec_changed event. */
    private void resetChangedModels(long at) {
        if (toReset.isEmpty()) {
            return;
        }
        for (var e : toReset.entrySet()) {
            String id = e.getKey();
            ModelState old = models.cached(id);
            if (old == null) {
                try {
                    old = models.load(id);
                } catch (Models.Unreadable unreadable) {
                    old = null;
                }
            }
            long previous = -1;
            if (old != null) {
                previous = old.model().modelVersion();
                // The old model's last state goes out as a snapshot first, so it can be restored.
                outputs.snapshot(id, ModelSnapshot.toJsonString(old.model()).getBytes(StandardCharsets.UTF_8), at);
            }
            ModelState state = replace(id, old, newModel.get());
            // Waiting readings were read for the old spec: their features may not mean what they did.
            pending.forget(id);
            metrics.forModel(id).waiting(pending.waiting(id));
            event(id, ModelEventJson.SPEC_CHANGED, at, state.model().modelVersion(), previous, e.getValue());
            LOG.warn("Model {} was stored with another spec ({}); model.on.spec.change=reset: started afresh from the "
                    + "configured spec; its last state (model version {}) is on {}", id, e.getValue(), previous, modelsTopic);
        }
        toReset.clear();
    }

    /** {@code next} in place of the model {@code id} ({@code old}: its state, or null for none). */
    private ModelState replace(String id, ModelState old, OnlineModel next) {
        ModelState state = old;
        if (state == null) {
            state = ModelState.create(id, next);
            state.serve(spec);
            state.readingSeenAt(wallClock.getAsLong());
            seen(state);
        } else {
            state.replace(next, spec);
        }
        // No logged input leads to the new model: its whole state is written now.
        models.checkpoint(state);
        quiet.backInMemory(id);
        changed(state);
        metrics.forModel(id).modelVersion = next.modelVersion();
        return state;
    }

    private void event(String id, String type, long at, long modelVersion, long previous, String differences) {
        outputs.event(id, ModelEventJson.replaced(id, type, at, modelVersion, previous, differences), at);
        metrics.modelEvent(id, type);
    }

    /** A valid record the learner failed on: counted, logged with its model, and dead-lettered. */
    private LearnerFailedException failed(String key, String what, RuntimeException e, LearnerMetrics.ModelMeters meters) {
        meters.failed();
        LOG.error("The learner failed on {} for model {}; the model is unchanged, and the record goes to the dead-letter "
                + "topic as {}", what, key, DeadLetterHandler.PROCESSING_ERROR, e);
        return new LearnerFailedException("model '" + key + "': " + e.getMessage(), e);
    }

    private PredictionJson predictionsOf(ModelState state) {
        return state.servesConfiguredSpec() ? predictions
                : otherPredictions.computeIfAbsent(state.model().spec(), PredictionJson::new);
    }

    private String unmatched(String model, LateLabel label) {
        String reading = "reading " + (label.readingId() != null ? "'" + label.readingId() + "'"
                : "at " + label.timestamp()) + " of sensor '" + label.sensorId() + "' for model '" + model + "'";
        return "no " + reading + " waits for a label, and the label cannot wait for it: " + (labels.enabled()
                ? "a label for that reading waits already (the first one stays)" : "label.max.delay is 0");
    }

    /** A drift this record's error revealed: its event, counted and logged. */
    private void drifted(String key, DriftEvent drift, long at, LearnerMetrics.ModelMeters meters) {
        if (drift == null) {
            return;
        }
        outputs.event(key, ModelEventJson.drift(key, at, drift), at);
        meters.drifted();
        LOG.info("Drift in model {}: error {} -> {} over the last {} readings ({}, delta {}); at model version {}: {}",
                key, String.format("%.4f", drift.errorBefore()), String.format("%.4f", drift.errorAfter()),
                drift.recentReadings(), drift.detector(), drift.delta(), drift.modelVersion(),
                drift.actions().isEmpty() ? "no action" : String.join(", ", drift.actions()));
    }

    private void windowClosed(ModelState state, ModelState.ClosedWindow closed, LearnerMetrics.ModelMeters meters) {
        outputs.window(state.modelId(), closed.json(), closed.end());
        meters.windowClosed(closed);
        watcher.windowClosed(state, closed);
    }

    private void closeIfQuiet(ModelState state, long now) {
        ModelState.ClosedWindow closed = state.closeIfQuiet(now, windowMs);
        if (closed != null) {
            windowClosed(state, closed, metrics.forModel(state.modelId()));
            models.closedWindow(state, windowMs);
        }
    }

    /** A model that took a step since its last snapshot waits for its next one (and a restart knows). */
    private void changed(ModelState state) {
        if (rounds == null && state.unpublished() && snapshots.changed(state.modelId(), wallClock.getAsLong())) {
            models.markUnpublished(state.modelId());
        }
    }

    /** Models whose changes a restart found unpublished: published on schedule even if no reading comes for them. */
    void restoredUnpublished() {
        snapshots.restored(models.unpublished(), wallClock.getAsLong());
    }

    /** A label that waited for its reading in vain (dead-lettered by the caller): counted. */
    void labelDropped(String model) {
        LearnerMetrics.ModelMeters meters = metrics.forModel(model);
        meters.label(LearnerMetrics.LabelOutcome.UNMATCHED);
        meters.waitingLabels(labels.waiting(model));
    }

    /** Models the dropped waiting readings belonged to: counted. */
    void dropped(String model, PendingReadings.Drop reason) {
        LearnerMetrics.ModelMeters meters = metrics.forModel(model);
        meters.dropped(reason);
        meters.waiting(pending.waiting(model));
    }
}
