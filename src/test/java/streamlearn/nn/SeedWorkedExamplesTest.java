package streamlearn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The two worked examples of the seed documents, replayed through our code.
 *
 * <p>Seed 000: a 2-3-1 ReLU regression network, half squared error, plain gradient descent with
 * learning rate 0.01, the single sample x = (1, 2), target 3, trained ten times.
 *
 * <p>Seed 002: a 2-3-2 ReLU/softmax classifier, cross-entropy, x = (0.5, 0.5), true class 1. The
 * seed stores its weight matrices as (inputs x neurons); ours are (neurons x inputs), so they are
 * transposed below.
 *
 * <p>Every expectation is checked twice: against values computed here independently (plain
 * scalar arithmetic or a closed form) to ~1e-9, and against the seed's printed, rounded numbers
 * to the precision at which they were printed.
 */
class SeedWorkedExamplesTest {

    private static final double EXACT = 1e-9;

    // ---------------------------------------------------------------- seed 000

    private static final double[] X000 = {1, 2};
    private static final double[] T000 = {3};

    /** Our layout: W_in row-major (3 x 2), b_in, W_out (1 x 3), b_out. */
    private static double[] seed000Params() {
        return new double[] {
            1, 2,
            -3, 4,
            1, -1,
            1, 2, 0,
            1, 2, 3,
            1};
    }

    private static Trainer seed000Trainer() {
        Mlp net = new Mlp(new int[] {2, 3, 1}, new Activation[] {Activation.RELU, Activation.IDENTITY});
        double[] p = seed000Params();
        return new Trainer(net, Loss.MSE, new Sgd(p.length, 0.01, 0.0), p, 0.0, 0.0, 0.0);
    }

    /**
     * An independent reference for seed 000: the 2-3-1 network written out neuron by neuron with
     * scalars, trained ten times. Returns {prediction[10], loss[10]}.
     */
    private static double[][] seed000ScalarReference() {
        double w11 = 1, w12 = 2, w21 = -3, w22 = 4, w31 = 1, w32 = -1;
        double b1 = 1, b2 = 2, b3 = 0;
        double v1 = 1, v2 = 2, v3 = 3, c = 1;
        double x1 = 1, x2 = 2, t = 3, lr = 0.01;
        double[] predictions = new double[10];
        double[] losses = new double[10];
        for (int epoch = 0; epoch < 10; epoch++) {
            double u1 = w11 * x1 + w12 * x2 + b1;
            double u2 = w21 * x1 + w22 * x2 + b2;
            double u3 = w31 * x1 + w32 * x2 + b3;
            double h1 = u1 > 0 ? u1 : 0;
            double h2 = u2 > 0 ? u2 : 0;
            double h3 = u3 > 0 ? u3 : 0;
            double y = v1 * h1 + v2 * h2 + v3 * h3 + c;
            double e = y - t;
            predictions[epoch] = y;
            losses[epoch] = 0.5 * e * e;
            double d1 = u1 > 0 ? e * v1 : 0;
            double d2 = u2 > 0 ? e * v2 : 0;
            double d3 = u3 > 0 ? e * v3 : 0;
            v1 -= lr * e * h1;
            v2 -= lr * e * h2;
            v3 -= lr * e * h3;
            c -= lr * e;
            w11 -= lr * d1 * x1;
            w12 -= lr * d1 * x2;
            w21 -= lr * d2 * x1;
            w22 -= lr * d2 * x2;
            w31 -= lr * d3 * x1;
            w32 -= lr * d3 * x2;
            b1 -= lr * d1;
            b2 -= lr * d2;
            b3 -= lr * d3;
        }
        return new double[][] {predictions, losses};
    }

    @Test
    void seed000TenStepTrajectoryMatchesScalarReference() {
        double[][] ref = seed000ScalarReference();
        Trainer trainer = seed000Trainer();
        for (int epoch = 0; epoch < 10; epoch++) {
            double y = trainer.predict(X000)[0];
            double loss = trainer.predictionLoss(T000);
            assertEquals(ref[0][epoch], y, EXACT, "prediction at epoch " + epoch);
            assertEquals(ref[1][epoch], loss, EXACT, "loss at epoch " + epoch);
            assertTrue(trainer.train(T000), "step " + epoch + " refused");
        }
        assertEquals(10, trainer.updates());
    }

