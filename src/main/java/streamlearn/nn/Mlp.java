package streamlearn.nn;

import java.util.Arrays;

/**
 * A fully connected feed-forward network: layer l computes {@code a[l+1] = f_l(W_l a[l] + b_l)}.
 *
 * <p>The network owns only its shape and its scratch buffers; the parameters live in one flat
 * array passed to every call, so the same network can run the trained weights and their moving
 * average, and an optimizer can treat all parameters as one vector. Layout, layer by layer:
 * W row-major (a row per neuron, a column per input, as in {@code z = W x + b}), then b.
 *
 * <p>Not thread-safe: forward and backward reuse internal buffers, which is what keeps a step
 * free of allocation.
 */
public final class Mlp {
    /** Below this many inputs a layer's sums are written out rather than looped (see {@link #layer}). */
    private static final int SMALL_FAN_IN = 4;

    private final int[] sizes;
    private final Activation[] activations;
    private final int[] weightOffset;
    private final int[] biasOffset;
    private final int parameterCount;

    // z[l]: pre-activation of layer l; a[0]: the input, a[l + 1]: the output of layer l.
    private final double[][] z;
    private final double[][] a;
    // delta[l] = dL/dz[l]; dA is scratch for dL/da of a hidden layer.
    private final double[][] delta;
    private final double[] dA;
    private double gradientSquaredNorm;

    /**
     * @param sizes       the input width followed by each layer's width
     * @param activations one per layer
     */
    public Mlp(int[] sizes, Activation[] activations) {
        if (sizes.length < 2 || activations.length != sizes.length - 1) {
            throw new IllegalArgumentException("need an input size and one activation per layer");
        }
        this.sizes = sizes.clone();
        this.activations = activations.clone();
        int layers = activations.length;
        weightOffset = new int[layers];
        biasOffset = new int[layers];
        z = new double[layers][];
        a = new double[layers + 1][];
        delta = new double[layers][];
        a[0] = new double[sizes[0]];
        int offset = 0;
        int widest = 0;
        for (int l = 0; l < layers; l++) {
            if (sizes[l] <= 0 || sizes[l + 1] <= 0) {
                throw new IllegalArgumentException("layer sizes must be positive");
            }
            weightOffset[l] = offset;
            offset += sizes[l + 1] * sizes[l];
            biasOffset[l] = offset;
            offset += sizes[l + 1];
            z[l] = new double[sizes[l + 1]];
            a[l + 1] = new double[sizes[l + 1]];
            delta[l] = new double[sizes[l + 1]];
            widest = Math.max(widest, sizes[l]);
        }
        parameterCount = offset;
        dA = new double[widest];
    }

    public int layerCount() {
        return activations.length;
    }

    public int inputSize() {
        return sizes[0];
    }

    public int outputSize() {
        return sizes[sizes.length - 1];
    }

    /** Inputs of layer l (columns of W_l). */
    public int fanIn(int layer) {
        return sizes[layer];
    }

    /** Neurons of layer l (rows of W_l). */
    public int fanOut(int layer) {
        return sizes[layer + 1];
    }

    public Activation activation(int layer) {
        return activations[layer];
    }

    public Activation outputActivation() {
        return activations[activations.length - 1];
    }

    public int parameterCount() {
        return parameterCount;
    }

    public int weightOffset(int layer) {
        return weightOffset[layer];
    }

    public int biasOffset(int layer) {
        return biasOffset[layer];
    }

    /**
     * Runs the network on {@code x} with {@code params}. Returns the output buffer, valid until the
     * next call; the intermediate z and a stay available for {@link #backward}.
     */
    public double[] forward(double[] params, double[] x) {
        if (x != a[0]) {
            for (int j = 0; j < sizes[0]; j++) {
                a[0][j] = x[j];
            }
        }
        for (int l = 0; l < activations.length; l++) {
            int out = sizes[l + 1];
            // ReLU, the usual hidden activation, is applied as each sum is stored: no second loop.
            boolean relu = activations[l] == Activation.RELU;
            layer(params, weightOffset[l], biasOffset[l], sizes[l], out, a[l], z[l], relu ? a[l + 1] : null);
            if (!relu) {
                activations[l].forward(z[l], a[l + 1], out);
            }
        }
        return a[activations.length];
    }

