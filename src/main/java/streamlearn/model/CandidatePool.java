package streamlearn.model;

import java.util.Arrays;
import streamlearn.nn.Mlp;
import streamlearn.nn.StateReader;
import streamlearn.nn.StateWriter;
import streamlearn.nn.Trainer;

/**
 * The candidates of a spec with {@code "candidates"}: the spec's own network ({@code main},
 * candidate 0) and its challengers, each a {@link Trainer} of its own that predicts and trains on
 * every reading, on the same standardised input; and how their predictions make the model's
 * ({@link SelectionSpec}).
 *
 * <p>Each candidate's prediction is scored against the label before any of them trains
 * (prequential), and its loss joins its <em>recent loss</em>: a discounted sum
 * S_k = sum over scored readings of discount^age x loss, the discount being 2^(-1/halfLife).
 * The recent loss reported (gauges, windows) is its weighted mean,
 * S_k (1 - discount) / (1 - discount^n) over the n readings scored since the start. The
 * mixture's weights are w_k ∝ exp(-eta (S_k - min S)) (Hedge, exponentially weighted averaging
 * with a discounted memory). The champion is the candidate of the lowest S_k, with
 * hysteresis: another takes over only when its weight is at least {@link #CHAMPION_MARGIN} times
 * the champion's, so two candidates that learn equally well do not trade places at every reading.
 * One reading's loss counts at most {@link SelectionSpec#maxLoss}: unbounded, the log loss of a
 * few confidently wrong predictions at a change (up to 50 each) outweighs for thousands of
 * readings what a candidate that relearns fast has since shown.
 *
 * <p>Nothing is allocated per reading; not thread-safe.
 */
final class CandidatePool {
    /** How many times the champion's weight another candidate needs to take over. */
    static final double CHAMPION_MARGIN = 4.0;
    /**
     * A weight below exp(-this) of the largest is 0: it changes no probability that matters, and
     * the products of ever tinier weights would turn subnormal, and subnormal arithmetic slows the
     * whole step many times over.
     */
    static final double NEGLIGIBLE = 40.0;
    private final SelectionSpec selection;
    private final boolean mixture;
    private final double discount;
    private final double eta;
    private final double switchGap;
    private final double maxLoss;
    private final String[] names;
    private final Trainer[] trainers;
    /**
     * Whether a candidate's output layer relearns after a drift: only the spec's own network, and
     * only when it has hidden layers: boosting a plain-SGD challenger's output layer destabilises it
     * (docs/QUALITY.md, "Candidates").
     */
    private final boolean[] relearns;
    /** Each candidate's output (probabilities, or the value) of the last prediction; live copies. */
    private final double[][] outputs;
    private final double[] losses;
    // State: the discounted loss sums, readings scored since the start, the champion.
    private final double[] lossSum;
    private long scored;
    private int champion;
    // Derived from lossSum.
    private final double[] weights;

    CandidatePool(SelectionSpec selection, String[] names, Trainer[] trainers) {
        this.selection = selection;
        this.mixture = selection.method() == SelectionSpec.Method.MIXTURE;
        this.discount = selection.discount();
        this.eta = selection.eta();
        this.switchGap = Math.log(CHAMPION_MARGIN) / eta;
        this.maxLoss = selection.maxLoss();
        this.names = names;
        this.trainers = trainers;
        int k = trainers.length;
        this.relearns = new boolean[k];
        this.outputs = new double[k][];
        for (int i = 0; i < k; i++) {
            relearns[i] = i == 0 && trainers[i].network().layerCount() > 1;
            outputs[i] = new double[trainers[i].network().outputSize()];
        }
        this.losses = new double[k];
        this.lossSum = new double[k];
        this.weights = new double[k];
        Arrays.fill(weights, 1.0 / k);
    }

    int size() {
        return trainers.length;
    }

    String name(int k) {
        return names[k];
    }

    Trainer trainer(int k) {
        return trainers[k];
    }

    int champion() {
        return champion;
    }

    String championName() {
        return names[champion];
    }

