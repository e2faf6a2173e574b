package streamlearn.model;

import java.util.Arrays;
import streamlearn.nn.StateReader;
import streamlearn.nn.StateWriter;

/**
 * ADWIN (ADaptive WINdowing; Bifet and Gavaldà, "Learning from time-changing data with adaptive
 * windowing", SDM 2007): a window of the most recent values in [0, 1], here the learner's
 * prequential error, that shrinks whenever some split of it into an older and a newer part has
 * means further apart than chance allows. Its only parameter, {@code delta}, bounds the
 * probability of a false cut: a stationary stream is cut with probability at most delta per check.
 *
 * <p>The window is kept as an exponential histogram: row {@code r} holds up to
 * {@link #BUCKETS_PER_ROW} buckets of {@code 2^r} values each (their sum and their variance
 * around their own mean), so memory and the work of a check grow with the logarithm of the
 * window's length. A split is checked every {@link #CLOCK} values, at every bucket boundary.
 *
 * <p>{@link #add} reports only an <em>increase</em>: when the newer part's mean is higher (the
 * learner got worse). A decrease (the learner recovered) still drops the old part, so the window
 * describes the present, but it is nothing to react to.
 *
 * <p>Fixed capacity, nothing allocated per value; deterministic, and its whole state is written by
 * {@link #writeState}.
 */
public final class Adwin {
    /** Buckets a row holds before its two oldest merge into one of the next row. */
    static final int BUCKETS_PER_ROW = 5;
    /** Values between two checks for a split. */
    static final int CLOCK = 32;
    /** Neither part of a split is shorter than this. */
    static final int MIN_PART = 5;
    /** Rows of buckets: 2^62 values, far beyond any stream. */
    private static final int ROWS = 62;
    private static final int SLOTS = BUCKETS_PER_ROW + 1;

    private final double delta;
    // Bucket k of row r (oldest first) is slot r * SLOTS + k.
    private final double[] sums = new double[ROWS * SLOTS];
    private final double[] variances = new double[ROWS * SLOTS];
    private final int[] counts = new int[ROWS];
    private int rows;
    private long width;
    private double sum;
    private double variance; // sum of squared deviations from the window's mean
    private long seen;

    // The last split that was cut, for the caller's report.
    private double olderMean;
    private double newerMean;
    private long newerLength;

