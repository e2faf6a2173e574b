package streamlearn.nn;

/**
 * Adam (Kingma and Ba, 2015) with bias correction. The running products beta1^t and beta2^t
 * are kept as state rather than recomputed with pow(), which keeps a step cheap and makes a
 * restored snapshot continue bit for bit.
 */
public final class Adam implements Optimizer {
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPSILON = 1e-8;

    private final double learningRate;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private double beta1Power = 1.0;
    private double beta2Power = 1.0;
    private double[] m;
    private double[] v;
    private double[] nextM;
    private double[] nextV;
    // Bounds on every |m[i]| and v[i]; unknown (infinite) until measured, as after a restore.
    private double mBound = Double.POSITIVE_INFINITY;
    private double vBound = Double.POSITIVE_INFINITY;
    private double nextMBound;
    private double nextVBound;
    private double stepBound;

    public Adam(int parameterCount, double learningRate, double beta1, double beta2, double epsilon) {
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        m = new double[parameterCount];
        v = new double[parameterCount];
        nextM = new double[parameterCount];
        nextV = new double[parameterCount];
    }

    @Override
    public boolean propose(double[] params, double[] grad, double scale, double gradientBound, double[] next) {
        double b1t = beta1Power * beta1;
        double b2t = beta2Power * beta2;
        double stepSize = learningRate / (1.0 - b1t);
        double secondCorrection = 1.0 / (1.0 - b2t);
        // Two loops rather than one: the JIT vectorises a loop only if its unrolled body stays
        // small, and one loop doing all of it is too large for that (docs/BENCHMARKS.md).
        for (int i = 0; i < params.length; i++) {
            double g = grad[i] * scale;
            nextM[i] = Optimizer.flushTiny(beta1 * m[i] + (1.0 - beta1) * g);
            nextV[i] = Optimizer.flushTiny(beta2 * v[i] + (1.0 - beta2) * g * g);
        }
        for (int i = 0; i < params.length; i++) {
            next[i] = params[i] - stepSize * nextM[i] / (Math.sqrt(nextV[i] * secondCorrection) + epsilon);
        }
        // Each moment is a weighted mean of its last value and the new gradient (squared).
        nextMBound = Optimizer.knownOrMeasured(beta1 * mBound + (1.0 - beta1) * gradientBound, nextM);
        nextVBound = Optimizer.knownOrMeasured(beta2 * vBound + (1.0 - beta2) * gradientBound * gradientBound, nextV);
        if (!Double.isFinite(nextMBound) || !Double.isFinite(nextVBound)) {
            return false;
        }
        // |m / (sqrt(v c) + eps)| <= |m| / eps, whatever v is.
        stepBound = epsilon > 0 ? Optimizer.safeOrUnknown(stepSize * nextMBound / epsilon) : Double.POSITIVE_INFINITY;
        return true;
    }

    @Override
    public double stepBound() {
        return stepBound;
    }

    @Override
    public void commit() {
        double[] t = m;
        m = nextM;
        nextM = t;
        t = v;
        v = nextV;
        nextV = t;
        mBound = nextMBound;
        vBound = nextVBound;
        beta1Power *= beta1;
        beta2Power *= beta2;
    }

    @Override
    public void writeState(StateWriter out) {
        out.number("beta1Power", beta1Power);
        out.number("beta2Power", beta2Power);
        out.parameters("m", m);
        out.parameters("v", v);
    }

    @Override
    public void readState(StateReader in) {
        beta1Power = in.number("beta1Power");
        beta2Power = in.number("beta2Power");
        in.parameters("m", m);
        in.parameters("v", v);
        mBound = Double.POSITIVE_INFINITY;
        vBound = Double.POSITIVE_INFINITY;
    }
}