    @Test
    void seed000TenStepTrajectoryMatchesPrintedValues() {
        // "Epoch i: Loss = ..., Prediction = ..." printed with 4 decimals.
        String[] printedPrediction = {"21.0000", "4.0080", "3.4862", "3.2376", "3.1167",
            "3.0575", "3.0283", "3.0140", "3.0069", "3.0034"};
        String[] printedLoss = {"162.0000", "0.5080", "0.1182", "0.0282", "0.0068",
            "0.0017", "0.0004", "0.0001", "0.0000", "0.0000"};
        Trainer trainer = seed000Trainer();
        for (int epoch = 0; epoch < 10; epoch++) {
            double y = trainer.predict(X000)[0];
            double loss = trainer.predictionLoss(T000);
            assertRoundsTo(printedPrediction[epoch], y, "prediction at epoch " + epoch);
            assertRoundsTo(printedLoss[epoch], loss, "loss at epoch " + epoch);
            assertTrue(trainer.train(T000));
        }
    }

    @Test
    void seed000FirstForwardPassAndGradientsAreExact() {
        Mlp net = new Mlp(new int[] {2, 3, 1}, new Activation[] {Activation.RELU, Activation.IDENTITY});
        double[] p = seed000Params();
        double[] out = net.forward(p, X000);
        assertEquals(21.0, out[0], EXACT);
        double[] delta = new double[1];
        Loss.MSE.outputDelta(Activation.IDENTITY, net.outputPreActivation(), out, T000, delta, 1);
        assertEquals(18.0, delta[0], EXACT, "dL/dy = y - t");
        double[] grad = new double[net.parameterCount()];
        net.backward(p, delta, grad);
        double[] expected = {
            18, 36,
            36, 72,
            0, 0,
            18, 36, 0,
            108, 126, 0,
            18};
        assertArrayEquals(expected, grad, EXACT);
    }

    @Test
    void seed000UpdatedWeightsAfterOneStepAreExact() {
        Trainer trainer = seed000Trainer();
        trainer.predict(X000);
        assertTrue(trainer.train(T000));
        double[] expected = {
            0.82, 1.64,
            -3.36, 3.28,
            1, -1,
            0.82, 1.64, 0,
            -0.08, 0.74, 3,
            0.82};
        assertArrayEquals(expected, trainer.parameters(), EXACT);
        // The refreshed network predicts 4.008 (epoch 1 of the seed), exactly:
        // relu(0.82 + 3.28 + 0.82) = 4.92, relu(-3.36 + 6.56 + 1.64) = 4.84, third unit still dead.
        assertEquals(-0.08 * 4.92 + 0.74 * 4.84 + 0.82, trainer.predict(X000)[0], EXACT);
        assertEquals(4.008, trainer.predict(X000)[0], EXACT);
    }

    // ---------------------------------------------------------------- seed 002

    private static final double[] X002 = {0.5, 0.5};
    private static final double[] T002 = {0, 1};
    /** z2 = (0.895, -0.895): the softmax is a sigmoid of the logit difference 1.79. */
    private static final double P0 = 1.0 / (1.0 + Math.exp(-1.79));

    private static Mlp seed002Net() {
        return new Mlp(new int[] {2, 3, 2}, new Activation[] {Activation.RELU, Activation.SOFTMAX});
    }

    /**
     * Seed W1 (inputs x neurons) = [[-0.6, 0.6, 0.4], [-0.6, 0.7, 0.5]], b1 = [0.3, 0.5, 0.3];
     * seed W2 (hidden x outputs) = [[-0.7, 0.7], [0.8, -0.8], [0.5, -0.5]], b2 = [-0.4, 0.4].
     * Transposed to our rows-are-neurons layout.
     */
    private static double[] seed002Params() {
        return new double[] {
            -0.6, -0.6,
            0.6, 0.7,
            0.4, 0.5,
            0.3, 0.5, 0.3,
            -0.7, 0.8, 0.5,
            0.7, -0.8, -0.5,
            -0.4, 0.4};
    }

