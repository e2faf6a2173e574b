package streamlearn.stream;

import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import streamlearn.format.ControlCommand;
import streamlearn.format.ReplicaMessage;
import streamlearn.model.LateLabel;
import streamlearn.model.PendingReadings;
import streamlearn.model.Reading;
import streamlearn.model.StepResult;
import streamlearn.model.WaitingLabels;

/**
 * The {@link Learner} in the topology: it finds the task's stores, schedules the punctuations (the
 * snapshots of changed models, the windows of quiet models, the expiry of waiting readings and
 * labels) and forwards what the learner emits to the output topics, and a label that waited for its
 * reading in vain to the dead-letter topic (a label that cannot wait goes there through the
 * {@link DeadLetterHandler}).
 *
 * <p>Everything a record produces (prediction, closed window, events) is forwarded while it is
 * processed, so it goes out in the transaction that commits the record's offset and the model and
 * waiting readings it changed: after a crash the record is processed again by the state as it
 * was, and its outputs appear once.
 */
final class LearnerProcessor implements Processor<String, Object, String, byte[]>, Learner.Outputs {
    /** How often (stream time, at most) expired readings are swept; a label never matches one anyway. */
    private static final Duration EXPIRY_SWEEP = Duration.ofSeconds(10);
    /** How often due snapshots are published, at most: each tick publishes its share. */
    private static final Duration SNAPSHOT_TICK = Duration.ofSeconds(1);
    /**
     * How often a replica looks whether another one waits for its state (model.replicas): the
     * most a merge waits for an idle replica.
     */
    private static final Duration REPLICA_TICK = Duration.ofMillis(100);
    private final LearnerSettings settings;
    private final LearnerMetrics metrics;
    private final LiveView view;
    private int partition = -1;
    private ProcessorContext<String, byte[]> context;
    private ModelStore store;
    private Learner learner;

    LearnerProcessor(LearnerSettings settings, LearnerMetrics metrics, LiveView view) {
        this.settings = settings;
        this.metrics = metrics;
        this.view = view;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(LearnerTopology.MODEL_STORE);
        store.evictAll();
        KeyValueStore<Bytes, byte[]> waitingStore = context.getStateStore(LearnerTopology.PENDING_STORE);
        KeyValueStorage storage = new KeyValueStorage(waitingStore);
        PendingReadings pending = new PendingReadings(settings.spec(), storage, settings.labelMaxDelay().toMillis(),
                settings.labelMaxPending(), (model, reason) -> learner.dropped(model, reason));
        WaitingLabels labels = new WaitingLabels(settings.spec(), storage, settings.labelMaxDelay().toMillis(),
                settings.labelMaxPending(), this::labelDropped);
        Duration interval = settings.snapshotInterval();
        Duration tick = interval.compareTo(SNAPSHOT_TICK) < 0 ? interval : SNAPSHOT_TICK;
        this.learner = new Learner(settings, store, pending, labels, metrics, new SnapshotSchedule(interval.toMillis(), tick.toMillis()),
                context::currentSystemTimeMs, this);
        pending.open();
        labels.open();
        this.partition = context.taskId().partition();
        if (settings.replicas().enabled()) {
            ReplicaRounds rounds = new ReplicaRounds(context.getStateStore(ReplicaRounds.STORE), settings.spec(),
                    settings::newModel, partition, settings.replicas(), interval.toMillis());
            rounds.open(context.currentSystemTimeMs(), settings.onSpecChange() == SpecChangePolicy.KEEP);
            learner.replicate(rounds);
        }
        long windowLength = settings.metricsWindow().toMillis();
        ModelSummaries summaries = view.summaries();
        learner.watch(new Learner.Watcher() {
            @Override
            public void seen(ModelState state) {
                summaries.seen(state.modelId(), partition, state.model().modelVersion(), state.model().drifts(),
                        state.lastReadingTime());
            }

            @Override
            public void windowClosed(ModelState state, ModelState.ClosedWindow closed) {
                summaries.windowClosed(state.modelId(), partition, closed, windowLength, state.model().drifts(),
                        state.lastReadingTime(), state.model().spec().hasCandidates() ? state.model().candidateNames() : List.of());
            }
        });
        // Models are read when first needed; the first stored one is held against the configured
        // spec now, so that a changed spec is said (or stops the learner) at start, not at the
        // first reading.
        for (String id : store.storedModels(1)) {
            learner.checkStored(id);
        }
        // A model whose last changes were not yet published (a crash, a move to this instance)
        // is published on schedule even if no reading for it comes again.
        learner.restoredUnpublished();
        context.schedule(tick, PunctuationType.WALL_CLOCK_TIME, learner::publishSnapshots);
        // From here on the HTTP endpoint may predict with this task's models (POST /predict).
        view.taskRunning(partition, store);
        long windowMs = settings.metricsWindow().toMillis();
        context.schedule(Duration.ofMillis(Math.max(100, windowMs / 10)), PunctuationType.WALL_CLOCK_TIME,
                learner::closeQuietWindows);
        if (settings.replicas().enabled()) {
            context.schedule(REPLICA_TICK, PunctuationType.WALL_CLOCK_TIME,
                    now -> learner.replicaTick(now, context.currentStreamTimeMs()));
        }
        if (pending.enabled()) {
            Duration sweep = settings.labelMaxDelay().compareTo(EXPIRY_SWEEP) < 0 ? settings.labelMaxDelay() : EXPIRY_SWEEP;
            context.schedule(sweep, PunctuationType.STREAM_TIME, learner::expireWaiting);
        }
    }