    /** The mixture weight of candidate {@code k} now (uniform before any score). */
    double weight(int k) {
        return weights[k];
    }

    /** Readings scored since the start, or since the recent losses last started over. */
    long scored() {
        return scored;
    }

    /** Candidate {@code k}'s recent loss: the discounted mean of its losses; NaN before any score. */
    double recentLoss(int k) {
        if (scored == 0) {
            return Double.NaN;
        }
        return lossSum[k] * (1.0 - discount) / (1.0 - Math.pow(discount, scored));
    }

    /**
     * Every candidate predicts {@code input} (the standardised reading) with its prediction weights;
     * the model's output goes to {@code out}: the mixture of theirs, or the champion's.
     */
    void predict(double[] input, double[] out) {
        int n = out.length;
        for (int k = 0; k < trainers.length; k++) {
            double[] o = trainers[k].predict(input);
            System.arraycopy(o, 0, outputs[k], 0, n);
        }
        if (!mixture) {
            System.arraycopy(outputs[champion], 0, out, 0, n);
            return;
        }
        Arrays.fill(out, 0, n, 0.0);
        for (int k = 0; k < trainers.length; k++) {
            double w = weights[k];
            double[] o = outputs[k];
            for (int i = 0; i < n; i++) {
                out[i] += w * o[i];
            }
        }
    }

    /** Networks of each candidate's shape, for {@link #predictInto}: buffers apart from the candidates' own. */
    Mlp[] scratchNetworks() {
        Mlp[] nets = new Mlp[trainers.length];
        for (int k = 0; k < trainers.length; k++) {
            nets[k] = trainers[k].network().sameShape();
        }
        return nets;
    }

    /**
     * {@link #predict}, bit for bit, changing nothing of the pool: each candidate predicts with
     * {@code scratch} (from {@link #scratchNetworks}), and {@code out} is their mixture, or the
     * champion's prediction.
     */
    void predictInto(double[] input, double[] out, Mlp[] scratch) {
        int n = out.length;
        if (!mixture) {
            System.arraycopy(scratch[champion].forward(trainers[champion].predictionParameters(), input), 0, out, 0, n);
            return;
        }
        Arrays.fill(out, 0, n, 0.0);
        for (int k = 0; k < trainers.length; k++) {
            double w = weights[k];
            double[] o = scratch[k].forward(trainers[k].predictionParameters(), input);
            for (int i = 0; i < n; i++) {
                out[i] += w * o[i];
            }
        }
    }

    /** Each candidate's loss of its last prediction against the class {@code label} (softmax and cross-entropy). */
    void scoreClass(int label) {
        for (int k = 0; k < trainers.length; k++) {
            losses[k] = trainers[k].predictionLossOfClass(label);
        }
    }

    /** Candidate {@code k}'s loss of its last scored prediction. */
    double loss(int k) {
        return losses[k];
    }

    /** Each candidate's loss of its last prediction against {@code target}. */
    void score(double[] target) {
        for (int k = 0; k < trainers.length; k++) {
            losses[k] = trainers[k].predictionLoss(target);
        }
    }

    /**
     * Every candidate takes its step on the class {@code label}; a candidate whose step is refused
     * keeps its weights. Returns whether the spec's own network ({@code main}) took its step.
     */
    boolean trainClass(int label, double weight) {
        boolean main = trainers[0].trainOnClass(label, weight);
        for (int k = 1; k < trainers.length; k++) {
            trainers[k].trainOnClass(label, weight);
        }
        return main;
    }

    /** {@link #trainClass} on a target vector. */
    boolean train(double[] target, double weight) {
        boolean main = trainers[0].train(target, weight);
        for (int k = 1; k < trainers.length; k++) {
            trainers[k].train(target, weight);
        }
        return main;
    }