    /**
     * z = W x + b for one layer, and a = max(z, 0) too when {@code relu} is not null. Each
     * neuron's sum is taken in the same order (bias first, then the inputs in order) whichever
     * loop computes it, so every shape gets the same bits.
     */
    private static void layer(double[] params, int w, int b, int in, int out, double[] x, double[] z, double[] relu) {
        if (in < SMALL_FAN_IN) {
            // One to three inputs: the sum written out, since a loop that short costs more than its
            // work; a loop per fan-in, since tests inside the loop measured slower even though
            // they do not depend on the neuron.
            double x0 = x[0];
            if (in == 1) {
                for (int i = 0; i < out; i++) {
                    z[i] = params[b + i] + params[w + i] * x0;
                }
            } else if (in == 2) {
                double x1 = x[1];
                for (int i = 0; i < out; i++) {
                    int row = w + 2 * i;
                    z[i] = params[b + i] + params[row] * x0 + params[row + 1] * x1;
                }
            } else {
                double x1 = x[1];
                double x2 = x[2];
                for (int i = 0; i < out; i++) {
                    int row = w + 3 * i;
                    z[i] = params[b + i] + params[row] * x0 + params[row + 1] * x1 + params[row + 2] * x2;
                }
            }
            if (relu != null) {
                for (int i = 0; i < out; i++) {
                    relu[i] = Activation.relu(z[i]);
                }
            }
            return;
        }
        // Each neuron's sum is a chain of dependent additions that waits on the adder's latency
        // at every input. Three neurons are summed side by side so that three chains overlap;
        // when fewer than three are left, the last one is repeated (it writes the same value
        // twice) rather than taking a slower loop. Three rather than four: a three-class output
        // layer then needs no repeated row (measured 206 against 192 ns for a 2-16-3 step, and
        // no slower for wider layers).
        int last = out - 1;
        for (int i = 0; i < out; i += 3) {
            int i1 = Math.min(i + 1, last);
            int i2 = Math.min(i + 2, last);
            int r0 = w + i * in;
            int r1 = w + i1 * in;
            int r2 = w + i2 * in;
            double s0 = params[b + i];
            double s1 = params[b + i1];
            double s2 = params[b + i2];
            for (int j = 0; j < in; j++) {
                double xj = x[j];
                s0 += params[r0 + j] * xj;
                s1 += params[r1 + j] * xj;
                s2 += params[r2 + j] * xj;
            }
            z[i] = s0;
            z[i1] = s1;
            z[i2] = s2;
            if (relu != null) {
                relu[i] = Activation.relu(s0);
                relu[i1] = Activation.relu(s1);
                relu[i2] = Activation.relu(s2);
            }
        }
    }

    /**
     * The buffer {@link #forward} reads its input from. Writing the input here and passing this
     * array to {@code forward} saves a copy.
     */
    public double[] inputBuffer() {
        return a[0];
    }

    /** The input of the last forward pass. */
    public double[] lastInput() {
        return a[0];
    }

    /**
     * The squared norm of the gradient written by the last {@link #backward}. A layer's weight
     * gradient is the outer product delta x^T, whose squared norm is |delta|^2 |x|^2, so the
     * norm costs a pass over the neurons rather than over every parameter.
     */
    public double lastGradientSquaredNorm() {
        return gradientSquaredNorm;
    }

    /** The output of the last forward pass. */
    public double[] lastOutput() {
        return a[activations.length];
    }