    @Override
    public void process(Record<String, Object> record) {
        if (record.value() instanceof Reading reading) {
            learner.reading(record.key(), reading, record.timestamp(), context.currentStreamTimeMs());
        } else if (record.value() instanceof LateLabel label) {
            learner.label(record.key(), label, record.timestamp(), context.currentStreamTimeMs(),
                    () -> DeadLetterHandler.source(label, record.headers(), context.recordMetadata().orElse(null)));
        } else if (record.value() instanceof ReplicaMessage message) {
            learner.replica(message, record.timestamp());
        } else {
            learner.command(record.key(), (ControlCommand) record.value(), record.timestamp());
        }
    }

    @Override
    public void replicaState(String key, byte[] value, long at) {
        context.forward(new Record<>(key, value, at), LearnerTopology.REPLICAS_SINK);
    }

    @Override
    public void prediction(String sensorId, byte[] json, long timestamp, StepResult result, long modelVersion) {
        context.forward(new Record<>(sensorId, json, timestamp), LearnerTopology.PREDICTIONS_SINK);
    }


    @Override
    public void window(String model, byte[] json, long end) {
        context.forward(new Record<>(model, json, end), LearnerTopology.METRICS_SINK);
    }

    @Override
    public void event(String model, byte[] json, long at) {
        context.forward(new Record<>(model, json, at), LearnerTopology.EVENTS_SINK);
    }

    @Override
    public void snapshot(String model, byte[] json, long at) {
        context.forward(new Record<>(model, json, at), LearnerTopology.MODELS_SINK);
    }

    /** A label that waited for its reading in vain: dead-lettered as the handler would have. */
    @SuppressWarnings({"unchecked", "rawtypes"}) // the dead-letter sink takes the key as sent, in bytes
    private void labelDropped(String model, WaitingLabels.LabelDrop reason, String message, byte[] deadLetter) {
        learner.labelDropped(model);
        DeadLetterHandler.Letter letter = DeadLetterHandler.unmatchedLabel(deadLetter, message);
        context.forward((Record) new Record<>(letter.key(), letter.value(), context.currentStreamTimeMs(), letter.headers()),
                LearnerTopology.DEAD_LETTERS_SINK);
    }

    /** The task leaves this thread, or becomes a standby: its models leave memory with it. */
    @Override
    public void close() {
        view.taskClosed(partition, store);
        store.evictAll();
        if (learner != null) {
            learner.close();
        }
    }
}
