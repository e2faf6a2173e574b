package streamlearn.format;

import java.nio.ByteBuffer;
import streamlearn.model.OnlineModel;

/**
 * A record of the replicas topic ({@code model.replicas}, docs/DESIGN.md section 9): one replica's
 * state for a round of merges, or a new start of the rounds (a restore or a reset of the whole
 * model). Binary, big-endian: magic "SLR1", kind (1 byte), epoch (8), round (8), the sending
 * replica (4), then the model as a binary snapshot ({@link ModelSnapshot#toBytes}).
 *
 * @param kind    {@link Kind#STATE}: the replica's model at the end of its share of {@code round};
 *                {@link Kind#RESTART}: every replica starts over from {@code model} (epoch {@code epoch}, round 0)
 * @param epoch   how many times the rounds started over: a record of an older epoch is stale
 * @param round   the round the state ends
 * @param replica the partition of the replica that sent it
 */
public record ReplicaMessage(Kind kind, long epoch, long round, int replica, OnlineModel model) {
    private static final int MAGIC = 0x534C5231;
    private static final int HEADER = 4 + 1 + 8 + 8 + 4;

    public enum Kind { STATE, RESTART }

    public byte[] toBytes() {
        byte[] snapshot = ModelSnapshot.toBytes(model);
        return ByteBuffer.allocate(HEADER + snapshot.length).putInt(MAGIC).put((byte) kind.ordinal()).putLong(epoch)
                .putLong(round).putInt(replica).put(snapshot).array();
    }

    /**
     * @throws IllegalArgumentException when {@code bytes} are not a replica record of this build
     */
    public static ReplicaMessage fromBytes(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER) {
            throw new IllegalArgumentException("not a replica record: " + (bytes == null ? "no value" : bytes.length + " bytes"));
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (in.getInt() != MAGIC) {
            throw new IllegalArgumentException("not a replica record of this build's format");
        }
        int kind = in.get();
        if (kind < 0 || kind >= Kind.values().length) {
            throw new IllegalArgumentException("replica record of unknown kind " + kind);
        }
        long epoch = in.getLong();
        long round = in.getLong();
        int replica = in.getInt();
        return new ReplicaMessage(Kind.values()[kind], epoch, round, replica, ModelSnapshot.read(in.slice(), true));
    }

    /** The record's key: the model and the sending replica, so that compaction keeps each replica's latest. */
    public static String key(String modelId, int replica) {
        return modelId + "/" + replica;
    }
}