    /**
     * sum_j w[from + j] * x[j] for one long vector (the gradient's squared norm under L2 decay,
     * where the gradient is no longer an outer product per layer). Four partial
     * sums let the multiply-adds overlap instead of each waiting for the previous addition; the
     * order is fixed, so results stay deterministic.
     */
    static double dot(double[] w, int from, double[] x, int n) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = 0;
        for (; j + 3 < n; j += 4) {
            s0 += w[from + j] * x[j];
            s1 += w[from + j + 1] * x[j + 1];
            s2 += w[from + j + 2] * x[j + 2];
            s3 += w[from + j + 3] * x[j + 3];
        }
        for (; j < n; j++) {
            s0 += w[from + j] * x[j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Pre-activation of the output layer from the last forward pass. */
    public double[] outputPreActivation() {
        return z[activations.length - 1];
    }

    /**
     * Backpropagates the last forward pass (which must have used {@code params}) and writes dL/dθ
     * into {@code grad} (same layout as params, overwritten).
     *
     * @param outputDelta dL/dz of the output layer
     */
    public void backward(double[] params, double[] outputDelta, double[] grad) {
        int last = activations.length - 1;
        if (outputDelta != delta[last]) {
            for (int i = 0; i < sizes[last + 1]; i++) {
                delta[last][i] = outputDelta[i];
            }
        }
        backpropagate(params, grad);
    }

    /**
     * {@link #backward} from the output layer's delta written into {@link #outputDeltaBuffer};
     * with a null {@code grad} the gradient is not written. Layer l's gradient is the outer
     * product {@code delta(l) layerInput(l)^T} for its weights and {@code delta(l)} for its
     * biases, so an optimizer can read it from there (see {@link Sgd#proposeFromBackward})
     * and save the passes that write it and read it back; {@link #delta}, {@link #layerInput}
     * and {@link #lastGradientSquaredNorm} are valid either way.
     */
    public void backpropagate(double[] params, double[] grad) {
        int last = activations.length - 1;
        double squaredNorm = 0.0;
        for (int l = last; l >= 0; l--) {
            int in = sizes[l];
            int out = sizes[l + 1];
            double[] d = delta[l];
            double[] input = a[l];
            int w = weightOffset[l];
            int b = biasOffset[l];
            // dL/db = delta, dL/dW = delta x^T into grad (if wanted); dL/da[l] = W^T delta into dA.
            double deltaSquared = 0.0;
            for (int i = 0; i < out; i++) {
                deltaSquared += d[i] * d[i];
            }
            if (grad != null) {
                System.arraycopy(d, 0, grad, b, out);
            }
            double[] back = l > 0 ? dA : null;
            if (in < SMALL_FAN_IN) {
                fewInputsBackward(params, grad, w, in, out, d, input, back);
            } else {
                rowsBackward(params, grad, w, in, out, d, input, back);
            }
            double inputSquared = 0.0;
            for (int j = 0; j < in; j++) {
                inputSquared += input[j] * input[j];
            }
            // |dW|^2 + |db|^2 = |delta|^2 (|x|^2 + 1).
            squaredNorm += deltaSquared * (inputSquared + 1.0);
            if (l > 0) {
                activations[l - 1].backward(z[l - 1], a[l], dA, delta[l - 1], in);
            }
        }
        gradientSquaredNorm = squaredNorm;
    }

    /**
     * One layer's weight gradient for one to three inputs, written out as in {@link #layer},
     * unless {@code grad} is null; then, unless {@code dA} is null, {@code dA = W^T delta}.
     */
    private static void fewInputsBackward(double[] params, double[] grad, int w, int in, int out, double[] d,
                                          double[] x, double[] dA) {
        if (grad != null) {
            double x0 = x[0];
            if (in == 1) {
                for (int i = 0; i < out; i++) {
                    grad[w + i] = d[i] * x0;
                }
            } else if (in == 2) {
                double x1 = x[1];
                for (int i = 0; i < out; i++) {
                    double di = d[i];
                    grad[w + 2 * i] = di * x0;
                    grad[w + 2 * i + 1] = di * x1;
                }
            } else {
                double x1 = x[1];
                double x2 = x[2];
                for (int i = 0; i < out; i++) {
                    double di = d[i];
                    grad[w + 3 * i] = di * x0;
                    grad[w + 3 * i + 1] = di * x1;
                    grad[w + 3 * i + 2] = di * x2;
                }
            }
        }
        if (dA != null) {
            Arrays.fill(dA, 0, in, 0.0);
            for (int i = 0; i < out; i++) {
                double di = d[i];
                int row = w + i * in;
                for (int j = 0; j < in; j++) {
                    dA[j] += params[row + j] * di;
                }
            }
        }
    }

    /**
     * One layer's weight gradient ({@code grad[i][j] = delta[i] x[j]}, unless {@code grad} is
     * null) and, unless {@code dA} is null, {@code dA = W^T delta}, adding the rows in order into
     * each dA[j] as a one-row-at-a-time loop would. Three rows share one pass over the inputs (see layer()); when fewer than three
     * are left, the last row is repeated, writing the same gradient again and adding zero to dA.
     */
    private static void rowsBackward(double[] params, double[] grad, int w, int in, int out, double[] d,
                                     double[] x, double[] dA) {
        int last = out - 1;
        for (int i = 0; i < out; i += 3) {
            int r0 = w + i * in;
            int r1 = w + Math.min(i + 1, last) * in;
            int r2 = w + Math.min(i + 2, last) * in;
            double g0 = d[i];
            double g1 = d[Math.min(i + 1, last)];
            double g2 = d[Math.min(i + 2, last)];
            double e1 = i + 1 <= last ? g1 : 0.0;
            double e2 = i + 2 <= last ? g2 : 0.0;
            boolean first = i == 0;
            for (int j = 0; j < in; j++) {
                double xj = x[j];
                if (grad != null) {
                    grad[r0 + j] = g0 * xj;
                    grad[r1 + j] = g1 * xj;
                    grad[r2 + j] = g2 * xj;
                }
                if (dA == null) {
                    continue;
                }
                double sum = first ? 0.0 : dA[j];
                dA[j] = ((sum + params[r0 + j] * g0) + params[r1 + j] * e1) + params[r2 + j] * e2;
            }
        }
    }

    /** dL/dz of layer l from the last backward pass; live. */
    double[] delta(int layer) {
        return delta[layer];
    }

    /** The input of layer l in the last forward pass; live. */
    double[] layerInput(int layer) {
        return a[layer];
    }

    /**
     * The buffer {@link #backward} reads the output layer's delta from; writing it here and
     * passing this array saves a copy.
     */
    public double[] outputDeltaBuffer() {
        return delta[activations.length - 1];
    }
}
