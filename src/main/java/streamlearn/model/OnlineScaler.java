package streamlearn.model;

import streamlearn.nn.StateReader;
import streamlearn.nn.StateWriter;

/**
 * Running mean and variance of each feature (Welford's algorithm), used to standardise inputs
 * as they arrive: no pass over the data is needed, and the statistics are part of the model's
 * state, so a restored model standardises exactly as before.
 */
public final class OnlineScaler {
    private long count;
    private final double[] mean;
    private final double[] m2;
    private final double[] inverseStd;
    // The state before the last update, so a refused training step can take it back exactly.
    private long previousCount;
    private final double[] previousMean;
    private final double[] previousM2;

    public OnlineScaler(int features) {
        mean = new double[features];
        m2 = new double[features];
        inverseStd = new double[features];
        java.util.Arrays.fill(inverseStd, 1.0);
        previousMean = new double[features];
        previousM2 = new double[features];
    }

    public void update(double[] x) {
        previousCount = count;
        count++;
        for (int i = 0; i < mean.length; i++) {
            previousMean[i] = mean[i];
            previousM2[i] = m2[i];
            double d = x[i] - mean[i];
            mean[i] += d / count;
            m2[i] += d * (x[i] - mean[i]);
            inverseStd[i] = inverseStd(m2[i], count);
        }
    }

    /** Takes back the last {@link #update}, bit for bit. */
    public void undoUpdate() {
        restore(previousCount, previousMean, previousM2);
    }

    /** out = (x - mean) / std; a feature without spread yet is only centred. */
    public void transform(double[] x, double[] out) {
        for (int i = 0; i < mean.length; i++) {
            out[i] = (x[i] - mean[i]) * inverseStd[i];
        }
    }

    public long count() {
        return count;
    }

    /** Writes the statistics, for a snapshot. */
    public void writeState(StateWriter out) {
        out.count("count", count);
        out.vector("mean", mean);
        out.vector("m2", m2);
    }

    /** Restores what {@link #writeState} wrote. */
    public void readState(StateReader in) {
        count = in.count("count");
        in.vector("mean", mean);
        in.vector("m2", m2);
        refreshInverseStd();
    }

    private void restore(long n, double[] means, double[] m2s) {
        count = n;
        System.arraycopy(means, 0, mean, 0, mean.length);
        System.arraycopy(m2s, 0, m2, 0, m2.length);
        refreshInverseStd();
    }

    private void refreshInverseStd() {
        for (int i = 0; i < mean.length; i++) {
            inverseStd[i] = inverseStd(m2[i], count);
        }
    }

    private static double inverseStd(double m2, long n) {
        double variance = n > 1 ? m2 / n : 0.0;
        return variance > 0 ? 1.0 / Math.sqrt(variance) : 1.0;
    }
}
