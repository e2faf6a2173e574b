package streamlearn.model;

import java.util.List;

/**
 * Prequential (test-then-train) statistics of one model over a span of readings: counts, mean
 * loss, accuracy and the confusion matrix (rows: label, columns: prediction), and what the matrix
 * tells about rare classes (per class precision, recall, F1 and support, balanced accuracy,
 * Cohen's kappa); for regression, the mean absolute and root mean squared error. Used for the
 * windowed {@code learner-metrics} records and for replay's summary.
 *
 * <p>A figure that the span cannot define is NaN (JSON null), never 0: every figure when nothing
 * was labeled; a class's recall when it had no label (support 0), its precision when it was never
 * predicted, its F1 when either is undefined; kappa when chance agreement is already 1 (every label
 * and prediction the same one class). Balanced accuracy is the mean recall over the classes that
 * had labels, so a class absent from the span neither counts as missed nor makes it undefined.
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
    // Regression: the labeled readings scored by their error, and the sums of |error| and error^2.
    private long errorCount;
    private double absErrorSum;
    private double squaredErrorSum;

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
        if (classes.isEmpty()) {
            double error = r.predictedValue() - r.target();
            errorCount++;
            absErrorSum += Math.abs(error);
            squaredErrorSum += error * error;
        } else if (r.label() >= 0) {
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
        errorCount = 0;
        absErrorSum = 0;
        squaredErrorSum = 0;
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

    /** Labeled readings of class {@code c}: its row of the confusion matrix. */
    public long support(int c) {
        long n = 0;
        for (long v : confusion[c]) {
            n += v;
        }
        return n;
    }

    /** Readings predicted as class {@code c}, among the labeled: its column. */
    private long predictedAs(int c) {
        long n = 0;
        for (long[] row : confusion) {
            n += row[c];
        }
        return n;
    }

    /** Share of the labeled readings of class {@code c} predicted as {@code c}; NaN when it had none. */
    public double recall(int c) {
        long support = support(c);
        return support == 0 ? Double.NaN : (double) confusion[c][c] / support;
    }

    /** Share of the labeled readings predicted as {@code c} that were {@code c}; NaN when none was predicted so. */
    public double precision(int c) {
        long predicted = predictedAs(c);
        return predicted == 0 ? Double.NaN : (double) confusion[c][c] / predicted;
    }

    /** Harmonic mean of precision and recall; NaN when either is, 0 when both are 0. */
    public double f1(int c) {
        double p = precision(c);
        double r = recall(c);
        if (Double.isNaN(p) || Double.isNaN(r)) {
            return Double.NaN;
        }
        return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
    }

    /** Mean recall over the classes that had labels; NaN when none had (nothing labeled, or regression). */
    public double balancedAccuracy() {
        double sum = 0;
        int classesSeen = 0;
        for (int c = 0; c < confusion.length; c++) {
            if (support(c) > 0) {
                sum += recall(c);
                classesSeen++;
            }
        }
        return classesSeen == 0 ? Double.NaN : sum / classesSeen;
    }

    /**
     * Cohen's kappa, (p_o - p_e) / (1 - p_e): agreement beyond what chance (labels and predictions
     * with the span's frequencies, independent) would give; 1 is perfect, 0 no better than chance.
     * NaN when nothing was labeled, or when p_e is 1 (one class in every label and prediction).
     */
    public double kappa() {
        long n = 0;
        long agree = 0;
        for (int c = 0; c < confusion.length; c++) {
            n += support(c);
            agree += confusion[c][c];
        }
        if (n == 0) {
            return Double.NaN;
        }
        double chance = 0;
        for (int c = 0; c < confusion.length; c++) {
            chance += (double) support(c) * predictedAs(c);
        }
        chance /= (double) n * n;
        if (chance >= 1.0) {
            return Double.NaN;
        }
        return ((double) agree / n - chance) / (1.0 - chance);
    }

    /** Regression: mean |prediction - target| over the labeled readings; NaN when none, or for classification. */
    public double meanAbsoluteError() {
        return errorCount == 0 ? Double.NaN : absErrorSum / errorCount;
    }

    /** Regression: the root of the mean squared error over the labeled readings; NaN when none, or for classification. */
    public double rootMeanSquaredError() {
        return errorCount == 0 ? Double.NaN : Math.sqrt(squaredErrorSum / errorCount);
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
        return 8 * 6 + 8 * confusion.length * confusion.length + 8 + 24;
    }

    /**
     * The accumulated state, so an open window survives a restart with its model: the counts, the
     * confusion matrix, the drifts, then the regression errors' count and sums.
     */
    public void writeTo(java.nio.ByteBuffer out) {
        out.putLong(records).putLong(labeled).putLong(correct).putLong(diverged).putDouble(lossSum).putLong(modelVersion);
        for (long[] row : confusion) {
            for (long v : row) {
                out.putLong(v);
            }
        }
        out.putLong(drifts);
        out.putLong(errorCount).putDouble(absErrorSum).putDouble(squaredErrorSum);
    }

    /**
     * Reads what {@link #writeTo} wrote, from {@code in}'s position to its end, which must be
     * exactly {@link #binarySize} bytes away.
     *
     * @throws IllegalStateException when it is not (nothing is read then)
     */
    public void readFrom(java.nio.ByteBuffer in) {
        if (in.remaining() != binarySize()) {
            throw new IllegalStateException("unsupported metrics window record: " + in.remaining()
                    + " bytes, expected " + binarySize() + " for " + classes.size() + " classes");
        }
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
        drifts = in.getLong();
        errorCount = in.getLong();
        absErrorSum = in.getDouble();
        squaredErrorSum = in.getDouble();
    }
}
