package streamlearn.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.ReplicaMessage;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.ReplicaMerge;

/**
 * One replica's side of the rounds of merges of the global model ({@code model.replicas}, docs/DESIGN.md
 * section 9): the replica of readings partition p trains on that partition's readings; each round
 * every replica publishes its state to every partition of the replicas topic, and each one, once
 * it holds all K states of the round, computes the same merge ({@link ReplicaMerge}) of them from
 * the same base, continues from it with its own drift detector, and makes it the next base.
 *
 * <p>A replica keeps learning while its state is out for the merge: when the merge comes it
 * continues from the merged model plus its own change since it sent its state
 * ({@link ReplicaMerge#rebase}), so no update is lost or counted twice, and no reading waits. A
 * replica publishes after {@code mergeUpdates} updates since the base (25 while its output layer
 * relearns after a drift, at once at a drift), or on the wall clock: when another replica waits
 * for it, or when the merge interval passed with updates to share. It publishes again only after
 * the round's merge, so no replica is ever more than one round ahead: the states of round r reach
 * every partition before any state of round r + 1 can be sent.
 *
 * <p>Its state, in a logged store of the task: the epoch and round, whether its state went out, the
 * base, and the states of the round received so far; committed with the
 * offsets of the records that changed it, so after a crash the replica resumes where it was.
 * A restore or a reset of the model (on the replica its command reached) starts the rounds over in
 * a new epoch, from that model, on every replica; a record of an older epoch is stale.
 */
