package streamlearn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Mlp}'s forward and backward passes against the textbook, written here independently:
 * {@code z_i = b_i + sum_j W_ij x_j} as one plain loop per neuron, {@code dW = delta x^T},
 * {@code dA = W^T delta}. Every fan-in from 1 to 6 meets every width from 1 to 9, with tanh and
 * with ReLU, and the results must be the same bits: the summation order is part of what makes the
 * model deterministic, so a faster loop may not change it for any shape.
 */
class MlpTest {

    @Test
    void everyShapeComputesTheTextbookLayerBitForBit() {
        Random random = new Random(7);
        for (Activation hiddenActivation : new Activation[] {Activation.TANH, Activation.RELU}) {
            for (int in = 1; in <= 6; in++) {
                for (int hidden = 1; hidden <= 9; hidden++) {
                    for (int out = 1; out <= 5; out++) {
                        checkShape(hiddenActivation, in, hidden, out, random);
                    }
                }
            }
        }
    }

    /** One in-hidden-out network with random weights, input and output delta, against the textbook. */
    private static void checkShape(Activation hiddenActivation, int in, int hidden, int out, Random random) {
        Mlp net = new Mlp(new int[] {in, hidden, out}, new Activation[] {hiddenActivation, Activation.IDENTITY});
        boolean relu = hiddenActivation == Activation.RELU;
        double[] params = gaussian(random, net.parameterCount());
        double[] x = gaussian(random, in);
        double[] delta = gaussian(random, out);

        double[] y = net.forward(params, x).clone();
        double[] grad = new double[params.length];
        net.backward(params, delta, grad);

        String shape = hiddenActivation.id() + " " + in + "-" + hidden + "-" + out;
        double[] zh = textbookLayer(net, params, 0, x);
        double[] h = new double[hidden];
        for (int i = 0; i < hidden; i++) {
            h[i] = relu ? Math.max(zh[i], 0.0) : Math.tanh(zh[i]);
        }
        assertArrayEquals(textbookLayer(net, params, 1, h), y, 0.0, shape + " forward");

        double[] hiddenDelta = new double[hidden];
        for (int j = 0; j < hidden; j++) {
            double sum = 0.0;
            for (int i = 0; i < out; i++) {
                sum += params[net.weightOffset(1) + i * hidden + j] * delta[i];
            }
            hiddenDelta[j] = relu ? (zh[j] > 0 ? sum : 0.0) : sum * (1.0 - h[j] * h[j]);
        }
        double[] expected = new double[params.length];
        textbookGradient(net, 1, delta, h, expected);
        textbookGradient(net, 0, hiddenDelta, x, expected);
        assertArrayEquals(expected, grad, 0.0, shape + " gradient");

        double squared = 0.0;
        for (double g : expected) {
            squared += g * g;
        }
        assertEquals(squared, net.lastGradientSquaredNorm(), 1e-12 * squared, shape + " gradient norm");
    }

    private static double[] textbookLayer(Mlp net, double[] params, int layer, double[] x) {
        double[] z = new double[net.fanOut(layer)];
        for (int i = 0; i < z.length; i++) {
            double sum = params[net.biasOffset(layer) + i];
            for (int j = 0; j < x.length; j++) {
                sum += params[net.weightOffset(layer) + i * x.length + j] * x[j];
            }
            z[i] = sum;
        }
        return z;
    }

    private static void textbookGradient(Mlp net, int layer, double[] delta, double[] x, double[] grad) {
        for (int i = 0; i < delta.length; i++) {
            for (int j = 0; j < x.length; j++) {
                grad[net.weightOffset(layer) + i * x.length + j] = delta[i] * x[j];
            }
            grad[net.biasOffset(layer) + i] = delta[i];
        }
    }

    private static double[] gaussian(Random random, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextGaussian();
        }
        return v;
    }
}
