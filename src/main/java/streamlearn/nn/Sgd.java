package streamlearn.nn;

/**
 * Stochastic gradient descent with optional (heavy-ball) momentum:
 * {@code v = mu v + g; w = w - lr v}. With {@code mu = 0} this is the seeds' plain
 * {@code w = w - lr g}.
 */
public final class Sgd implements Optimizer {
    private final double learningRate;
    private final double momentum;
    private double[] velocity;
    private double[] nextVelocity;
    // Bounds on every |velocity[i]|; unknown (infinite) until measured, since a snapshot
    // restores the velocity in place after construction.
    private double velocityBound = Double.POSITIVE_INFINITY;
    private double nextVelocityBound;
    private double stepBound;

    public Sgd(int parameterCount, double learningRate, double momentum) {
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.velocity = new double[momentum == 0.0 ? 0 : parameterCount];
        this.nextVelocity = new double[velocity.length];
    }

    public double learningRate() {
        return learningRate;
    }

    public double momentum() {
        return momentum;
    }

    /** The momentum buffer (empty without momentum); live, for snapshots. */
    public double[] velocity() {
        return velocity;
    }

    @Override
    public boolean propose(double[] params, double[] grad, double scale, double gradientBound, double[] next) {
        int n = params.length;
        if (momentum == 0.0) {
            for (int i = 0; i < n; i++) {
                next[i] = params[i] - learningRate * (grad[i] * scale);
            }
            stepBound = Optimizer.safeOrUnknown(learningRate * gradientBound);
            return true;
        }
        for (int i = 0; i < n; i++) {
            double v = Optimizer.flushTiny(momentum * velocity[i] + grad[i] * scale);
            nextVelocity[i] = v;
            next[i] = params[i] - learningRate * v;
        }
        // |v'| <= mu |v| + |g|, element by element.
        nextVelocityBound = Optimizer.safeOrUnknown(Math.abs(momentum) * velocityBound + gradientBound);
        if (nextVelocityBound == Double.POSITIVE_INFINITY) {
            nextVelocityBound = Optimizer.maxAbs(nextVelocity);
            if (!Double.isFinite(nextVelocityBound)) {
                return false;
            }
        }
        stepBound = Optimizer.safeOrUnknown(learningRate * nextVelocityBound);
        return true;
    }

    /**
     * {@link #propose} without momentum, for the gradient of {@code net}'s last
     * {@link Mlp#backpropagate} left unwritten: each layer's is the outer product
     * {@code delta x^T}, read where it lies. That saves a pass writing the gradient and one
     * reading it back, a sixth of an 8-64-64-3 network's step. Each input is scaled once
     * rather than once per weight ({@code delta[i] * (lr * scale * x[j])}), so the rounding
     * differs from {@link #propose}'s; a {@link Trainer} without weight decay always steps here.
     */
    public void proposeFromBackward(double[] params, Mlp net, double scale, double gradientBound, double[] next) {
        if (momentum != 0.0) {
            throw new IllegalStateException("the outer-product step is for SGD without momentum");
        }
        double c = learningRate * scale;
        for (int l = 0; l < net.layerCount(); l++) {
            int in = net.fanIn(l);
            int out = net.fanOut(l);
            int w = net.weightOffset(l);
            int b = net.biasOffset(l);
            double[] delta = net.delta(l);
            double[] x = net.layerInput(l);
            if (in < 4) {
                stepFewInputs(params, next, w, b, in, out, delta, x, c);
            } else {
                stepRows(params, next, w, in, out, delta, x, c);
                for (int i = 0; i < out; i++) {
                    next[b + i] = params[b + i] - delta[i] * c;
                }
            }
        }
        stepBound = Optimizer.safeOrUnknown(learningRate * gradientBound);
    }

    /**
     * One layer of one to three inputs: a pass over its neurons, each with its weights and bias
     * written out, as Mlp's forward pass does, since rows this short cost more in loop overhead
     * than in work.
     */
    private static void stepFewInputs(double[] params, double[] next, int w, int b, int in, int out, double[] delta,
                                      double[] x, double c) {
        double u0 = c * x[0];
        if (in == 1) {
            for (int i = 0; i < out; i++) {
                double d = delta[i];
                next[w + i] = params[w + i] - d * u0;
                next[b + i] = params[b + i] - d * c;
            }
        } else if (in == 2) {
            double u1 = c * x[1];
            for (int i = 0; i < out; i++) {
                double d = delta[i];
                int row = w + 2 * i;
                next[row] = params[row] - d * u0;
                next[row + 1] = params[row + 1] - d * u1;
                next[b + i] = params[b + i] - d * c;
            }
        } else {
            double u1 = c * x[1];
            double u2 = c * x[2];
            for (int i = 0; i < out; i++) {
                double d = delta[i];
                int row = w + 3 * i;
                next[row] = params[row] - d * u0;
                next[row + 1] = params[row + 1] - d * u1;
                next[row + 2] = params[row + 2] - d * u2;
                next[b + i] = params[b + i] - d * c;
            }
        }
    }

    /**
     * One layer's weights, three rows per pass over the inputs so that each scaled input is
     * computed once for three weights; when fewer than three rows are left, the last is repeated
     * and written twice with the same value.
     */
    private static void stepRows(double[] params, double[] next, int w, int in, int out, double[] delta, double[] x,
                                 double c) {
        int last = out - 1;
        for (int i = 0; i < out; i += 3) {
            int r0 = w + i * in;
            int r1 = w + Math.min(i + 1, last) * in;
            int r2 = w + Math.min(i + 2, last) * in;
            double d0 = delta[i];
            double d1 = delta[Math.min(i + 1, last)];
            double d2 = delta[Math.min(i + 2, last)];
            for (int j = 0; j < in; j++) {
                double u = c * x[j];
                next[r0 + j] = params[r0 + j] - d0 * u;
                next[r1 + j] = params[r1 + j] - d1 * u;
                next[r2 + j] = params[r2 + j] - d2 * u;
            }
        }
    }

    @Override
    public double stepBound() {
        return stepBound;
    }

    @Override
    public void commit() {
        double[] t = velocity;
        velocity = nextVelocity;
        nextVelocity = t;
        velocityBound = nextVelocityBound;
    }

    @Override
    public String type() {
        return "sgd";
    }
}
