package streamlearn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A class weight w makes the step that of the loss w L: its gradient, taken by backpropagation,
 * against central finite differences of w L; and clipping bounds the gradient per unit of weight,
 * so a clipped weighted step is still w times the clipped unweighted one (under SGD).
 */
class WeightedLossTest {
    private static final double H = 1e-6;

    private static Mlp net(Activation out, int k) {
        return new Mlp(new int[] {3, 4, k}, new Activation[] {Activation.TANH, out});
    }

    private static double[] params(Mlp net, long seed) {
        Random random = new Random(seed);
        double[] p = new double[net.parameterCount()];
        for (int i = 0; i < p.length; i++) {
            p[i] = random.nextGaussian() * 0.8;
        }
        return p;
    }

    /** w L at {@code p}, for the input and target. */
    private static double weightedLoss(Mlp net, Loss loss, double[] p, double[] x, double[] t, double w) {
        double[] a = net.forward(p, x).clone();
        return w * loss.value(net.outputActivation(), net.outputPreActivation(), a, t, a.length);
    }

    /** The gradient a step of plain SGD with learning rate 1 took: old minus new parameters. */
    private static double[] stepGradient(Trainer trainer, double[] before) {
        double[] g = new double[before.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = before[i] - trainer.parameters()[i];
        }
        return g;
    }

    private static void checkAgainstFiniteDifferences(Activation out, Loss loss, int k, boolean byClass) {
        Mlp net = net(out, k);
        double[] p = params(net, 17 + k);
        double[] x = {0.3, -1.2, 0.7};
        double[] t = new double[k];
        t[k == 1 ? 0 : 1] = 1.0;
        double w = 3.7;
        Trainer trainer = new Trainer(net, loss, new Sgd(p.length, 1.0, 0.0), p, 0, 0, 0);
        trainer.predict(x);
        assertTrue(byClass ? trainer.trainOnClass(1, w) : trainer.train(t, w));
        double[] g = stepGradient(trainer, p);
        for (int i = 0; i < p.length; i++) {
            double[] plus = p.clone();
            double[] minus = p.clone();
            plus[i] += H;
            minus[i] -= H;
            double numeric = (weightedLoss(net, loss, plus, x, t, w) - weightedLoss(net, loss, minus, x, t, w)) / (2 * H);
            assertEquals(numeric, g[i], 1e-6 * Math.max(1.0, Math.abs(numeric)), "parameter " + i);
        }
    }

    @Test
    void weightedSoftmaxCrossEntropyByClassMatchesFiniteDifferences() {
        checkAgainstFiniteDifferences(Activation.SOFTMAX, Loss.CROSS_ENTROPY, 3, true);
    }

    @Test
    void weightedBinaryCrossEntropyMatchesFiniteDifferences() {
        checkAgainstFiniteDifferences(Activation.SIGMOID, Loss.BINARY_CROSS_ENTROPY, 1, false);
    }

    @Test
    void weightedMseMatchesFiniteDifferences() {
        checkAgainstFiniteDifferences(Activation.IDENTITY, Loss.MSE, 2, false);
    }

    /** A weight of 1 is the unweighted step, bit for bit. */
    @Test
    void weightOneIsTheUnweightedStep() {
        Mlp net = net(Activation.SOFTMAX, 3);
        double[] p = params(net, 3);
        Trainer weighted = new Trainer(net, Loss.CROSS_ENTROPY, new Adam(p.length, 0.01, 0.9, 0.999, 1e-8), p, 0, 5.0, 0.99);
        Mlp net2 = net(Activation.SOFTMAX, 3);
        Trainer plain = new Trainer(net2, Loss.CROSS_ENTROPY, new Adam(p.length, 0.01, 0.9, 0.999, 1e-8), p, 0, 5.0, 0.99);
        Random random = new Random(4);
        for (int s = 0; s < 50; s++) {
            double[] x = {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
            int label = random.nextInt(3);
            weighted.predict(x);
            plain.predict(x);
            weighted.trainOnClass(label, 1.0);
            plain.trainOnClass(label);
        }
        assertTrue(java.util.Arrays.equals(plain.parameters(), weighted.parameters()));
    }

    /**
     * Clipping bounds the gradient per unit of weight: with a clip far below the gradient's norm,
     * the weighted SGD step is still w times the unweighted one (clipping the weighted gradient to
     * the same bound would make every weight alike).
     */
    @Test
    void clippingScalesWithTheWeight() {
        Mlp net = net(Activation.SOFTMAX, 3);
        double[] p = params(net, 8);
        double[] x = {2.0, -1.0, 0.5};
        double w = 6.0;
        Trainer plain = new Trainer(net, Loss.CROSS_ENTROPY, new Sgd(p.length, 1.0, 0.0), p, 0, 1e-3, 0);
        plain.predict(x);
        plain.trainOnClass(2, 1.0);
        double[] unweighted = stepGradient(plain, p);
        Mlp net2 = net(Activation.SOFTMAX, 3);
        Trainer weighted = new Trainer(net2, Loss.CROSS_ENTROPY, new Sgd(p.length, 1.0, 0.0), p, 0, 1e-3, 0);
        weighted.predict(x);
        weighted.trainOnClass(2, w);
        double[] g = stepGradient(weighted, p);
        double norm = Math.sqrt(Mlp.dot(unweighted, 0, unweighted, unweighted.length));
        assertEquals(1e-3, norm, 1e-12, "the unweighted step was clipped");
        for (int i = 0; i < g.length; i++) {
            assertEquals(w * unweighted[i], g[i], 1e-15, "parameter " + i);
        }
    }
}
