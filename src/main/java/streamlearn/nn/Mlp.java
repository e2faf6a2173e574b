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

    /** A network of this one's shape, with buffers of its own (the parameters live apart). */
    public Mlp sameShape() {
        return new Mlp(sizes.clone(), activations.clone());
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
            affine(params, weightOffset[l], biasOffset[l], sizes[l], sizes[l + 1], a[l], z[l]);
            activations[l].forward(z[l], a[l + 1], sizes[l + 1]);
        }
        return a[activations.length];
    }

    /**
     * z = W x + b, the forward kernel. Each neuron's sum adds the bias first and then its inputs
     * in order, in every branch, so every shape gets the same bits. Two cases are faster than a
     * plain loop per neuron (docs/BENCHMARKS.md, "One kernel each"): a layer of one to three
     * inputs (a sensor model's first layer) is summed without an inner loop, which costs more
     * than its work; otherwise three neurons are summed side by side, so that their chains of
     * dependent additions overlap instead of each waiting on the adder. When fewer than three
     * are left, the last is summed again in the spare lanes and written twice with the same value.
     */
    private static void affine(double[] params, int w, int b, int in, int out, double[] x, double[] z) {
        if (in < 4) {
            double x0 = x[0];
            double x1 = in > 1 ? x[1] : 0.0;
            double x2 = in > 2 ? x[2] : 0.0;
            for (int i = 0; i < out; i++) {
                int row = w + i * in;
                double sum = params[b + i] + params[row] * x0;
                if (in > 1) {
                    sum += params[row + 1] * x1;
                }
                if (in > 2) {
                    sum += params[row + 2] * x2;
                }
                z[i] = sum;
            }
            return;
        }
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
        }
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
            System.arraycopy(d, 0, grad, biasOffset[l], out);
            layerBackward(params, grad, weightOffset[l], in, out, d, input, l > 0 ? dA : null);
            // A layer's |dW|^2 + |db|^2 is |delta|^2 (|x|^2 + 1): a pass over its neurons and
            // inputs instead of one over all of its parameters.
            squaredNorm += squaredSum(d, out) * (squaredSum(input, in) + 1.0);
            if (l > 0) {
                activations[l - 1].backward(z[l - 1], a[l], dA, delta[l - 1], in);
            }
        }
        gradientSquaredNorm = squaredNorm;
    }

    /**
     * The backward kernel of one layer: its weight gradient {@code grad[i][j] = d[i] x[j]} and,
     * unless {@code dA} is null (the first layer), {@code dA = W^T d}, the rows added into each
     * dA[j] in order. The same two cases as {@link #affine}: a first layer of one to three inputs
     * without an inner loop; otherwise three rows share each pass over the inputs, a repeated
     * last row writing the same gradient again and adding zero to dA.
     */
    private static void layerBackward(double[] params, double[] grad, int w, int in, int out, double[] d,
                                      double[] x, double[] dA) {
        if (in < 4 && dA == null) {
            double x0 = x[0];
            double x1 = in > 1 ? x[1] : 0.0;
            double x2 = in > 2 ? x[2] : 0.0;
            for (int i = 0; i < out; i++) {
                int row = w + i * in;
                grad[row] = d[i] * x0;
                if (in > 1) {
                    grad[row + 1] = d[i] * x1;
                }
                if (in > 2) {
                    grad[row + 2] = d[i] * x2;
                }
            }
            return;
        }
        int last = out - 1;
        for (int i = 0; i < out; i += 3) {
            int i1 = Math.min(i + 1, last);
            int i2 = Math.min(i + 2, last);
            int r0 = w + i * in;
            int r1 = w + i1 * in;
            int r2 = w + i2 * in;
            double g0 = d[i];
            double g1 = d[i1];
            double g2 = d[i2];
            double e1 = i + 1 <= last ? g1 : 0.0;
            double e2 = i + 2 <= last ? g2 : 0.0;
            boolean first = i == 0;
            for (int j = 0; j < in; j++) {
                double xj = x[j];
                grad[r0 + j] = g0 * xj;
                grad[r1 + j] = g1 * xj;
                grad[r2 + j] = g2 * xj;
                if (dA != null) {
                    double sum = first ? 0.0 : dA[j];
                    dA[j] = ((sum + params[r0 + j] * g0) + params[r1 + j] * e1) + params[r2 + j] * e2;
                }
            }
        }
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
