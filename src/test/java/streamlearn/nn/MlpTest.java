package streamlearn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast loops of {@link Mlp} against the textbook ones: {@code z_i = b_i + sum_j W_ij x_j}
 * written as one plain loop per neuron, and {@code dW = delta x^T}. The layer loops change with
 * the shape (small fan-in, three neurons side by side, a remainder of one or two) and ReLU is
 * applied inside the layer's loop, so every fan-in from 1 to 6 meets every width from 1 to 9,
 * with tanh and with ReLU; the results must be the same bits, since the model's determinism does
 * not depend on its shape. The same holds for plain SGD's step from the unwritten gradient.
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

        // Plain SGD reads the gradient where a backward pass without one leaves it: the textbook
        // step p - delta_i (lr scale x_j), weight by weight.
        double lastNorm = net.lastGradientSquaredNorm();
        net.backpropagate(params, null);
        assertEquals(lastNorm, net.lastGradientSquaredNorm(), 0.0, shape + " gradient norm without the gradient");
        double learningRate = 0.1;
        double scale = 0.75;
        double[] next = new double[params.length];
        new Sgd(params.length, learningRate, 0.0).proposeFromBackward(params, net, scale, 1.0, next);
        double[] expectedNext = new double[params.length];
        textbookPlainStep(net, 1, delta, h, learningRate * scale, params, expectedNext);
        textbookPlainStep(net, 0, hiddenDelta, x, learningRate * scale, params, expectedNext);
        assertArrayEquals(expectedNext, next, 0.0, shape + " plain SGD step");
    }

    private static void textbookPlainStep(Mlp net, int layer, double[] delta, double[] x, double c, double[] params,
                                          double[] next) {
        for (int i = 0; i < delta.length; i++) {
            for (int j = 0; j < x.length; j++) {
                int k = net.weightOffset(layer) + i * x.length + j;
                next[k] = params[k] - delta[i] * (c * x[j]);
            }
            int b = net.biasOffset(layer) + i;
            next[b] = params[b] - delta[i] * c;
        }
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
