package streamlearn.nn;

/**
 * Losses for one sample. {@code target} is a one-hot vector for cross-entropy, a 0/1 value for
 * binary cross-entropy and the target vector for MSE.
 */
public enum Loss {
    /** -sum t_i log a_i, for a softmax output. */
    CROSS_ENTROPY("cross_entropy") {
        @Override
        public double value(Activation out, double[] z, double[] a, double[] t, int n) {
            if (out == Activation.SOFTMAX) {
                // -log of the probabilities the forward pass already computed, unless one of the
                // labeled ones underflowed: then log-sum-exp of the logits, which stays finite.
                double loss = 0.0;
                for (int i = 0; i < n; i++) {
                    if (t[i] != 0.0) {
                        if (a[i] < Double.MIN_NORMAL) {
                            return logSumExpLoss(z, t, n);
                        }
                        loss -= t[i] * Math.log(a[i]);
                    }
                }
                return loss;
            }
            double loss = 0.0;
            for (int i = 0; i < n; i++) {
                if (t[i] != 0.0) {
                    loss -= t[i] * Math.log(Math.max(a[i], Double.MIN_NORMAL));
                }
            }
            return loss;
        }

        @Override
        public void gradient(double[] a, double[] t, double[] dA, int n) {
            for (int i = 0; i < n; i++) {
                dA[i] = t[i] == 0.0 ? 0.0 : -t[i] / Math.max(a[i], Double.MIN_NORMAL);
            }
        }

        /** sum t_i (log-sum-exp(z) - z_i): the cross-entropy of a softmax, from its logits. */
        private double logSumExpLoss(double[] z, double[] t, int n) {
            double max = z[0];
            for (int i = 1; i < n; i++) {
                max = Math.max(max, z[i]);
            }
            double sum = 0.0;
            double dot = 0.0;
            double mass = 0.0;
            for (int i = 0; i < n; i++) {
                sum += Math.exp(z[i] - max);
                dot += t[i] * z[i];
                mass += t[i];
            }
            return mass * (max + Math.log(sum)) - dot;
        }

        @Override
        public boolean fusesWith(Activation out) {
            return out == Activation.SOFTMAX;
        }
    },
    /** -(t log a + (1 - t) log(1 - a)) summed over outputs, for sigmoid outputs. */
    BINARY_CROSS_ENTROPY("binary_cross_entropy") {
        @Override
        public double value(Activation out, double[] z, double[] a, double[] t, int n) {
            double loss = 0.0;
            for (int i = 0; i < n; i++) {
                if (out == Activation.SIGMOID) {
                    // softplus(z) - t z, written so exp() never overflows.
                    double zi = z[i];
                    loss += Math.max(zi, 0.0) - t[i] * zi + Math.log1p(Math.exp(-Math.abs(zi)));
                } else {
                    double ai = Math.min(Math.max(a[i], Double.MIN_NORMAL), 1.0 - 1e-16);
                    loss -= t[i] * Math.log(ai) + (1.0 - t[i]) * Math.log(1.0 - ai);
                }
            }
            return loss;
        }

        @Override
        public void gradient(double[] a, double[] t, double[] dA, int n) {
            for (int i = 0; i < n; i++) {
                double ai = Math.min(Math.max(a[i], Double.MIN_NORMAL), 1.0 - 1e-16);
                dA[i] = (ai - t[i]) / (ai * (1.0 - ai));
            }
        }

        @Override
        public boolean fusesWith(Activation out) {
            return out == Activation.SIGMOID;
        }
    },
    /** Half squared error, 1/2 sum (a_i - t_i)^2, as in the seeds, so that dL/da = a - t. */
    MSE("mse") {
        @Override
        public double value(Activation out, double[] z, double[] a, double[] t, int n) {
            double loss = 0.0;
            for (int i = 0; i < n; i++) {
                double d = a[i] - t[i];
                loss += d * d;
            }
            return 0.5 * loss;
        }

        @Override
        public void gradient(double[] a, double[] t, double[] dA, int n) {
            for (int i = 0; i < n; i++) {
                dA[i] = a[i] - t[i];
            }
        }

        @Override
        public boolean fusesWith(Activation out) {
            return out == Activation.IDENTITY;
        }
    };

    private final String id;

    Loss(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** The loss of output {@code a} (with pre-activation {@code z} of activation {@code out}). */
    public abstract double value(Activation out, double[] z, double[] a, double[] t, int n);

    /** dL/da. */
    public abstract void gradient(double[] a, double[] t, double[] dA, int n);

    /** True when dL/dz of this loss after {@code out} is simply a - t (the canonical pairs). */
    public abstract boolean fusesWith(Activation out);

    /**
     * dL/dz of the output layer. For the canonical pairs the Jacobian of the activation and the
     * gradient of the loss cancel to a - t, which is both cheaper and more accurate.
     */
    public void outputDelta(Activation out, double[] z, double[] a, double[] t, double[] dZ, int n) {
        if (fusesWith(out)) {
            for (int i = 0; i < n; i++) {
                dZ[i] = a[i] - t[i];
            }
        } else {
            gradient(a, t, dZ, n);
            out.backward(z, a, dZ, dZ, n);
        }
    }

    public static Loss byId(String id) {
        for (Loss l : values()) {
            if (l.id.equals(id)) {
                return l;
            }
        }
        return null;
    }
}
