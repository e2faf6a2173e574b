package streamlearn.nn;

/**
 * Element-wise (and, for softmax, vector-wise) activation functions of a dense layer.
 *
 * <p>{@link #backward} turns dL/da into dL/dz. It receives both the pre-activation z and the
 * activation a because some derivatives are cheapest from one (ReLU gates on z) and some from
 * the other (sigmoid' = a(1-a)).
 */
public enum Activation {
    RELU("relu") {
        @Override
        public void forward(double[] z, double[] a, int n) {
            for (int i = 0; i < n; i++) {
                a[i] = Math.max(z[i], 0.0);
            }
        }

        @Override
        public void backward(double[] z, double[] a, double[] dA, double[] dZ, int n) {
            // Half the units are off at random, so a branch here would be mispredicted half the
            // time; masking dA with the sign of 0 - z (set exactly when z > 0) costs no branch.
            for (int i = 0; i < n; i++) {
                long passes = Double.doubleToRawLongBits(0.0 - z[i]) >> 63;
                dZ[i] = Double.longBitsToDouble(Double.doubleToRawLongBits(dA[i]) & passes);
            }
        }
    },
    LEAKY_RELU("leaky_relu") {
        @Override
        public void forward(double[] z, double[] a, int n) {
            for (int i = 0; i < n; i++) {
                a[i] = z[i] > 0 ? z[i] : LEAKY_SLOPE * z[i];
            }
        }

        @Override
        public void backward(double[] z, double[] a, double[] dA, double[] dZ, int n) {
            for (int i = 0; i < n; i++) {
                dZ[i] = z[i] > 0 ? dA[i] : LEAKY_SLOPE * dA[i];
            }
        }
    },
    SIGMOID("sigmoid") {
        @Override
        public void forward(double[] z, double[] a, int n) {
            for (int i = 0; i < n; i++) {
                a[i] = sigmoid(z[i]);
            }
        }

        @Override
        public void backward(double[] z, double[] a, double[] dA, double[] dZ, int n) {
            for (int i = 0; i < n; i++) {
                dZ[i] = dA[i] * a[i] * (1.0 - a[i]);
            }
        }
    },
    TANH("tanh") {
        @Override
        public void forward(double[] z, double[] a, int n) {
            for (int i = 0; i < n; i++) {
                a[i] = Math.tanh(z[i]);
            }
        }

        @Override
        public void backward(double[] z, double[] a, double[] dA, double[] dZ, int n) {
            for (int i = 0; i < n; i++) {
                dZ[i] = dA[i] * (1.0 - a[i] * a[i]);
            }
        }
    },
    SOFTMAX("softmax") {
        @Override
        public void forward(double[] z, double[] a, int n) {
            // Shifting by the maximum keeps exp() from overflowing; the result is unchanged.
            double max = z[0];
            for (int i = 1; i < n; i++) {
                max = Math.max(max, z[i]);
            }
            double sum = 0.0;
            for (int i = 0; i < n; i++) {
                a[i] = Math.exp(z[i] - max);
                sum += a[i];
            }
            double inv = 1.0 / sum;
            for (int i = 0; i < n; i++) {
                a[i] *= inv;
            }
        }

        @Override
        public void backward(double[] z, double[] a, double[] dA, double[] dZ, int n) {
            // Full Jacobian-vector product: dz_i = a_i (g_i - sum_j a_j g_j). With cross-entropy
            // the loss short-circuits this to a - y (see Loss#outputDelta).
            double dot = 0.0;
            for (int j = 0; j < n; j++) {
                dot += a[j] * dA[j];
            }
            for (int i = 0; i < n; i++) {
                dZ[i] = a[i] * (dA[i] - dot);
            }
        }
    },
    IDENTITY("identity") {
        @Override
        public void forward(double[] z, double[] a, int n) {
            System.arraycopy(z, 0, a, 0, n);
        }

        @Override
        public void backward(double[] z, double[] a, double[] dA, double[] dZ, int n) {
            System.arraycopy(dA, 0, dZ, 0, n);
        }
    };

    /** Slope of leaky ReLU for negative inputs (the common default). */
    public static final double LEAKY_SLOPE = 0.01;

    private final String id;

    Activation(String id) {
        this.id = id;
    }

    /** The name used in model specs, e.g. {@code "leaky_relu"}. */
    public String id() {
        return id;
    }

    public abstract void forward(double[] z, double[] a, int n);

    /** dZ may be the same array as dA. */
    public abstract void backward(double[] z, double[] a, double[] dA, double[] dZ, int n);

    /** The activation with this spec name, or null. */
    public static Activation byId(String id) {
        for (Activation a : values()) {
            if (a.id.equals(id)) {
                return a;
            }
        }
        return null;
    }

    static double sigmoid(double z) {
        // Two branches so that exp() only ever sees a non-positive argument and cannot overflow.
        if (z >= 0) {
            return 1.0 / (1.0 + Math.exp(-z));
        }
        double e = Math.exp(z);
        return e / (1.0 + e);
    }
}