    /**
     * The losses of {@link #scoreClass} or {@link #score} join the recent losses; the weights
     * follow, and the champion when another is far enough ahead. Returns the champion before, when
     * this changed it, else -1.
     */
    int remember() {
        double min = Double.POSITIVE_INFINITY;
        int best = 0;
        for (int k = 0; k < trainers.length; k++) {
            double loss = losses[k];
            if (!(loss < maxLoss)) {
                loss = maxLoss; // also NaN
            }
            double sum = discount * lossSum[k] + loss;
            lossSum[k] = sum < 1e-200 ? 0.0 : sum; // never subnormal
            if (lossSum[k] < min) {
                min = lossSum[k];
                best = k;
            }
        }
        scored++;
        setWeights(min);
        if (best != champion && lossSum[champion] - lossSum[best] >= switchGap) {
            int before = champion;
            champion = best;
            return before;
        }
        return -1;
    }

    /** w_k ∝ exp(-eta (S_k - min S)), 0 where negligible ({@link #NEGLIGIBLE}). */
    private void setWeights(double min) {
        double total = 0.0;
        for (int k = 0; k < weights.length; k++) {
            double x = eta * (lossSum[k] - min);
            weights[k] = x > NEGLIGIBLE ? 0.0 : Math.exp(-x);
            total += weights[k];
        }
        for (int k = 0; k < weights.length; k++) {
            weights[k] /= total;
        }
    }

    /**
     * After a drift (detected on {@code main}'s own error): each candidate's weight average
     * restarts; the spec's own network, when it has hidden layers, also relearns its output layer
     * fast, as without candidates (the challengers keep their own pace: a fast challenger is what
     * the pool has for a change). With {@link SelectionSpec#restartOnDrift} the recent losses
     * start over and the weights are uniform again: the losses before the change rank the
     * candidates on a stream that is gone. The champion stays until another leads by the margin.
     */
    void adaptToDrift() {
        for (int k = 0; k < trainers.length; k++) {
            if (trainers[k].average() != null) {
                trainers[k].restartAverage();
            }
            if (relearns[k]) {
                trainers[k].relearnOutputLayer();
            }
        }
        if (selection.restartOnDrift()) {
            Arrays.fill(lossSum, 0.0);
            Arrays.fill(weights, 1.0 / weights.length);
            scored = 0;
        }
    }

    /**
     * The challengers' state, each under {@code candidates.<name>.} (modelVersion, weights,
     * averaging.*, outputRelearning, optimizer.*: what the spec's own network writes at the top
     * level), then {@code selection.scored}, {@code selection.champion} and
     * {@code selection.losses} (the discounted loss sums, main first).
     */
    void writeState(StateWriter out) {
        for (int k = 1; k < trainers.length; k++) {
            Mlp net = trainers[k].network();
            trainers[k].writeState(new SectionWriter(out, "candidates." + names[k] + ".", net));
            trainers[k].optimizer().writeState(new SectionWriter(out, "candidates." + names[k] + ".optimizer.", net));
        }
        out.count("selection.scored", scored);
        out.count("selection.champion", champion);
        out.vector("selection.losses", lossSum);
    }

    void readState(StateReader in) {
        for (int k = 1; k < trainers.length; k++) {
            Mlp net = trainers[k].network();
            trainers[k].readState(new SectionReader(in, "candidates." + names[k] + ".", net));
            trainers[k].optimizer().readState(new SectionReader(in, "candidates." + names[k] + ".optimizer.", net));
        }
        long n = in.count("selection.scored");
        long c = in.count("selection.champion");
        if (c >= trainers.length) {
            throw new IllegalArgumentException("selection.champion " + c + " is not a candidate");
        }
        in.vector("selection.losses", lossSum);
        for (double s : lossSum) {
            if (!(s >= 0) || s == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("selection.losses must be finite and non-negative");
            }
        }
        scored = n;
        champion = (int) c;
        if (n == 0) {
            Arrays.fill(weights, 1.0 / weights.length);
        } else {
            double min = Double.POSITIVE_INFINITY;
            for (double s : lossSum) {
                min = Math.min(min, s);
            }
            setWeights(min);
        }
    }

    SelectionSpec selection() {
        return selection;
    }
}