    @Test
    void seed002ForwardPassProbabilitiesAndLoss() {
        Mlp net = seed002Net();
        double[] a2 = net.forward(seed002Params(), X002).clone();
        double[] z2 = net.outputPreActivation();
        assertEquals(0.895, z2[0], EXACT);
        assertEquals(-0.895, z2[1], EXACT);

        assertEquals(P0, a2[0], 1e-12, "closed form 1/(1+e^-1.79)");
        assertEquals(1.0 - P0, a2[1], 1e-12);
        assertEquals(0.857, a2[0], 1e-3, "seed's printed probability");
        assertEquals(0.143, a2[1], 1e-3, "seed's printed probability");

        double loss = Loss.CROSS_ENTROPY.value(Activation.SOFTMAX, z2, a2, T002, 2);
        assertEquals(Math.log(1.0 + Math.exp(1.79)), loss, 1e-12, "exact -log p1 = log(1+e^1.79)");
        assertEquals(1.944, loss, 1e-3, "seed's printed loss");
    }

    /**
     * Every gradient the seed lists, from Mlp.backward fed with the loss's output delta. dL/da1 is
     * not a parameter gradient, so it is read as the bias gradient of an identity layer (identity
     * weights, zero bias, identity activation) inserted between the hidden and output layers: that
     * layer passes a1 through unchanged and its dL/db equals dL/da1.
     *
     * <p>Exact values, with p = 1/(1+e^-1.79): dz2 = (p, -p); dW2 = dz2 a1^T with a1 = (0, 1.15, 0.75);
     * da1 = W2^T dz2 = (-1.4p, 1.6p, p); dz1 = (0, 1.6p, p); dW1 = dz1 x^T with x = (0.5, 0.5).
     *
     * <p>The seed's numbers were rounded and then reused, so they are compared to one unit in their
     * last printed digit.
     */
    @Test
    void seed002GradientsMatchClosedFormAndPrintedValues() {
        Mlp net = seed002Net();
        double[] params = seed002Params();
        net.forward(params, X002);
        double[] dz2 = new double[2];
        Loss.CROSS_ENTROPY.outputDelta(Activation.SOFTMAX, net.outputPreActivation(), net.lastOutput(),
                T002, dz2, 2);
        double[] grad = new double[net.parameterCount()];
        net.backward(params, dz2, grad);

        double p = P0;
        // dL/dz2
        assertArrayEquals(new double[] {p, -p}, dz2, EXACT);
        assertArrayEquals(new double[] {0.857, -0.857}, dz2, 1e-3);
        // dL/dW2 (rows = outputs), dL/db2
        int w2 = net.weightOffset(1);
        int b2 = net.biasOffset(1);
        double[] dW2 = slice(grad, w2, 6);
        assertArrayEquals(new double[] {0, 1.15 * p, 0.75 * p, 0, -1.15 * p, -0.75 * p}, dW2, EXACT);
        assertArrayEquals(new double[] {0, 0.986, 0.643, 0, -0.986, -0.643}, dW2, 1e-3);
        assertArrayEquals(new double[] {p, -p}, slice(grad, b2, 2), EXACT);
        assertArrayEquals(new double[] {0.857, -0.857}, slice(grad, b2, 2), 1e-3);
        // dL/dW1 (rows = neurons, columns = inputs), dL/db1 = dL/dz1
        double[] dW1 = slice(grad, net.weightOffset(0), 6);
        assertArrayEquals(new double[] {0, 0, 0.8 * p, 0.8 * p, 0.5 * p, 0.5 * p}, dW1, EXACT);
        // Seed (inputs x neurons): [[0, 0.685, 0.428], [0, 0.685, 0.428]], transposed.
        assertArrayEquals(new double[] {0, 0, 0.685, 0.685, 0.428, 0.428}, dW1, 1e-3);
        double[] dz1 = slice(grad, net.biasOffset(0), 3);
        assertArrayEquals(new double[] {0, 1.6 * p, p}, dz1, EXACT);
        assertEquals(0.0, dz1[0], 0.0, "ReLU gate of the inactive neuron (z1 = -0.3)");
        assertEquals(1.37, dz1[1], 1e-2);
        assertEquals(0.857, dz1[2], 1e-3);

        // dL/da1 via an inserted identity layer.
        Mlp withProbe = new Mlp(new int[] {2, 3, 3, 2},
                new Activation[] {Activation.RELU, Activation.IDENTITY, Activation.SOFTMAX});
        double[] probeParams = new double[withProbe.parameterCount()];
        System.arraycopy(params, 0, probeParams, 0, 9);               // W1, b1
        probeParams[withProbe.weightOffset(1)] = 1;                  // identity W, zero b
        probeParams[withProbe.weightOffset(1) + 4] = 1;
        probeParams[withProbe.weightOffset(1) + 8] = 1;
        System.arraycopy(params, 9, probeParams, withProbe.weightOffset(2), 8); // W2, b2
        double[] a2 = withProbe.forward(probeParams, X002);
        assertEquals(P0, a2[0], 1e-12, "the probe layer must not change the forward pass");
        double[] dz2Probe = new double[2];
        Loss.CROSS_ENTROPY.outputDelta(Activation.SOFTMAX, withProbe.outputPreActivation(),
                withProbe.lastOutput(), T002, dz2Probe, 2);
        double[] probeGrad = new double[withProbe.parameterCount()];
        withProbe.backward(probeParams, dz2Probe, probeGrad);
        double[] da1 = slice(probeGrad, withProbe.biasOffset(1), 3);
        assertArrayEquals(new double[] {-1.4 * p, 1.6 * p, p}, da1, EXACT);
        assertEquals(-1.2, da1[0], 1e-1);
        assertEquals(1.37, da1[1], 1e-2);
        assertEquals(0.857, da1[2], 1e-3);
        // and the probe leaves the first-layer gradients as they were
        assertArrayEquals(slice(grad, 0, 9), slice(probeGrad, 0, 9), EXACT);
    }

