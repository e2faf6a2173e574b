package streamlearn.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import streamlearn.model.Reading;

/**
 * Floors for {@code OnlineModelBenchmark.trainStep} on 2-16-3 SGD: the same prequential step
 * (standardise with Welford's update, forward, softmax, loss, predicted class, backward, gradient
 * norm, plain SGD) written out for that one shape, with constant loop bounds, no generic code and
 * no finiteness check.
 *
 * <ul>
 *   <li>{@code step} has the generic step's structure: the gradient is written out, then a pass
 *       of SGD reads it into the next parameters.</li>
 *   <li>{@code fusedStep} is the whole step as one method: the weights are updated in place,
 *       straight from the deltas and the layer inputs, in two passes over the hidden units. It
 *       shows what a step compiled for one shape could reach, beyond what generic layer loops
 *       reach.</li>
 * </ul>
 */
public class HandWrittenStepBenchmark extends MicroBenchmark {
    private static final int HIDDEN = 16;
    private static final int CLASSES = 3;
    private static final double LEARNING_RATE = 0.05;
    // Layout as in Mlp: W1 (16 x 2, row-major), b1, W2 (3 x 16), b2.
    private static final int B1 = 2 * HIDDEN;
    private static final int W2 = B1 + HIDDEN;
    private static final int B2 = W2 + CLASSES * HIDDEN;
    private static final int PARAMETERS = B2 + CLASSES;

    private double[] params = new double[PARAMETERS];
    private double[] next = new double[PARAMETERS];
    private final double[] grad = new double[PARAMETERS];
    private final double[] mean = new double[2];
    private final double[] m2 = new double[2];
    private long count;
    private final double[] z1 = new double[HIDDEN];
    private final double[] a1 = new double[HIDDEN];
    private final double[] d1 = new double[HIDDEN];
    private Reading[] labeled;
    private int index;
    // Left by predict() for the backward pass.
    private double x0;
    private double x1;
    private double d0;
    private double d1x;
    private double d2;

