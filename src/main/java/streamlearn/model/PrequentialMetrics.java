package streamlearn.model;

import java.util.List;

/**
 * Prequential (test-then-train) statistics of one model over a span of readings: counts, mean
 * loss, accuracy and the confusion matrix (rows: label, columns: prediction). Used for the
 * windowed {@code learner-metrics} records and for replay's summary.
 */
public final class PrequentialMetrics {
    private final List<String> classes;
    private final long[][] confusion;
    private long records;
    private long labeled;
    private long correct;
    private long diverged;
    private long drifts;
    private double lossSum;
    private long modelVersion;

    public PrequentialMetrics(ModelSpec spec) {
        classes = spec.classes();
        confusion = new long[classes.size()][classes.size()];
    }

    /** A reading's step: it counts as a record, and, when labeled inline, is scored. */
    public void add(StepResult r, long modelVersionAfter) {
        records++;
        score(r, modelVersionAfter);
    }

    /**
     * A late label's step ({@link OnlineModel#learnLate}): its reading was counted when it came;
     * the label scores the prediction made then, in the span of the label's arrival.
     */
    public void addLate(StepResult r, long modelVersionAfter) {
        score(r, modelVersionAfter);
    }

    private void score(StepResult r, long modelVersionAfter) {
        modelVersion = modelVersionAfter;
        if (r.drift() != null) {
            drifts++;
        }
        if (!r.labeled()) {
            return;
        }
        labeled++;
        lossSum += r.loss();
        if (r.outcome() == Outcome.DIVERGED) {
            diverged++;
        }
        if (r.label() >= 0) {
            confusion[r.label()][r.predicted()]++;
            if (r.correct()) {
                correct++;
            }
        }
    }

    public void reset() {
        records = 0;
        labeled = 0;
        correct = 0;
        diverged = 0;
        drifts = 0;
        lossSum = 0;
        for (long[] row : confusion) {
            java.util.Arrays.fill(row, 0);
        }
    }

    /** Drifts detected over the span. */
    public long drifts() {
        return drifts;
    }

    public long records() {
        return records;
    }

    public long labeled() {
        return labeled;
    }

    public long diverged() {
        return diverged;
    }

    /** Mean prequential loss over the labeled readings; NaN when there were none. */
    public double meanLoss() {
        return labeled == 0 ? Double.NaN : lossSum / labeled;
    }

    /** Share of labeled readings predicted right; NaN when there were none or for regression. */
    public double accuracy() {
        return labeled == 0 || classes.isEmpty() ? Double.NaN : (double) correct / labeled;
    }

    public long modelVersion() {
        return modelVersion;
    }

    /** The spec's classes, the confusion matrix's order; empty for regression. */
    public List<String> classes() {
        return classes;
    }

    public long[][] confusion() {
        return confusion;
    }

    /** Bytes of {@link #writeTo}. */
    public int binarySize() {
        return 8 * 6 + 8 * confusion.length * confusion.length + 8;
    }

    /**
     * The accumulated state, so an open window survives a restart with its model: the counts, the
     * confusion matrix, then the drifts (added with drift detection, so last).
     */
    public void writeTo(java.nio.ByteBuffer out) {
        out.putLong(records).putLong(labeled).putLong(correct).putLong(diverged).putDouble(lossSum).putLong(modelVersion);
        for (long[] row : confusion) {
            for (long v : row) {
                out.putLong(v);
            }
        }
        out.putLong(drifts);
    }

    /**
     * Reads what {@link #writeTo} wrote, from {@code in}'s position to its end. A window written
     * before drift detection ends at the confusion matrix: its drifts read as 0.
     */
    public void readFrom(java.nio.ByteBuffer in) {
        records = in.getLong();
        labeled = in.getLong();
        correct = in.getLong();
        diverged = in.getLong();
        lossSum = in.getDouble();
        modelVersion = in.getLong();
        for (long[] row : confusion) {
            for (int j = 0; j < row.length; j++) {
                row[j] = in.getLong();
            }
        }
        drifts = in.remaining() >= Long.BYTES ? in.getLong() : 0;
    }
}