    @Test
    void seed002OneSgdStepUpdatesW1AsInTheSeed() {
        Mlp net = seed002Net();
        double[] params = seed002Params();
        Trainer trainer = new Trainer(net, Loss.CROSS_ENTROPY, new Sgd(params.length, 0.01, 0.0),
                params, 0.0, 0.0, 0.0);
        trainer.predict(X002);
        assertTrue(trainer.train(T002));
        double[] w1 = slice(trainer.parameters(), net.weightOffset(0), 6);
        double p = P0;
        double[] exact = {
            -0.6, -0.6,
            0.6 - 0.01 * 0.8 * p, 0.7 - 0.01 * 0.8 * p,
            0.4 - 0.01 * 0.5 * p, 0.5 - 0.01 * 0.5 * p};
        assertArrayEquals(exact, w1, EXACT);
        // Seed (inputs x neurons): [[-0.6, 0.59315, 0.39572], [-0.6, 0.69315, 0.49572]], transposed.
        assertArrayEquals(new double[] {-0.6, -0.6, 0.59315, 0.69315, 0.39572, 0.49572}, w1, 1e-5);
        // The first neuron was inactive: its weights did not move at all.
        assertEquals(-0.6, w1[0], 0.0);
        assertEquals(-0.6, w1[1], 0.0);
    }

    // ---------------------------------------------------------------- helpers

    private static double[] slice(double[] a, int from, int n) {
        double[] s = new double[n];
        System.arraycopy(a, from, s, 0, n);
        return s;
    }

    /** Asserts that {@code actual} rounds to the printed decimal (half a unit in its last place). */
    private static void assertRoundsTo(String printed, double actual, String message) {
        int dot = printed.indexOf('.');
        int decimals = dot < 0 ? 0 : printed.length() - dot - 1;
        double halfUnit = 0.5 * Math.pow(10, -decimals);
        assertEquals(Double.parseDouble(printed), actual, halfUnit + 1e-12, message + " (printed " + printed + ")");
    }
}
