package streamlearn.nn;

/**
 * Stochastic gradient descent with optional (heavy-ball) momentum:
 * {@code v = mu v + g; w = w - lr v}. With {@code mu = 0} this is the seeds' plain
 * {@code w = w - lr g}, and there is no state.
 */
public final class Sgd implements Optimizer {
    private final double learningRate;
    private final double momentum;
    private double[] velocity;
    private double[] nextVelocity;
    // Bounds on every |velocity[i]|; unknown (infinite) until measured, as after a restore.
    private double velocityBound = Double.POSITIVE_INFINITY;
    private double nextVelocityBound;
    private double stepBound;

    public Sgd(int parameterCount, double learningRate, double momentum) {
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.velocity = new double[momentum == 0.0 ? 0 : parameterCount];
        this.nextVelocity = new double[velocity.length];
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
        nextVelocityBound = Optimizer.knownOrMeasured(Math.abs(momentum) * velocityBound + gradientBound, nextVelocity);
        if (!Double.isFinite(nextVelocityBound)) {
            return false;
        }
        stepBound = Optimizer.safeOrUnknown(learningRate * nextVelocityBound);
        return true;
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
    public void writeState(StateWriter out) {
        if (velocity.length > 0) {
            out.parameters("velocity", velocity);
        }
    }

    @Override
    public void readState(StateReader in) {
        if (velocity.length > 0) {
            in.parameters("velocity", velocity);
            velocityBound = Double.POSITIVE_INFINITY;
        }
    }
}