final class ReplicaRounds {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaRounds.class);
    static final String STORE = "replica-rounds";
    private static final String HEADER = "rounds";
    private static final String BASE = "base";
    private static final String STATE = "state/";
    private static final byte TRAINING = 0;
    private static final byte SENT = 1;
    private static final byte REJOINING = 2;

    /** What a record of the replicas topic did to this replica. */
    enum Outcome { STALE, KEPT, MERGED, RESTARTED }

    private final KeyValueStore<Bytes, byte[]> store;
    private final ModelSpec spec;
    private final Supplier<OnlineModel> newModel;
    private final int replica;
    private final ReplicaSettings settings;
    private final ReplicaMerge merge = new ReplicaMerge();
    private long epoch;
    private long round;
    /** Its state is out for the round's merge. */
    private boolean published;
    /**
     * K changed since its rounds were stored, and it is not replica 0: it waits for replica 0 to
     * start the rounds over ({@link #restart}), learning on meanwhile; it neither sends nor merges.
     */
    private boolean rejoining;
    /** K changed since its rounds were stored, and it is replica 0: it starts the rounds over at its first chance. */
    private boolean restartDue;
    private OnlineModel base;
    private long baseVersionSnapshot = -1;
    private long lastSnapshotAt = Long.MIN_VALUE / 2;
    private final long snapshotIntervalMs;
    private final TreeMap<Integer, OnlineModel> received = new TreeMap<>();
    private long lastPublishedAt;
    /** The model the last merge or restart gave this replica: what {@link #receive} returns. */
    private OnlineModel next;

    ReplicaRounds(KeyValueStore<Bytes, byte[]> store, ModelSpec spec, Supplier<OnlineModel> newModel, int replica,
                  ReplicaSettings settings, long snapshotIntervalMs) {
        this.snapshotIntervalMs = snapshotIntervalMs;
        this.store = store;
        this.spec = spec;
        this.newModel = newModel;
        this.replica = replica;
        this.settings = settings;
    }

    /**
     * Reads the replica's state back (or starts at epoch 0 from the new model every replica starts
     * from). A base of another spec than the configured one starts the rounds over from the new
     * model, unless {@code keepSpec} (model.on.spec.change=keep): every replica does the same.
     */
    void open(long wallNow, boolean keepSpec) {
        lastPublishedAt = wallNow;
        byte[] header = store.get(key(HEADER));
        if (header == null) {
            base = newModel.get();
            return;
        }
        ByteBuffer in = ByteBuffer.wrap(header);
        epoch = in.getLong();
        round = in.getLong();
        byte mode = in.get();
        published = mode == SENT;
        rejoining = mode == REJOINING;
        int storedReplicas = in.getInt();
        base = ModelSnapshot.fromBytes(store.get(key(BASE)));
        try (KeyValueIterator<Bytes, byte[]> states = store.range(key(STATE), key(STATE + "~"))) {
            while (states.hasNext()) {
                KeyValue<Bytes, byte[]> e = states.next();
                int from = Integer.parseInt(new String(e.key.get(), StandardCharsets.UTF_8).substring(STATE.length()));
                received.put(from, ModelSnapshot.fromBytes(e.value));
            }
        }
        if (storedReplicas != settings.replicas()) {
            resharded(storedReplicas);
        } else if (!keepSpec && !base.spec().equals(spec)) {
            LOG.warn("Replica {}: the merged model was of another spec; the rounds start over from the new model "
                    + "(epoch {})", replica, epoch + 1);
            startOver(epoch + 1, newModel.get());
        }
        LOG.info("Replica {} of {}: epoch {}, round {}, {}; {} of the round's states here", replica,
                settings.replicas(), epoch, round, rejoining ? "waiting for replica 0 to start the rounds over"
                        : published ? "its state sent" : "its state not sent yet", received.size());
    }

    /**
     * The readings topic's partition count changed from {@code before}: the rounds of the old
     * replicas cannot complete, and the new replicas have no base. Replica 0 starts the rounds over
     * from its model ({@link #restartDue}), which every replica, new ones included, takes; the
     * other old replicas wait for it, and add to it what they learnt since their last merge.
     */
    private void resharded(int before) {
        if (SpecJson.sameButLearningRates(base.spec(), spec)) {
            base = ReplicaMerge.withSpec(base, spec);
        }
        clearRound();
        published = false;
        if (replica == 0) {
            restartDue = true;
            LOG.warn("Replica 0: the readings topic had {} partitions and has {}: this replica starts the rounds over "
                    + "from its model, for every replica", before, settings.replicas());
        } else {
            rejoining = true;
            LOG.warn("Replica {}: the readings topic had {} partitions and has {}: this replica waits for replica 0 to "
                    + "start the rounds over, and adds its updates since its last merge (model version {}) to that model",
                    replica, before, settings.replicas(), base.modelVersion());
            writeHeader();
        }
        // Replica 0 keeps the old K in its header until the restart is sent: a crash before then finds the change again.
    }

    /** True when this replica is to start the rounds over now (replica 0 after a change of K): {@link #restart}. */
    boolean restartDue() {
        return restartDue;
    }

    /** True while the replica's state is out for the round's merge. */
    boolean stateOut() {
        return published;
    }

    /** The last merged model: what every replica started the round from. */
    OnlineModel base() {
        return base;
    }

    int replica() {
        return replica;
    }

    /** K, the number of replicas. */
    int replicas() {
        return settings.replicas();
    }

    /**
     * After a step of the replica's {@code model}: the state to publish now, or null: after so
     * many updates since the base (fewer while its output layer relearns), or at a drift.
     */
    ReplicaMessage afterStep(OnlineModel model, boolean drifted, long wallNow) {
        if (published || rejoining || restartDue) {
            return null;
        }
        long since = model.modelVersion() - base.modelVersion();
        long every = model.relearning() ? ReplicaSettings.RELEARNING_MERGE_UPDATES : settings.mergeUpdates();
        return since >= every || (drifted && since > 0) ? publish(model, wallNow) : null;
    }

    /**
     * On the wall clock: the state to publish now, or null: when another replica's state of the
     * round came (it waits for this one's), or when the merge interval passed with updates to share.
     */
    ReplicaMessage tick(OnlineModel model, long wallNow) {
        if (published || rejoining || restartDue) {
            return null;
        }
        long since = model.modelVersion() - base.modelVersion();
        boolean due = since > 0 && wallNow - lastPublishedAt >= settings.mergeInterval().toMillis();
        return !received.isEmpty() || due ? publish(model, wallNow) : null;
    }

    private ReplicaMessage publish(OnlineModel model, long wallNow) {
        published = true;
        lastPublishedAt = wallNow;
        writeHeader();
        return new ReplicaMessage(ReplicaMessage.Kind.STATE, epoch, round, replica, model);
    }

    /**
     * A record of the replicas topic, met by the replica's {@code current} model. {@link Outcome#MERGED}:
     * the round's last state came, and {@link #next} is the model this replica continues from: the
     * merge plus its own change since it sent its state ({@link ReplicaMerge#rebase}); the merge is
     * the new base. {@link Outcome#RESTARTED}: another replica restored or reset the model, and
     * {@link #next} is that model (plus, for a replica waiting to rejoin after a change of K, its
     * own change since its last merge).
     */
    Outcome receive(ReplicaMessage m, OnlineModel current) {
        if (m.kind() == ReplicaMessage.Kind.RESTART) {
            if (m.epoch() <= epoch) {
                return Outcome.STALE;
            }
            OnlineModel from = copy(m.model());
            next = rejoining ? merge.rebase(from, base, current) : from;
            startOver(m.epoch(), m.model());
            return Outcome.RESTARTED;
        }
        if (m.replica() < 0 || m.replica() >= settings.replicas()) {
            throw new LearnerStoppedException("replica " + replica + " got the state of replica " + m.replica() + ", but "
                    + "there are " + settings.replicas() + " replicas: the readings topic's partition count changed since "
                    + "this instance started; start it again");
        }
        if (m.epoch() != epoch || rejoining || restartDue) {
            return Outcome.STALE;
        }
        if (m.round() < round) {
            // Only at-least-once redoes a record: a state of a round already merged.
            return Outcome.STALE;
        }
        if (m.round() != round) {
            throw new LearnerStoppedException("replica " + replica + " at epoch " + epoch + ", round " + round
                    + " got the state of replica " + m.replica() + " for round " + m.round() + ": only this "
                    + "application.id may write the replicas topic");
        }
        received.put(m.replica(), m.model());
        if (received.size() < settings.replicas()) {
            store.put(key(STATE + m.replica()), ModelSnapshot.toBytes(m.model()));
            return Outcome.KEPT;
        }
        OnlineModel merged = merge.merge(base, new ArrayList<>(received.values()));
        next = merge.rebase(merged, received.get(replica), current);
        clearRound();
        base = merged;
        round++;
        published = false;
        writeHeader();
        store.put(key(BASE), ModelSnapshot.toBytes(base));
        return Outcome.MERGED;
    }

    /** The model the last {@link #receive} that merged or restarted gave this replica. */
    OnlineModel next() {
        return next;
    }

    /**
     * This replica's model was restored or reset by a command: the rounds start over from it on
     * every replica. Returns the record that tells them.
     */
    ReplicaMessage restart(OnlineModel model) {
        startOver(epoch + 1, copy(model));
        return new ReplicaMessage(ReplicaMessage.Kind.RESTART, epoch, round, replica, model);
    }

    private void startOver(long newEpoch, OnlineModel from) {
        clearRound();
        epoch = newEpoch;
        round = 0;
        published = false;
        rejoining = false;
        restartDue = false;
        base = from;
        writeHeader();
        store.put(key(BASE), ModelSnapshot.toBytes(base));
    }

    /**
     * The merged model's snapshot when it changed since the last one this task published and the
     * snapshot interval passed since ({@code now}: wall clock), else null.
     */
    byte[] snapshotIfMerged(long now) {
        if (base.modelVersion() == baseVersionSnapshot || now - lastSnapshotAt < snapshotIntervalMs) {
            return null;
        }
        baseVersionSnapshot = base.modelVersion();
        lastSnapshotAt = now;
        return ModelSnapshot.toJsonString(base).getBytes(StandardCharsets.UTF_8);
    }

    /** A model of its own for the base or a replica: the two go on changing apart. */
    private static OnlineModel copy(OnlineModel model) {
        return ModelSnapshot.fromBytes(ModelSnapshot.toBytes(model));
    }

    private void clearRound() {
        for (Integer q : received.keySet()) {
            store.put(key(STATE + q), null);
        }
        received.clear();
    }

    private static Bytes key(String name) {
        return Bytes.wrap(name.getBytes(StandardCharsets.UTF_8));
    }

    /** The header: epoch, round, mode ({@link #TRAINING}, {@link #SENT}, {@link #REJOINING}), K. */
    private void writeHeader() {
        byte mode = rejoining ? REJOINING : published ? SENT : TRAINING;
        store.put(key(HEADER), ByteBuffer.allocate(2 * Long.BYTES + 1 + Integer.BYTES).putLong(epoch).putLong(round)
                .put(mode).putInt(settings.replicas()).array());
    }
}
