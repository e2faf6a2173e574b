package streamlearn.nn;

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

    /** The output of the last forward pass. */
    public double[] lastOutput() {
        return a[activations.length];
    }

    /** Pre-activation of the output layer from the last forward pass. */
    public double[] outputPreActivation() {
        return z[activations.length - 1];
    }

    /**
     * The buffer {@link #backward} reads the output layer's delta from; writing it here and
     * passing this array saves a copy.
     */
    public double[] outputDeltaBuffer() {
        return delta[activations.length - 1];
    }

    /** The squared norm of the gradient written by the last {@link #backward}. */
    public double lastGradientSquaredNorm() {
        return gradientSquaredNorm;
    }

    /**
     * Runs the network on {@code x} with {@code params}. Returns the output buffer, valid until the
     * next call; the intermediate z and a stay available for {@link #backward}.
     */
    public double[] forward(double[] params, double[] x) {
        if (x != a[0]) {
            System.arraycopy(x, 0, a[0], 0, sizes[0]);
        }
        for (int l = 0; l < activations.length; l++) {
            int in = sizes[l];
            int out = sizes[l + 1];
            double[] input = a[l];
            int w = weightOffset[l];
            int b = biasOffset[l];
            // z = b + W x, input by input: each neuron's sum still adds the bias first and then
            // its inputs in order (every shape gets the same bits), but the neurons' sums advance
            // side by side instead of each waiting on its own chain of additions.
            double[] sums = z[l];
            System.arraycopy(params, b, sums, 0, out);
            for (int j = 0; j < in; j++) {
                double xj = input[j];
                for (int i = 0; i < out; i++) {
                    sums[i] += params[w + i * in + j] * xj;
                }
            }
            activations[l].forward(z[l], a[l + 1], out);
        }
        return a[activations.length];
    }

    /**
     * Backpropagates the last forward pass (which must have used {@code params}) and writes dL/dθ
     * into {@code grad} (same layout as params, overwritten): layer l's weight gradient is the
     * outer product {@code delta(l) a(l)^T}, its bias gradient {@code delta(l)}.
     *
     * @param outputDelta dL/dz of the output layer
     */
    public void backward(double[] params, double[] outputDelta, double[] grad) {
        int last = activations.length - 1;
        if (outputDelta != delta[last]) {
            System.arraycopy(outputDelta, 0, delta[last], 0, sizes[last + 1]);
        }
        double squaredNorm = 0.0;
        for (int l = last; l >= 0; l--) {
            int in = sizes[l];
            int out = sizes[l + 1];
            double[] d = delta[l];
            double[] input = a[l];
            int w = weightOffset[l];
            System.arraycopy(d, 0, grad, biasOffset[l], out);
            for (int i = 0; i < out; i++) {
                double di = d[i];
                int row = w + i * in;
                for (int j = 0; j < in; j++) {
                    grad[row + j] = di * input[j];
                }
            }
            // A layer's |dW|^2 + |db|^2 is |delta|^2 (|x|^2 + 1): a pass over its neurons and
            // inputs instead of one over all of its parameters.
            squaredNorm += squaredSum(d, out) * (squaredSum(input, in) + 1.0);
            if (l > 0) {
                // dL/da(l) = W^T delta, rows added in order, then through the activation below.
                java.util.Arrays.fill(dA, 0, in, 0.0);
                for (int i = 0; i < out; i++) {
                    double di = d[i];
                    int row = w + i * in;
                    for (int j = 0; j < in; j++) {
                        dA[j] += params[row + j] * di;
                    }
                }
                activations[l - 1].backward(z[l - 1], a[l], dA, delta[l - 1], in);
            }
        }
        gradientSquaredNorm = squaredNorm;
    }

    private static double squaredSum(double[] v, int n) {
        double sum = 0.0;
        for (int i = 0; i < n; i++) {
            sum += v[i] * v[i];
        }
        return sum;
    }

    /**
     * sum_j w[from + j] * x[j] for one long vector (the gradient's squared norm under L2 decay,
     * where the gradient is no longer an outer product per layer). Four partial sums let the
     * multiply-adds overlap instead of each waiting for the previous addition; the order is
     * fixed, so results stay deterministic.
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
}
