package streamlearn.model;

/**
 * A label sent after its reading (the labels topic, or a replay line without features). It names
 * its reading by the reading's {@code id}, or, for a reading that had none, by {@code sensorId}
 * and the reading's timestamp. Mutable and reused from record to record, like {@link Reading}.
 */
public final class LateLabel {
    String sensorId;
    String readingId;
    long timestamp;
    boolean hasTimestamp;
    int label = Reading.UNLABELED;
    boolean hasTarget;
    double target;
    String keyFieldValue;
    byte[] sourceKey;
    byte[] sourceValue;

    public String sensorId() {
        return sensorId;
    }

    /** The {@code id} of the reading this label is for, or null: then {@link #timestamp} names it. */
    public String readingId() {
        return readingId;
    }

    public boolean hasTimestamp() {
        return hasTimestamp;
    }

    /** The timestamp of the reading this label is for (used when the label has no id). */
    public long timestamp() {
        return timestamp;
    }

    /** Index of the label in the spec's classes, or {@link Reading#UNLABELED} (regression). */
    public int label() {
        return label;
    }

    public boolean hasTarget() {
        return hasTarget;
    }

    public double target() {
        return target;
    }

    /** The value of the field named by {@code model.key=field:<name>}, if the label carries it; else null. */
    public String keyFieldValue() {
        return keyFieldValue;
    }

    /** The key of the record the label came in, as sent (null when unknown): what a dead letter of it carries. */
    public byte[] sourceKey() {
        return sourceKey;
    }

    /** The bytes of the record the label came in, as sent (null when unknown): what a dead letter of it carries. */
    public byte[] sourceValue() {
        return sourceValue;
    }

    /** Where the label came from, set after it is parsed: kept for its dead letter should it wait and find nothing. */
    public void setSource(byte[] key, byte[] value) {
        this.sourceKey = key;
        this.sourceValue = value;
    }

    public void setSensorId(String sensorId) {
        this.sensorId = sensorId;
    }

    public void setReadingId(String readingId) {
        this.readingId = readingId;
    }

    public void setTimestamp(long timestamp) {
        this.timestamp = timestamp;
        this.hasTimestamp = true;
    }

    public void setLabel(int label) {
        this.label = label;
    }

    public void setTarget(double target) {
        this.target = target;
        this.hasTarget = true;
    }

    public void setKeyFieldValue(String value) {
        this.keyFieldValue = value;
    }

    /** Sets the fields a test or a replay built in code needs: a class label for the reading {@code id}. */
    public LateLabel set(String sensorId, String readingId, int label) {
        clear();
        this.sensorId = sensorId;
        this.readingId = readingId;
        this.label = label;
        return this;
    }

    /** Empties the label for the next record. */
    public void clear() {
        sensorId = null;
        readingId = null;
        timestamp = 0;
        hasTimestamp = false;
        label = Reading.UNLABELED;
        hasTarget = false;
        target = 0;
        keyFieldValue = null;
        sourceKey = null;
        sourceValue = null;
    }
}
