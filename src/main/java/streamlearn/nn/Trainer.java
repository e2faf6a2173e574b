package streamlearn.nn;

import java.util.Arrays;

/**
 * Online (one sample at a time) training of an {@link Mlp}: forward, loss, backward, L2 decay,
 * clipping by global norm, an optimizer step, and optionally an exponential moving average of
 * the weights for prediction.
 *
 * <p>A step whose gradient or whose resulting parameters are not all finite is refused: the
 * parameters, the optimizer state and the average stay exactly as they were.
 *
 * <p>Nothing is allocated per step; not thread-safe.
 */
public final class Trainer {
    private final Mlp net;
    private final Loss loss;
    private final Optimizer optimizer;
    private final double l2;
    private final double clipNorm;
    /**
     * How much faster than the rest the output layer learns at the start of a relearning
     * ({@link #relearnOutputLayer}); the boost falls linearly back to 1 over
     * {@link #OUTPUT_RELEARNING_UPDATES} updates.
     */
    public static final double OUTPUT_RELEARNING_BOOST = 30.0;
    public static final long OUTPUT_RELEARNING_UPDATES = 2000;

    private final double averageDecay;
    private final boolean averageRestarts;

    private double[] params;
    private double[] next;
    private final double[] grad;
    private final double[] average;
    private final boolean softmaxCrossEntropy;
    private final double[] oneHot;
    private long updates;
    // Updates the average has taken since it last started from the trained weights.
    private long averageAge;
    // The class weight of the step being taken: the clipping bound scales with it (see #step).
    private double stepWeight = 1.0;
    // Updates left in the output layer's faster relearning; 0 when not relearning.
    private long outputRelearningLeft;
    private boolean lastForwardUsedParams;
    // An upper bound on every |params[i]|, unknown (infinite) until the first step measures it.
    private double parameterBound = Double.POSITIVE_INFINITY;
    // For tests: check every candidate element by element, and count the steps that did.
    private boolean checkEveryStep;
    private long exactChecks;

    /**
     * @param params       initial parameters (copied)
     * @param l2           weight decay added to the gradient of every weight (not biases); 0 for none
     * @param clipNorm     largest allowed global gradient norm; 0 for no clipping
     * @param averageDecay decay of the weight average used for prediction; 0 for none
     * @param averageRestarts whether {@link #restartAverage} and {@link #relearnOutputLayer} may be
     *                        called; only then are the average's age and the relearning part of
     *                        the state (otherwise they are the update count and none)
     */
    public Trainer(Mlp net, Loss loss, Optimizer optimizer, double[] params,
                   double l2, double clipNorm, double averageDecay, boolean averageRestarts) {
        if (params.length != net.parameterCount()) {
            throw new IllegalArgumentException("expected " + net.parameterCount() + " parameters, got " + params.length);
        }
        this.net = net;
        this.loss = loss;
        this.optimizer = optimizer;
        this.l2 = l2;
        this.clipNorm = clipNorm;
        this.averageDecay = averageDecay;
        this.averageRestarts = averageRestarts;
        this.params = params.clone();
        this.next = new double[params.length];
        this.average = averageDecay > 0 ? params.clone() : null;
        this.softmaxCrossEntropy = loss == Loss.CROSS_ENTROPY && net.outputActivation() == Activation.SOFTMAX;
        this.oneHot = new double[net.outputSize()];
        this.grad = new double[params.length];
    }

    /** A trainer whose average never restarts. */
    public Trainer(Mlp net, Loss loss, Optimizer optimizer, double[] params,
                   double l2, double clipNorm, double averageDecay) {
        this(net, loss, optimizer, params, l2, clipNorm, averageDecay, false);
    }

    public Mlp network() {
        return net;
    }