    public Adwin(double delta) {
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
        }
        this.delta = delta;
    }

    public double delta() {
        return delta;
    }

    /** Values in the window. */
    public long width() {
        return width;
    }

    /** Mean of the window. */
    public double mean() {
        return width == 0 ? 0.0 : sum / width;
    }

    /** Mean of the part dropped by the last increase reported. */
    public double olderMean() {
        return olderMean;
    }

    /** Mean of the part kept by the last increase reported. */
    public double newerMean() {
        return newerMean;
    }

    /** Length of the part kept by the last increase reported. */
    public long newerLength() {
        return newerLength;
    }

    /**
     * Adds one value in [0, 1].
     *
     * @return true when the window was cut because its newer part's mean is higher than its older
     *         part's: the values got worse
     */
    public boolean add(double x) {
        seen++;
        insert(x);
        if (seen % CLOCK != 0 || width <= 2 * MIN_PART) {
            return false;
        }
        boolean increased = false;
        boolean cut = true;
        while (cut) {
            cut = cutOldestIfSplitDiffers();
            if (cut && newerMean > olderMean) {
                increased = true;
            }
        }
        return increased;
    }

    private void insert(double x) {
        if (width > 0) {
            double d = x - sum / width;
            variance += width * d * d / (width + 1);
        }
        width++;
        sum += x;
        sums[0 * SLOTS + counts[0]] = x;
        variances[0 * SLOTS + counts[0]] = 0.0;
        counts[0]++;
        if (rows == 0) {
            rows = 1;
        }
        for (int r = 0; r < rows && counts[r] > BUCKETS_PER_ROW; r++) {
            mergeOldestTwo(r);
        }
    }

    /** Merges the two oldest buckets of row r into the newest slot of row r + 1. */
    private void mergeOldestTwo(int r) {
        int a = r * SLOTS;
        double n = bucketSize(r);
        double meanA = sums[a] / n;
        double meanB = sums[a + 1] / n;
        double mergedSum = sums[a] + sums[a + 1];
        double mergedVariance = variances[a] + variances[a + 1] + n * n * (meanA - meanB) * (meanA - meanB) / (2 * n);
        removeOldest(r, 2);
        if (r + 1 == rows) {
            rows++;
        }
        int slot = (r + 1) * SLOTS + counts[r + 1];
        sums[slot] = mergedSum;
        variances[slot] = mergedVariance;
        counts[r + 1]++;
    }

    private void removeOldest(int r, int k) {
        int a = r * SLOTS;
        int left = counts[r] - k;
        System.arraycopy(sums, a + k, sums, a, left);
        System.arraycopy(variances, a + k, variances, a, left);
        counts[r] = left;
    }

    private static double bucketSize(int row) {
        return (double) (1L << row);
    }

    /**
     * Walks the splits from the oldest bucket boundary to the newest; at the first whose parts
     * differ by more than the bound, drops the oldest bucket and says so.
     */
    private boolean cutOldestIfSplitDiffers() {
        double logTerm = Math.log(2.0 * Math.log(width) / delta);
        double windowVariance = variance / width;
        double n0 = 0;
        double s0 = 0;
        for (int r = rows - 1; r >= 0; r--) {
            double size = bucketSize(r);
            for (int k = 0; k < counts[r]; k++) {
                n0 += size;
                s0 += sums[r * SLOTS + k];
                double n1 = width - n0;
                if (n1 < 1) {
                    return false;
                }
                if (n0 > MIN_PART + 1 && n1 > MIN_PART + 1) {
                    double m0 = s0 / n0;
                    double m1 = (sum - s0) / n1;
                    if (Math.abs(m0 - m1) > bound(n0, n1, windowVariance, logTerm)) {
                        olderMean = m0;
                        newerMean = m1;
                        newerLength = (long) n1;
                        dropOldestBucket();
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * The cut threshold of ADWIN's paper (its Bernstein form): with m the harmonic-mean-like
     * 1/n0 + 1/n1 (each part shortened by MIN_PART), eps = sqrt(2 m var ln) + 2/3 m ln.
     */
    private static double bound(double n0, double n1, double windowVariance, double logTerm) {
        double m = 1.0 / (n0 - MIN_PART + 1) + 1.0 / (n1 - MIN_PART + 1);
        return Math.sqrt(2.0 * m * windowVariance * logTerm) + 2.0 / 3.0 * logTerm * m;
    }

    private void dropOldestBucket() {
        int r = rows - 1;
        double n = bucketSize(r);
        double s = sums[r * SLOTS];
        double v = variances[r * SLOTS];
        removeOldest(r, 1);
        if (counts[r] == 0) {
            rows--;
        }
        width -= (long) n;
        sum -= s;
        double mean = width > 0 ? sum / width : 0.0;
        double d = s / n - mean;
        variance = Math.max(0.0, variance - v - n * width * d * d / (n + width));
        if (width == 0) {
            sum = 0.0;
            variance = 0.0;
        }
    }

    /**
     * Empties the window, as after a change the learner has reacted to: what the window held
     * describes the learner before its reaction, and a later cut between that and the errors of
     * its recovery would report the same change again (docs/QUALITY.md, "The detector"). The
     * clock's phase ({@code seen}) and the last cut's report stay.
     */
    public void clear() {
        Arrays.fill(counts, 0);
        rows = 0;
        width = 0;
        sum = 0.0;
        variance = 0.0;
    }

    /** Writes the window: its totals, then every bucket (row, sum, variance), oldest first per row. */
    public void writeState(StateWriter out) {
        out.count("seen", seen);
        out.count("width", width);
        out.number("sum", sum);
        out.number("variance", variance);
        int buckets = 0;
        for (int r = 0; r < rows; r++) {
            buckets += counts[r];
        }
        double[] bucketRows = new double[buckets];
        double[] bucketSums = new double[buckets];
        double[] bucketVariances = new double[buckets];
        int b = 0;
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < counts[r]; k++, b++) {
                bucketRows[b] = r;
                bucketSums[b] = sums[r * SLOTS + k];
                bucketVariances[b] = variances[r * SLOTS + k];
            }
        }
        out.count("buckets", buckets);
        out.vector("rows", bucketRows);
        out.vector("sums", bucketSums);
        out.vector("variances", bucketVariances);
    }

    /** Restores what {@link #writeState} wrote, checking the buckets form a valid histogram. */
    public void readState(StateReader in) {
        seen = in.count("seen");
        width = in.count("width");
        sum = in.number("sum");
        variance = in.number("variance");
        long buckets = in.count("buckets");
        if (buckets > (long) ROWS * BUCKETS_PER_ROW) {
            throw new IllegalArgumentException("drift detector: " + buckets + " buckets is more than a window holds");
        }
        double[] bucketRows = new double[(int) buckets];
        double[] bucketSums = new double[(int) buckets];
        double[] bucketVariances = new double[(int) buckets];
        in.vector("rows", bucketRows);
        in.vector("sums", bucketSums);
        in.vector("variances", bucketVariances);
        Arrays.fill(counts, 0);
        rows = 0;
        long total = 0;
        for (int b = 0; b < buckets; b++) {
            int r = (int) bucketRows[b];
            if (r != bucketRows[b] || r < rows - 1 || r >= ROWS || counts[r] == BUCKETS_PER_ROW) {
                throw new IllegalArgumentException("drift detector: bucket " + b + " is out of order");
            }
            sums[r * SLOTS + counts[r]] = bucketSums[b];
            variances[r * SLOTS + counts[r]] = bucketVariances[b];
            counts[r]++;
            rows = r + 1;
            total += 1L << r;
        }
        if (total != width) {
            throw new IllegalArgumentException("drift detector: buckets hold " + total + " values, width says " + width);
        }
    }
}
