package streamlearn.model;

/**
 * One sensor reading, parsed. Mutable and reused from record to record so the per-record path
 * does not allocate one; features are in the spec's order.
 */
public final class Reading {
    public static final int UNLABELED = -1;

    String sensorId;
    String id;
    long timestamp;
    boolean hasTimestamp;
    final double[] features;
    int label = UNLABELED;
    boolean hasTarget;
    double target;
    String keyFieldValue;

    public Reading(int featureCount) {
        features = new double[featureCount];
    }

    public String sensorId() {
        return sensorId;
    }

    /** The reading's {@code id}, naming it for a late label; null when it has none. */
    public String id() {
        return id;
    }

    /** Event time in epoch milliseconds, if the reading carried one. */
    public boolean hasTimestamp() {
        return hasTimestamp;
    }

    public long timestamp() {
        return timestamp;
    }

    /** Uses the record's timestamp when the reading carried none. */
    public void defaultTimestamp(long recordTimestamp) {
        if (!hasTimestamp) {
            timestamp = recordTimestamp;
            hasTimestamp = true;
        }
    }

    public double[] features() {
        return features;
    }

    /** Index of the label in the spec's classes, or {@link #UNLABELED}. */
    public int label() {
        return label;
    }

    public boolean hasTarget() {
        return hasTarget;
    }

    public double target() {
        return target;
    }

    /** True when the reading can be trained on (a class label, or a regression target). */
    public boolean isLabeled() {
        return label != UNLABELED || hasTarget;
    }

    /** The value of the field named by {@code model.key=field:<name>}, or null. */
    public String keyFieldValue() {
        return keyFieldValue;
    }

    /** Sets all fields; for tests, the simulator and replays built in code. */
    public Reading set(String sensorId, long timestamp, double[] values, int label) {
        this.sensorId = sensorId;
        this.id = null;
        this.timestamp = timestamp;
        this.hasTimestamp = true;
        System.arraycopy(values, 0, features, 0, features.length);
        this.label = label;
        this.hasTarget = false;
        this.keyFieldValue = null;
        return this;
    }

    /** The parser's setters: a reading is filled field by field as its JSON is read. */
    public void setSensorId(String sensorId) {
        this.sensorId = sensorId;
    }

    public void setId(String id) {
        this.id = id;
    }

    public void setTimestamp(long timestamp) {
        this.timestamp = timestamp;
        this.hasTimestamp = true;
    }

    public void setFeature(int index, double value) {
        features[index] = value;
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

    /** Empties the reading for the next record (the features are overwritten by the next one). */
    public void clear() {
        sensorId = null;
        id = null;
        timestamp = 0;
        hasTimestamp = false;
        label = UNLABELED;
        hasTarget = false;
        target = 0;
        keyFieldValue = null;
    }
}
