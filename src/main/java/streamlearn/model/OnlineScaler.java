package streamlearn.model;

import streamlearn.nn.StateReader;
import streamlearn.nn.StateWriter;

/**
 * Running mean and variance of each feature, used to standardise inputs as they arrive: no pass
 * over the data is needed, and the statistics are part of the model's state, so a restored model
 * standardises exactly as before.
 *
 * <p>The statistics follow a drifting sensor and shrug off a glitch:
 * <ul>
 *   <li>each update weighs the new reading by {@code w = max(1/count, 1/memory)}: for the first
 *       {@code memory} readings ({@link #DEFAULT_MEMORY} unless the spec says otherwise) this is
 *       exactly Welford's running mean and (population) variance, after that an exponentially
 *       weighted mean and variance that forget at rate 1/memory, so they follow a level shift
 *       with a time constant of {@code memory} readings;</li>
 *   <li>before it counts, a reading is clipped to {@code mean +/- CLIP * std} (once the variance
 *       is positive), so one reading, however wild, moves the mean by at most
 *       {@code w * CLIP * std} and multiplies the variance by at most {@code (1 - w)(1 + w CLIP^2)};</li>
 *   <li>the standardised input is clipped to {@code +/- INPUT_BOUND}.</li>
 * </ul>
 * A value in the first two readings is not clipped (there is no spread to clip against yet); the
 * spec's {@code ranges} are the guard against those.
 */
public final class OnlineScaler {
    /** Readings the statistics remember by default: the forgetting rate is 1/memory once that many are seen. */
    public static final int DEFAULT_MEMORY = 10_000;
    /** The longest memory a spec may ask for: beyond it the statistics would hardly follow any drift. */
    public static final long MAX_MEMORY = 100_000_000;
    /** A reading counts as at most this many standard deviations from the mean. */
    public static final double CLIP = 4.0;
    /** The largest standardised input, either sign, the network is given. */
    public static final double INPUT_BOUND = 8.0;

    private final double alpha;

    private long count;
    private final double[] mean;
    private final double[] variance;
    private final double[] std;
    private final double[] inverseStd;
    // The state before the last update, so a refused training step can take it back exactly.
    private long previousCount;
    private final double[] previousMean;
    private final double[] previousVariance;

    public OnlineScaler(int features) {
        this(features, DEFAULT_MEMORY);
    }

    /** @param memory readings the statistics remember (spec: {@code "standardize":{"memory":N}}) */
    public OnlineScaler(int features, long memory) {
        alpha = 1.0 / memory;
        mean = new double[features];
        variance = new double[features];
        std = new double[features];
        inverseStd = new double[features];
        java.util.Arrays.fill(inverseStd, 1.0);
        previousMean = new double[features];
        previousVariance = new double[features];
    }

    public void update(double[] x) {
        previousCount = count;
        count++;
        double w = Math.max(1.0 / count, alpha);
        for (int i = 0; i < mean.length; i++) {
            previousMean[i] = mean[i];
            previousVariance[i] = variance[i];
            double m = mean[i];
            double xi = x[i];
            if (std[i] > 0) {
                double reach = CLIP * std[i];
                xi = Math.max(m - reach, Math.min(m + reach, xi));
            }
            double d = finite(xi - m);
            mean[i] = m + w * d;
            variance[i] = finite((1 - w) * (variance[i] + w * d * d));
            refresh(i);
        }
    }

    /**
     * Weighs everything seen so far as {@code readings} readings: the statistics then move
     * towards the readings that follow as fast as they did at the start.
     */
    public void remember(long readings) {
        count = Math.min(count, readings);
    }

    /** Takes back the last {@link #update}, bit for bit. */
    public void undoUpdate() {
        count = previousCount;
        System.arraycopy(previousMean, 0, mean, 0, mean.length);
        System.arraycopy(previousVariance, 0, variance, 0, variance.length);
        refreshAll();
    }

    /**
     * out = (x - mean) / std, clipped to +/- {@link #INPUT_BOUND}; a feature without spread yet is
     * only centred (and clipped).
     */
    public void transform(double[] x, double[] out) {
        for (int i = 0; i < mean.length; i++) {
            double z = (x[i] - mean[i]) * inverseStd[i];
            out[i] = Math.max(-INPUT_BOUND, Math.min(INPUT_BOUND, z));
        }
    }

    public long count() {
        return count;
    }

    /** The current mean of feature {@code i}. */
    public double mean(int i) {
        return mean[i];
    }

    /** The current variance of feature {@code i}. */
    public double variance(int i) {
        return variance[i];
    }

    /**
     * Makes this scaler's statistics {@code other}'s, bit for bit (both of one spec): what a
     * read-only prediction of a labeled reading updates in place of the model's own scaler.
     */
    public void copyFrom(OnlineScaler other) {
        count = other.count;
        System.arraycopy(other.mean, 0, mean, 0, mean.length);
        System.arraycopy(other.variance, 0, variance, 0, variance.length);
        System.arraycopy(other.std, 0, std, 0, std.length);
        System.arraycopy(other.inverseStd, 0, inverseStd, 0, inverseStd.length);
    }

    /** Writes the statistics, for a snapshot. */
    public void writeState(StateWriter out) {
        out.count("count", count);
        out.vector("mean", mean);
        out.vector("variance", variance);
    }

    /** Restores what {@link #writeState} wrote. */
    public void readState(StateReader in) {
        count = in.count("count");
        in.vector("mean", mean);
        in.vector("variance", variance);
        refreshAll();
    }

    private void refreshAll() {
        for (int i = 0; i < mean.length; i++) {
            refresh(i);
        }
    }

    private void refresh(int i) {
        double v = variance[i];
        std[i] = v > 0 ? Math.sqrt(v) : 0.0;
        inverseStd[i] = v > 0 ? 1.0 / std[i] : 1.0;
    }

    /** Keeps a statistic finite when a value near the largest double overflows. */
    private static double finite(double v) {
        return v >= Double.MAX_VALUE ? Double.MAX_VALUE : v <= -Double.MAX_VALUE ? -Double.MAX_VALUE : v;
    }
}