    public Loss loss() {
        return loss;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** Accepted steps so far. */
    public long updates() {
        return updates;
    }

    /** The trained parameters; live and replaced on every step, so read it, don't keep it. */
    public double[] parameters() {
        return params;
    }

    /** The weight average used for prediction, or null without averaging; live. */
    public double[] average() {
        return average;
    }

    /** The parameters predictions are made with: the average when averaging, else the trained ones. */
    public double[] predictionParameters() {
        return average != null ? average : params;
    }

    /**
     * Writes the model version, the weights and their average, and, when they can restart, the
     * average's age and the output layer's relearning (the optimizer writes its own state, see
     * {@link Optimizer#writeState}).
     */
    public void writeState(StateWriter out) {
        out.count("modelVersion", updates);
        out.parameters("weights", params, net);
        if (average != null) {
            out.parameters("averaging.weights", average, net);
            if (averageRestarts) {
                out.count("averaging.age", averageAge);
            }
        }
        if (averageRestarts) {
            out.count("outputRelearning", outputRelearningLeft);
        }
    }

    /** Restores what {@link #writeState} wrote. */
    public void readState(StateReader in) {
        long version = in.count("modelVersion");
        in.parameters("weights", params, net);
        long age = version;
        if (average != null) {
            in.parameters("averaging.weights", average, net);
            if (averageRestarts) {
                age = in.count("averaging.age");
            }
        }
        long relearning = averageRestarts ? in.count("outputRelearning") : 0;
        if (relearning > OUTPUT_RELEARNING_UPDATES) {
            throw new IllegalArgumentException("outputRelearning " + relearning + " exceeds " + OUTPUT_RELEARNING_UPDATES);
        }
        updates = version;
        averageAge = age;
        outputRelearningLeft = relearning;
        lastForwardUsedParams = false;
        parameterBound = Double.POSITIVE_INFINITY;
    }

    /**
     * Starts the weight average again from the trained weights: predictions follow the trained
     * weights at once, and the average then builds up as it did from the first update.
     */
    public void restartAverage() {
        if (!averageRestarts) {
            throw new IllegalStateException("this trainer was built without average restarts");
        }
        if (average != null) {
            System.arraycopy(params, 0, average, 0, params.length);
            averageAge = 0;
            lastForwardUsedParams = false;
        }
    }

    /**
     * Lets the output layer take larger steps for a while: {@link #OUTPUT_RELEARNING_BOOST} times
     * the optimizer's, falling linearly back to its own over {@link #OUTPUT_RELEARNING_UPDATES}
     * updates. After a change in what the labels mean, the hidden layers' features mostly still
     * hold and it is the mapping from them to classes that is wrong: relearning it fast, instead
     * of pushing the transition's large errors down into the hidden layers, is what brings the
     * model back (docs/QUALITY.md, "A moved boundary").
     */
    public void relearnOutputLayer() {
        if (!averageRestarts) {
            throw new IllegalStateException("this trainer was built without drift adaptation");
        }
        outputRelearningLeft = OUTPUT_RELEARNING_UPDATES;
    }

    /** Updates left in the output layer's faster relearning (0: not relearning). */
    public long outputRelearningLeft() {
        return outputRelearningLeft;
    }

    /** Test hook: decide every step's finiteness element by element instead of from bounds. */
    void checkEveryStep() {
        checkEveryStep = true;
    }

    /** Test hook: how many steps were checked element by element. */
    long exactChecks() {
        return exactChecks;
    }

    /** Output of the network for {@code x} (buffer valid until the next call). */
    public double[] predict(double[] x) {
        double[] out = net.forward(predictionParameters(), x);
        lastForwardUsedParams = average == null;
        return out;
    }

    /** Loss of the last prediction against {@code target}. */
    public double predictionLoss(double[] target) {
        return loss.value(net.outputActivation(), net.outputPreActivation(), net.lastOutput(), target,
                net.outputSize());
    }

    /**
     * One gradient step on the input of the last {@link #predict} call.
     *
     * @return false when the step was refused because it would make the model non-finite
     */
    public boolean train(double[] target) {
        return train(target, 1.0);
    }

    /**
     * {@link #train} on the loss times {@code weight} (a class weight): the gradient, and so the
     * step before clipping, scales by it. A weight of 1 is exactly {@link #train}.
     */
    public boolean train(double[] target, double weight) {
        forwardWithTrainedParameters();
        loss.outputDelta(net.outputActivation(), net.outputPreActivation(), net.lastOutput(), target,
                net.outputDeltaBuffer(), net.outputSize());
        weigh(weight);
        return step();
    }

    /** True for cross-entropy on a softmax output, where a target is a class: see the *OfClass methods. */
    public boolean classifiesWithSoftmax() {
        return softmaxCrossEntropy;
    }

    /**
     * {@link #predictionLoss} for the one-hot target of class {@code label} (softmax and
     * cross-entropy only): the same value, without a target vector or a test per class.
     */
    public double predictionLossOfClass(int label) {
        double p = net.lastOutput()[label];
        if (p < Double.MIN_NORMAL) {
            // Underflowed: Loss.value's log-sum-exp form.
            Arrays.fill(oneHot, 0.0);
            oneHot[label] = 1.0;
            return predictionLoss(oneHot);
        }
        return 0.0 - Math.log(p);
    }

    /** {@link #train} on the one-hot target of class {@code label} (softmax and cross-entropy only): dL/dz = a - y. */
    public boolean trainOnClass(int label) {
        return trainOnClass(label, 1.0);
    }

    /** {@link #trainOnClass} on the loss times {@code weight}: dL/dz = weight (a - y). */
    public boolean trainOnClass(int label, double weight) {
        forwardWithTrainedParameters();
        double[] a = net.lastOutput();
        double[] outputDelta = net.outputDeltaBuffer();
        for (int k = 0; k < outputDelta.length; k++) {
            outputDelta[k] = a[k] - (k == label ? 1.0 : 0.0);
        }
        weigh(weight);
        return step();
    }

    /** Scales the output layer's delta: the weighted loss's gradient is the weight times the loss's. */
    private void weigh(double weight) {
        stepWeight = weight;
        if (weight != 1.0) {
            double[] outputDelta = net.outputDeltaBuffer();
            for (int k = 0; k < outputDelta.length; k++) {
                outputDelta[k] *= weight;
            }
        }
    }

    /**
     * The network's input buffer now holds an input that was not predicted (a late label's stored
     * reading): the next {@link #train} or {@link #trainOnClass} runs the trained parameters on it
     * first, as after a prediction with the average.
     */
    public void inputReplaced() {
        lastForwardUsedParams = false;
    }

    /** With averaging, the prediction used the average: the gradient is taken at the trained parameters. */
    private void forwardWithTrainedParameters() {
        if (!lastForwardUsedParams) {
            net.forward(params, net.lastInput());
        }
        lastForwardUsedParams = false;
    }

    /** Backpropagates the output layer's delta and takes the step. */
    private boolean step() {
        net.backward(params, net.outputDeltaBuffer(), grad);

        double squared;
        if (l2 == 0.0) {
            squared = net.lastGradientSquaredNorm();
        } else {
            for (int l = 0; l < net.layerCount(); l++) {
                int from = net.weightOffset(l);
                int to = net.biasOffset(l);
                for (int i = from; i < to; i++) {
                    grad[i] += l2 * params[i];
                }
            }
            squared = Mlp.dot(grad, 0, grad, grad.length);
        }
        // A finite norm means every gradient element is finite, and bounds each of them.
        if (!Double.isFinite(squared)) {
            return false;
        }
        double norm = Math.sqrt(squared);
        double limit = clipNorm * stepWeight;
        double scale = clipNorm > 0 && norm > limit ? limit / norm : 1.0;
        if (!optimizer.propose(params, grad, scale, norm * scale, next)) {
            return false;
        }
        double boost = 1.0;
        if (outputRelearningLeft > 0) {
            boost = 1.0 + (OUTPUT_RELEARNING_BOOST - 1.0) * outputRelearningLeft / OUTPUT_RELEARNING_UPDATES;
            // The output layer's weights and biases are the parameters' tail.
            for (int i = net.weightOffset(net.layerCount() - 1); i < next.length; i++) {
                next[i] = params[i] + boost * (next[i] - params[i]);
            }
        }
        // No candidate parameter can overflow while |params| + |step| stays far below the largest
        // double (see Optimizer); otherwise, or before the bound is known, check them one by one.
        double bound = Optimizer.safeOrUnknown(parameterBound + boost * optimizer.stepBound());
        if (bound == Double.POSITIVE_INFINITY || checkEveryStep) {
            bound = Optimizer.maxAbs(next);
            if (!Double.isFinite(bound)) {
                return false;
            }
            exactChecks++;
        }
        parameterBound = bound;
        optimizer.commit();
        double[] t = params;
        params = next;
        next = t;
        updates++;
        averageAge++;
        if (outputRelearningLeft > 0) {
            outputRelearningLeft--;
        }
        if (average != null) {
            double d = averageKept(averageAge, averageDecay);
            double keep = 1.0 - d;
            for (int i = 0; i < average.length; i++) {
                average[i] = d * average[i] + keep * params[i];
            }
        }
        return true;
    }

    /**
     * The share of the weight average it keeps at the update that makes it {@code age} updates
     * old, under the spec's {@code decay}. Early on the average would be dominated by the random
     * initial weights; the (1 + age) / (10 + age) ramp lets it follow the weights until the decay
     * takes over.
     */
    public static double averageKept(long age, double decay) {
        return Math.min(decay, (1.0 + age) / (10.0 + age));
    }
}