    @Setup
    public void setUp() {
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < PARAMETERS; i++) {
            params[i] = random.nextGaussian() * 0.3;
        }
        labeled = BenchData.labeledRing(2);
        for (int i = 0; i < BenchData.PRETRAIN_STEPS; i++) {
            step();
        }
    }

    @Benchmark
    public double step() {
        double prediction = predict();
        double[] w = params;
        double x0 = this.x0;
        double x1 = this.x1;
        double d0 = this.d0;
        double d1x = this.d1x;
        double d2 = this.d2;
        grad[B2] = d0;
        grad[B2 + 1] = d1x;
        grad[B2 + 2] = d2;
        double hiddenSquared = 0.0;
        for (int j = 0; j < HIDDEN; j++) {
            double aj = a1[j];
            hiddenSquared += aj * aj;
            grad[W2 + j] = d0 * aj;
            grad[W2 + HIDDEN + j] = d1x * aj;
            grad[W2 + 2 * HIDDEN + j] = d2 * aj;
            double back = w[W2 + j] * d0 + w[W2 + HIDDEN + j] * d1x + w[W2 + 2 * HIDDEN + j] * d2;
            d1[j] = z1[j] > 0 ? back : 0.0;
        }
        double hiddenDeltaSquared = 0.0;
        for (int i = 0; i < HIDDEN; i++) {
            double di = d1[i];
            grad[B1 + i] = di;
            grad[2 * i] = di * x0;
            grad[2 * i + 1] = di * x1;
            hiddenDeltaSquared += di * di;
        }
        double squaredNorm = (d0 * d0 + d1x * d1x + d2 * d2) * (hiddenSquared + 1.0)
                + hiddenDeltaSquared * (x0 * x0 + x1 * x1 + 1.0);

        double[] n = next;
        for (int i = 0; i < PARAMETERS; i++) {
            n[i] = w[i] - LEARNING_RATE * grad[i];
        }
        next = w;
        params = n;
        return prediction + squaredNorm;
    }

    @Benchmark
    public double fusedStep() {
        double prediction = predict();
        double[] w = params;
        double x0 = this.x0;
        double x1 = this.x1;
        double d0 = this.d0;
        double d1x = this.d1x;
        double d2 = this.d2;
        // First pass: the hidden deltas and the norm, from the weights before the step.
        double hiddenSquared = 0.0;
        double hiddenDeltaSquared = 0.0;
        for (int j = 0; j < HIDDEN; j++) {
            double aj = a1[j];
            hiddenSquared += aj * aj;
            double back = w[W2 + j] * d0 + w[W2 + HIDDEN + j] * d1x + w[W2 + 2 * HIDDEN + j] * d2;
            double dj = z1[j] > 0 ? back : 0.0;
            d1[j] = dj;
            hiddenDeltaSquared += dj * dj;
        }
        double squaredNorm = (d0 * d0 + d1x * d1x + d2 * d2) * (hiddenSquared + 1.0)
                + hiddenDeltaSquared * (x0 * x0 + x1 * x1 + 1.0);
        // Second pass: the step, in place.
        double g0 = LEARNING_RATE * d0;
        double g1 = LEARNING_RATE * d1x;
        double g2 = LEARNING_RATE * d2;
        double u0 = LEARNING_RATE * x0;
        double u1 = LEARNING_RATE * x1;
        for (int j = 0; j < HIDDEN; j++) {
            double aj = a1[j];
            w[W2 + j] -= g0 * aj;
            w[W2 + HIDDEN + j] -= g1 * aj;
            w[W2 + 2 * HIDDEN + j] -= g2 * aj;
            double dj = d1[j];
            w[2 * j] -= dj * u0;
            w[2 * j + 1] -= dj * u1;
            w[B1 + j] -= LEARNING_RATE * dj;
        }
        w[B2] -= g0;
        w[B2 + 1] -= g1;
        w[B2 + 2] -= g2;
        return prediction + squaredNorm;
    }

    /**
     * Standardise, forward, softmax, loss and predicted class, shared by both steps; leaves the
     * standardised input in x0 and x1 and the output deltas in d0, d1x and d2.
     */
    private double predict() {
        Reading reading = labeled[index++ & BenchData.MASK];
        double[] f = reading.features();
        double[] w = params;
        count++;
        x0 = standardise(0, f[0]);
        x1 = standardise(1, f[1]);

        for (int i = 0; i < HIDDEN; i++) {
            double z = w[B1 + i] + w[2 * i] * x0 + w[2 * i + 1] * x1;
            z1[i] = z;
            a1[i] = Math.max(z, 0.0);
        }
        double s0 = w[B2];
        double s1 = w[B2 + 1];
        double s2 = w[B2 + 2];
        for (int j = 0; j < HIDDEN; j++) {
            double aj = a1[j];
            s0 += w[W2 + j] * aj;
            s1 += w[W2 + HIDDEN + j] * aj;
            s2 += w[W2 + 2 * HIDDEN + j] * aj;
        }
        double max = Math.max(s0, Math.max(s1, s2));
        double e0 = Math.exp(s0 - max);
        double e1 = Math.exp(s1 - max);
        double e2 = Math.exp(s2 - max);
        double inverseSum = 1.0 / (e0 + e1 + e2);
        double p0 = e0 * inverseSum;
        double p1 = e1 * inverseSum;
        double p2 = e2 * inverseSum;
        int label = reading.label();
        int predicted = p1 > p0 ? (p2 > p1 ? 2 : 1) : (p2 > p0 ? 2 : 0);
        double loss = -Math.log(label == 0 ? p0 : label == 1 ? p1 : p2);
        d0 = p0 - (label == 0 ? 1.0 : 0.0);
        d1x = p1 - (label == 1 ? 1.0 : 0.0);
        d2 = p2 - (label == 2 ? 1.0 : 0.0);
        return loss + predicted;
    }

    private double standardise(int feature, double x) {
        double d = x - mean[feature];
        mean[feature] += d / count;
        m2[feature] += d * (x - mean[feature]);
        double variance = count > 1 ? m2[feature] / count : 0.0;
        double inverseStd = variance > 0 ? 1.0 / Math.sqrt(variance) : 1.0;
        return (x - mean[feature]) * inverseStd;
    }
}
