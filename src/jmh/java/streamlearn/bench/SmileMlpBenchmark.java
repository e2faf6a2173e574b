package streamlearn.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import smile.base.mlp.Layer;
import smile.base.mlp.OutputFunction;
import smile.classification.MLP;
import smile.math.TimeFunction;
import streamlearn.model.Reading;

/**
 * The baseline: Smile 3.1.1's {@code MLP.update(double[], int)}, its online update on one
 * sample, on the same 2-16-3 shape as our {@code OnlineModelBenchmark.trainStep} with spec
 * {@code 2-16-3-sgd}: ReLU hidden layer, softmax output with cross-entropy (Smile's
 * {@code mle}), plain SGD (no momentum, no weight decay) at the same learning rate 0.05, on
 * the same sensor readings.
 *
 * <p>Smile does not standardise online, so its inputs are standardised once, before measuring,
 * with the ring's own mean and standard deviation: Smile's figure leaves out the standardisation
 * that ours includes, which favours Smile. Smile's update is one forward and one backward pass,
 * like our train step; ours also computes the prediction's loss.
 */
public class SmileMlpBenchmark extends MicroBenchmark {
    private static final double LEARNING_RATE = 0.05;

    private MLP mlp;
    private double[][] x;
    private int[] y;
    private double[] posteriori;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        Reading[] ring = BenchData.labeledRing(2);
        x = standardised(ring);
        y = new int[ring.length];
        for (int i = 0; i < ring.length; i++) {
            y[i] = ring[i].label();
        }
        smile.math.MathEx.setSeed(42);
        mlp = new MLP(Layer.input(2), Layer.rectifier(16), Layer.mle(3, OutputFunction.SOFTMAX));
        mlp.setLearningRate(TimeFunction.constant(LEARNING_RATE));
        posteriori = new double[3];
        for (int i = 0; i < BenchData.PRETRAIN_STEPS; i++) {
            mlp.update(x[i & BenchData.MASK], y[i & BenchData.MASK]);
        }
    }

    @Benchmark
    public MLP update() {
        int i = next++ & BenchData.MASK;
        mlp.update(x[i], y[i]);
        return mlp;
    }

    @Benchmark
    public int predict() {
        return mlp.predict(x[next++ & BenchData.MASK], posteriori);
    }

    /** Fails the run if Smile's model diverged (NaN arithmetic would distort its figure). */
    @TearDown(Level.Trial)
    public void checkFinite() {
        int correct = 0;
        for (int i = 0; i < x.length; i++) {
            int p = mlp.predict(x[i], posteriori);
            if (!Double.isFinite(posteriori[0])) {
                throw new IllegalStateException("Smile's MLP diverged");
            }
            correct += p == y[i] ? 1 : 0;
        }
        if (correct < x.length / 2) {
            throw new IllegalStateException("Smile's MLP did not learn: " + correct + "/" + x.length);
        }
    }

    private static double[][] standardised(Reading[] ring) {
        int n = ring.length;
        int d = ring[0].features().length;
        double[] mean = new double[d];
        double[] sd = new double[d];
        for (Reading r : ring) {
            for (int f = 0; f < d; f++) {
                mean[f] += r.features()[f] / n;
            }
        }
        for (Reading r : ring) {
            for (int f = 0; f < d; f++) {
                double dev = r.features()[f] - mean[f];
                sd[f] += dev * dev / n;
            }
        }
        double[][] out = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < d; f++) {
                out[i][f] = (ring[i].features()[f] - mean[f]) / Math.sqrt(sd[f]);
            }
        }
        return out;
    }
}
