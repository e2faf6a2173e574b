package streamlearn.model;

import java.util.List;
import streamlearn.nn.Activation;
import streamlearn.nn.Mlp;
import streamlearn.nn.StateReader;
import streamlearn.nn.StateWriter;
import streamlearn.nn.Trainer;

/**
 * A model built from a {@link ModelSpec} that learns prequentially: every reading is first
 * predicted (test) and then, if labeled, trained on (train). {@code modelVersion} counts the
 * updates taken.
 *
 * <p>An update is atomic: the input statistics and the weights change together, or, when the
 * step would make a weight non-finite, neither does (outcome {@link Outcome#DIVERGED}).
 */
public final class OnlineModel {
    /**
     * After a drift, how many readings the input statistics weigh everything before it as: few
     * enough that a moved sensor is soon re-centred, enough that the first readings after a
     * change do not jolt the inputs (docs/QUALITY.md).
     */
    public static final long SCALER_MEMORY_AFTER_DRIFT = 200;
    /**
     * The least rise of the error, newer part of the detector's window against older, that is a
     * drift. Over a long window ADWIN finds small rises significant, and a learner's error wanders
     * by itself (with balanced class weights on a stream with rare classes, say). Reacting to
     * that wander costs accuracy, since each reaction drops the weight average (docs/QUALITY.md,
     * "Rare classes"); the changes the reaction is for, a moved boundary or sensor, raise the
     * error by far more.
     */
    public static final double MIN_ERROR_RISE = 0.05;

    private final ModelSpec spec;
    private final Trainer trainer;
    private final OnlineScaler scaler;
    private final double[] input;
    private final double[] targetVector;
    private final boolean binary;
    private final StepResult result;
    private final Activation outputActivation;
    // The probabilities (or value) of a late label's stored prediction, recomputed from its pre-activations.
    private final double[] lateOutput;
    // Drift detection (null when the spec has none): ADWIN on the prequential error, and the
    // number of drifts detected over the model's life.
    private final Adwin detector;
    private long drifts;
    // The spec's class weights (null: every class weighs 1); balanced ones count the labels.
    private final ClassWeights classWeights;
    // The candidates (null without them): the spec's network (trainer) and its challengers.
    private final CandidatePool pool;

    private OnlineModel(ModelSpec spec, Trainer trainer) {
        this(spec, trainer, null);
    }

    private OnlineModel(ModelSpec spec, Trainer trainer, Trainer[] challengers) {
        this.spec = spec;
        this.trainer = trainer;
        int features = spec.features().size();
        this.scaler = spec.standardize() ? new OnlineScaler(features, spec.standardizeMemory()) : null;
        // The scaler writes straight into the network's input: no copy per step.
        this.input = trainer.network().inputBuffer();
        this.targetVector = new double[trainer.network().outputSize()];
        this.binary = spec.loss() == streamlearn.nn.Loss.BINARY_CROSS_ENTROPY;
        this.result = new StepResult(spec.classes().size(), trainer.network().outputSize());
        this.outputActivation = trainer.network().outputActivation();
        this.lateOutput = new double[trainer.network().outputSize()];
        this.detector = spec.drift() != null ? new Adwin(spec.drift().delta()) : null;
        this.classWeights = ClassWeights.of(spec);
        if (spec.hasCandidates()) {
            Trainer[] all = new Trainer[challengers.length + 1];
            all[0] = trainer;
            System.arraycopy(challengers, 0, all, 1, challengers.length);
            this.pool = new CandidatePool(spec.selection(), spec.candidateNames().toArray(new String[0]), all);
        } else {
            this.pool = null;
        }
    }

    /** A fresh model, initialised as the spec says. */
    public static OnlineModel create(ModelSpec spec) {
        Mlp net = network(spec);
        double[] params = new double[net.parameterCount()];
        spec.init().initialise(net, params);
        return new OnlineModel(spec, trainer(spec, net, params), challengers(spec, null, false));
    }

    /**
     * The challengers of a spec with candidates (null without): fresh, as their specs say, or, for
     * a warm start from {@code source}, with the trained weights of its candidate of the same name
     * and shape where it has one; or, {@code blank}, with zero weights, to read a state into.
     */
    private static Trainer[] challengers(ModelSpec spec, OnlineModel source, boolean blank) {
        if (!spec.hasCandidates()) {
            return null;
        }
        Trainer[] challengers = new Trainer[spec.candidates().size()];
        for (int k = 0; k < challengers.length; k++) {
            CandidateSpec c = spec.candidates().get(k);
            Mlp net = network(spec.features().size(), c.layers());
            double[] params = new double[net.parameterCount()];
            Trainer from = source == null ? null : source.candidateTrainer(c.name());
            if (from != null && sameShape(net, from.network())) {
                params = matchedByName(spec, net, source.spec, from.network(), from.parameters());
            } else if (!blank) {
                c.init().initialise(net, params);
            }
            challengers[k] = candidateTrainer(spec, c, net, params);
        }
        return challengers;
    }

    private static Trainer candidateTrainer(ModelSpec spec, CandidateSpec c, Mlp net, double[] params) {
        return new Trainer(net, spec.loss(), c.optimizer().create(net.parameterCount()), params, c.l2(), c.clipNorm(),
                c.averagingDecay(), spec.drift() != null);
    }

    /** This model's trainer of the candidate {@code name} ("main": the spec's network), or null. */
    private Trainer candidateTrainer(String name) {
        if (CandidateSpec.MAIN.equals(name)) {
            return trainer;
        }
        if (pool == null) {
            return null;
        }
        for (int k = 1; k < pool.size(); k++) {
            if (pool.name(k).equals(name)) {
                return pool.trainer(k);
            }
        }
        return null;
    }

    /**
     * A fresh model of {@code spec} whose weights are {@code source}'s trained weights: a warm start
     * from a model of another spec with the same shape (the weight average starts from them; scaler,
     * optimizer state and modelVersion start afresh). The first layer's inputs and the output
     * layer's classes are matched by name when both specs name the same features and classes;
     * otherwise by position.
     *
     * @throws IllegalArgumentException when the networks' shapes differ
     */
    public static OnlineModel withWeightsOf(ModelSpec spec, OnlineModel source) {
        Mlp net = network(spec);
        Mlp from = source.network();
        if (!sameShape(net, from)) {
            throw new IllegalArgumentException("the networks' shapes differ");
        }
        double[] params = matchedByName(spec, net, source.spec, from, source.trainer.parameters());
        return new OnlineModel(spec, trainer(spec, net, params), challengers(spec, source, false));
    }

    /**
     * {@code source}'s parameters (of a network {@code from} of spec {@code old}, the same shape as
     * {@code net}) for a network of {@code spec}: the first layer's inputs and the output layer's
     * classes matched by name when both specs name the same ones, else by position.
     */
    private static double[] matchedByName(ModelSpec spec, Mlp net, ModelSpec old, Mlp from, double[] source) {
        double[] params = source.clone();
        int last = net.layerCount() - 1;
        if (new java.util.HashSet<>(old.features()).equals(new java.util.HashSet<>(spec.features()))) {
            int in = net.fanIn(0);
            for (int i = 0; i < net.fanOut(0); i++) {
                for (int j = 0; j < in; j++) {
                    params[net.weightOffset(0) + i * in + j] = source[from.weightOffset(0) + i * in
                            + old.features().indexOf(spec.features().get(j))];
                }
            }
        }
        if (spec.isClassification() && net.fanOut(last) == spec.classes().size()
                && new java.util.HashSet<>(old.classes()).equals(new java.util.HashSet<>(spec.classes()))) {
            double[] moved = params.clone();
            int in = net.fanIn(last);
            for (int i = 0; i < net.fanOut(last); i++) {
                int row = old.classes().indexOf(spec.classes().get(i));
                System.arraycopy(moved, net.weightOffset(last) + row * in, params, net.weightOffset(last) + i * in, in);
                params[net.biasOffset(last) + i] = moved[net.biasOffset(last) + row];
            }
        }
        return params;
    }

    /** Whether two networks have the same layers of the same widths (the same parameter layout). */
    public static boolean sameShape(Mlp a, Mlp b) {
        if (a.layerCount() != b.layerCount()) {
            return false;
        }
        for (int l = 0; l < a.layerCount(); l++) {
            if (a.fanIn(l) != b.fanIn(l) || a.fanOut(l) != b.fanOut(l)) {
                return false;
            }
        }
        return true;
    }

    /** A network of {@code spec}'s shape, to compare shapes before building a model. */
    public static Mlp shapeOf(ModelSpec spec) {
        return network(spec);
    }

    /**
     * A model of {@code spec} with zero weights, to read a snapshot into with {@link #readState}:
     * no initialisation is spent on weights about to be overwritten.
     */
    public static OnlineModel blank(ModelSpec spec) {
        Mlp net = network(spec);
        return new OnlineModel(spec, trainer(spec, net, new double[net.parameterCount()]), challengers(spec, null, true));
    }

    private static Trainer trainer(ModelSpec spec, Mlp net, double[] params) {
        // Only a model that detects drift restarts its average and relearns its output layer, so
        // only its state carries the average's age (for any other, it equals the model version)
        // and the relearning left.
        return new Trainer(net, spec.loss(), spec.optimizer().create(net.parameterCount()), params,
                spec.l2(), spec.clipNorm(), spec.averagingDecay(), spec.drift() != null);
    }

    /**
     * Restores what {@link #writeState} wrote: the model then continues exactly as the model it
     * was taken from would have.
     */
    public void readState(StateReader in) {
        trainer.readState(in);
        if (scaler != null) {
            scaler.readState(new SectionReader(in, "scaler."));
        }
        trainer.optimizer().readState(new SectionReader(in, "optimizer."));
        if (detector != null) {
            drifts = in.count("drift.drifts");
            detector.readState(new SectionReader(in, "drift.detector."));
        }
        if (classWeights != null) {
            classWeights.readState(new SectionReader(in, "classWeights."));
        }
        if (pool != null) {
            pool.readState(in);
        }
    }

    /**
     * Writes the model's whole state, in this order: modelVersion, weights, averaging.weights
     * (with averaging), scaler.* (when standardising), optimizer.* (the optimizer's own state),
     * drift.* (with drift detection: the count of drifts, the detector's window),
     * classWeights.labelCounts (with balanced class weights: the labels counted per class),
     * candidates.* and selection.* (with candidates: each challenger's network, optimizer and
     * relearning, then the recent losses and the champion; see {@link CandidatePool#writeState}).
     * Names are paths: the JSON snapshot nests at the dots, the binary form keeps the order.
     */
    public void writeState(StateWriter out) {
        trainer.writeState(out);
        if (scaler != null) {
            scaler.writeState(new SectionWriter(out, "scaler."));
        }
        trainer.optimizer().writeState(new SectionWriter(out, "optimizer."));
        if (detector != null) {
            out.count("drift.drifts", drifts);
            detector.writeState(new SectionWriter(out, "drift.detector."));
        }
        if (classWeights != null) {
            classWeights.writeState(new SectionWriter(out, "classWeights."));
        }
        if (pool != null) {
            pool.writeState(out);
        }
    }

    /** Units of the spec's output layer: the length of a prediction's pre-activations. */
    public static int outputSize(ModelSpec spec) {
        return spec.layers().get(spec.layers().size() - 1).units();
    }

    /** A network of the spec's shape (its parameters live apart, see {@link Mlp}). */
    private static Mlp network(ModelSpec spec) {
        return network(spec.features().size(), spec.layers());
    }

    private static Mlp network(int inputs, List<ModelSpec.Layer> layers) {
        int[] sizes = new int[layers.size() + 1];
        Activation[] activations = new Activation[layers.size()];
        sizes[0] = inputs;
        for (int l = 0; l < layers.size(); l++) {
            sizes[l + 1] = layers.get(l).units();
            activations[l] = layers.get(l).activation();
        }
        return new Mlp(sizes, activations);
    }

    /** The network's shape, for laying out parameter vectors. */
    public Mlp network() {
        return trainer.network();
    }

    public ModelSpec spec() {
        return spec;
    }

    /** The number of updates taken. */
    public long modelVersion() {
        return trainer.updates();
    }

    Trainer trainer() {
        return trainer;
    }

    /** The input statistics, or null without standardisation. */
    OnlineScaler scaler() {
        return scaler;
    }

    /**
     * One prequential step: predict the reading with the current model, then, if it is labeled,
     * take one update. The returned result is reused by the next call.
     */
    public StepResult step(Reading reading) {
        check(reading.features, reading.label, reading.hasTarget, reading.target);
        StepResult r = result;
        r.modelVersion = trainer.updates();
        r.drift = null;
        r.labeled = reading.isLabeled();
        r.label = reading.label;
        r.target = reading.target;
        // A labeled reading first joins the input statistics (its features, not its label, so the
        // prediction stays a test): the very first readings are then already centred rather than
        // fed raw. The update is taken back if the training step is refused.
        takeInput(reading.features, r.labeled);
        if (pool != null) {
            return stepCandidates(reading, r);
        }
        double[] out = trainer.predict(input);
        System.arraycopy(trainer.network().outputPreActivation(), 0, r.output, 0, r.output.length);
        describe(out, r);
        if (!r.labeled) {
            r.loss = Double.NaN;
            r.outcome = Outcome.PREDICTED;
            return r;
        }
        boolean trained;
        if (trainer.classifiesWithSoftmax()) {
            r.loss = trainer.predictionLossOfClass(reading.label);
            trained = trainer.trainOnClass(reading.label, weightOf(reading.label));
        } else {
            fillTarget(reading.label, reading.target);
            r.loss = trainer.predictionLoss(targetVector);
            trained = trainer.train(targetVector, weightOf(reading.label));
        }
        return finishLabeled(r, trained, driftError(r));
    }

    /**
     * {@link #step} of a model with candidates, from the standardised input on: every candidate
     * predicts, the model's prediction is theirs combined ({@link CandidatePool#predict}), and on a
     * labeled reading each candidate's own prediction is scored, then each trains.
     */
    private StepResult stepCandidates(Reading reading, StepResult r) {
        r.champion = pool.championName();
        r.championBefore = null;
        pool.predict(input, r.output);
        describe(r.output, r);
        if (!r.labeled) {
            r.loss = Double.NaN;
            r.outcome = Outcome.PREDICTED;
            return r;
        }
        return trainCandidates(r, reading.label, reading.target);
    }

    /**
     * The labeled part of a step with candidates, the candidates' predictions made: the model's
     * loss (of {@code r.output}, the combined prediction), each candidate's, their steps, and
     * their recent losses.
     */
    private StepResult trainCandidates(StepResult r, int label, double target) {
        fillTarget(label, target);
        r.loss = combinedLoss(r.output, label, target);
        // The detector watches main's own error, taken before any candidate trains: the
        // combined prediction follows whichever candidate adapts fastest, so its error barely
        // rises at a change, while main's rises as the network's alone does, and a real change
        // is reported once, as without candidates (docs/QUALITY.md, "Candidates").
        boolean mainRight = spec.isClassification() && classOf(pool.trainer(0).network().lastOutput()) == label;
        double weight = weightOf(label);
        boolean trained;
        if (trainer.classifiesWithSoftmax()) {
            pool.scoreClass(label);
            trained = pool.trainClass(label, weight);
        } else {
            pool.score(targetVector);
            trained = pool.train(targetVector, weight);
        }
        int before = pool.remember();
        if (before >= 0) {
            r.championBefore = pool.name(before);
        }
        return finishLabeled(r, trained, detectorError(mainRight, pool.loss(0)));
    }

    /**
     * The loss of a combined prediction {@code out} (probabilities; for binary_cross_entropy the
     * second class's; for regression the value) against the label or target: the same function
     * for a reading's step and for its late label, so both report the same bits.
     */
    private double combinedLoss(double[] out, int label, double target) {
        if (!spec.isClassification()) {
            double d = out[0] - target;
            return 0.5 * d * d;
        }
        double p = binary ? (label == 1 ? out[0] : 1.0 - out[0]) : out[label];
        return p > 0 ? 0.0 - Math.log(p) : -Math.log(Double.MIN_VALUE);
    }

    /**
     * Buffers of {@link #predict}: its own network scratch (the model's network keeps the last
     * step's activations for the next update), input, statistics and result. One per thread at a
     * time; never shared with the stream thread.
     */
    public static final class Scratch {
        private final Mlp net;
        private final double[] input;
        private final double[] target;
        private final OnlineScaler scaler;
        private final StepResult result;
        /** The candidates' networks, for a model with candidates ({@link CandidatePool#predictInto}); else null. */
        private final Mlp[] candidates;

        private Scratch(OnlineModel of) {
            this.net = network(of.spec);
            this.input = new double[net.inputSize()];
            this.target = new double[net.outputSize()];
            this.scaler = of.scaler == null ? null : new OnlineScaler(of.spec.features().size(), of.spec.standardizeMemory());
            this.result = new StepResult(of.spec.classes().size(), net.outputSize());
            this.candidates = of.pool == null ? null : of.pool.scratchNetworks();
        }
    }

    /** Buffers for {@link #predict} on this model (and any model of its spec). */
    public Scratch newScratch() {
        return new Scratch(this);
    }

    /**
     * The prediction {@link #step} would make for {@code reading} now, changing nothing: no
     * update, no input statistics, no drift detector, no class weights, none of the model's
     * buffers (the caller's {@code scratch} holds the work). Bit for bit the prediction of the
     * next {@code step(reading)}: for a labeled reading the statistics that step would update
     * first are updated in a copy, and the loss against the label is the step's. Its {@code
     * outcome} is {@link Outcome#PREDICTED}: nothing was trained. Safe to call from another thread
     * than the one stepping the model only while the caller keeps steps out (a lock).
     */
    public StepResult predict(Reading reading, Scratch scratch) {
        check(reading.features, reading.label, reading.hasTarget, reading.target);
        StepResult r = scratch.result;
        r.modelVersion = trainer.updates();
        r.drift = null;
        r.labeled = reading.isLabeled();
        r.label = reading.label;
        r.target = reading.target;
        double[] in = scratch.input;
        if (scaler != null) {
            if (r.labeled) {
                scratch.scaler.copyFrom(scaler);
                scratch.scaler.update(reading.features);
                scratch.scaler.transform(reading.features, in);
            } else {
                scaler.transform(reading.features, in);
            }
        } else {
            System.arraycopy(reading.features, 0, in, 0, in.length);
        }
        if (pool != null) {
            // As stepCandidates: the candidates' combined probabilities, scored as a whole.
            r.champion = pool.championName();
            r.championBefore = null;
            pool.predictInto(in, r.output, scratch.candidates);
            describe(r.output, r);
            r.outcome = Outcome.PREDICTED;
            r.loss = r.labeled ? combinedLoss(r.output, reading.label, reading.target) : Double.NaN;
            return r;
        }
        Mlp net = scratch.net;
        double[] out = net.forward(trainer.predictionParameters(), in);
        System.arraycopy(net.outputPreActivation(), 0, r.output, 0, r.output.length);
        describe(out, r);
        r.outcome = Outcome.PREDICTED;
        if (!r.labeled) {
            r.loss = Double.NaN;
            return r;
        }
        int n = net.outputSize();
        if (trainer.classifiesWithSoftmax() && out[reading.label] >= Double.MIN_NORMAL) {
            // Trainer.predictionLossOfClass, on this network's output.
            r.loss = 0.0 - Math.log(out[reading.label]);
        } else {
            fillTarget(reading.label, reading.target, scratch.target);
            r.loss = spec.loss().value(net.outputActivation(), net.outputPreActivation(), out, scratch.target, n);
        }
        return r;
    }

    /**
     * The step a late label takes for the reading it names: first its prediction, as it was made
     * when the reading came (the stored pre-activations through the output activation give the
     * same probabilities, predicted class and loss bit for bit), is scored against the label, and
     * that error goes to the drift detector: the honest prequential figure, not the current
     * model's; then one update on the stored features with the current model, exactly as an
     * inline-labeled reading takes it (the features join the input statistics, are standardised
     * with them, and the trained weights take one step; a refused step takes the statistics back).
     * The result (reused) carries the stored prediction and its {@code modelVersion}.
     */
    public StepResult learnLate(PendingReading waiting, LateLabel label) {
        check(waiting.features, label.label, label.hasTarget, label.target);
        StepResult r = result;
        r.modelVersion = waiting.modelVersion;
        r.drift = null;
        r.labeled = true;
        r.label = label.label;
        r.target = label.target;
        int n = r.output.length;
        System.arraycopy(waiting.output, 0, r.output, 0, n);
        if (pool != null) {
            return learnLateCandidates(waiting, r);
        }
        outputActivation.forward(r.output, lateOutput, n);
        describe(lateOutput, r);
        fillTarget(label.label, label.target);
        r.loss = spec.loss().value(outputActivation, r.output, lateOutput, targetVector, n);

        takeInput(waiting.features, true);
        trainer.inputReplaced();
        double weight = weightOf(label.label);
        boolean trained = trainer.classifiesWithSoftmax() ? trainer.trainOnClass(label.label, weight)
                : trainer.train(targetVector, weight);
        return finishLabeled(r, trained, driftError(r));
    }

    /**
     * {@link #learnLate} of a model with candidates: the stored prediction is the combined one
     * (probabilities or value, not pre-activations), scored as at prediction time; each candidate
     * is scored by its prediction of the stored features now, before its step (it has not trained
     * on them: still a test), then each trains.
     */
    private StepResult learnLateCandidates(PendingReading waiting, StepResult r) {
        r.champion = pool.championName();
        r.championBefore = null;
        describe(r.output, r);
        takeInput(waiting.features, true);
        for (int k = 0; k < pool.size(); k++) {
            pool.trainer(k).predict(input);
        }
        return trainCandidates(r, r.label, r.target);
    }

    /**
     * What a step needs of its input, checked before anything changes: a reading this model cannot
     * take fails here, and leaves no trace in the model (no statistics, no weights, no detector).
     *
     * @throws IllegalArgumentException naming what does not fit
     */
    private void check(double[] features, int label, boolean hasTarget, double target) {
        if (features.length != input.length) {
            throw new IllegalArgumentException(features.length + " features, the model reads " + input.length);
        }
        for (double f : features) {
            if (!Double.isFinite(f)) {
                throw new IllegalArgumentException("a feature is not finite: " + f);
            }
        }
        if (spec.isClassification() ? label < Reading.UNLABELED || label >= spec.classes().size()
                : hasTarget && !Double.isFinite(target)) {
            throw new IllegalArgumentException("label " + (spec.isClassification() ? label : target)
                    + " does not fit the model's " + (spec.isClassification() ? "classes " + spec.classes() : "target"));
        }
    }

    /** The prediction in {@code r} from the network's output {@code out}. */
    private void describe(double[] out, StepResult r) {
        if (spec.isClassification()) {
            if (binary) {
                r.probabilities[1] = out[0];
                r.probabilities[0] = 1.0 - out[0];
            } else {
                for (int i = 0; i < out.length; i++) {
                    r.probabilities[i] = out[i];
                }
            }
            r.predicted = argmax(r.probabilities);
        } else {
            r.predictedValue = out[0];
        }
    }

    /** After a labeled prediction's update: drift detection, the outcome, and a refused step's scaler undone. */
    private StepResult finishLabeled(StepResult r, boolean trained, double error) {
        if (detector != null) {
            r.drift = watchForDrift(error);
        }
        if (trained) {
            r.outcome = Outcome.TRAINED;
        } else {
            if (scaler != null) {
                scaler.undoUpdate();
            }
            if (classWeights != null) {
                classWeights.uncount(r.label);
            }
            r.outcome = Outcome.DIVERGED;
        }
        return r;
    }

    /** The detector's error of the model's prediction ({@link #detectorError}). */
    private double driftError(StepResult r) {
        return detectorError(r.predicted == r.label, r.loss);
    }

    /**
     * The detector's error of a prediction: for a classification 1 when it named another class
     * than the label ({@code right} false), else 0; for a regression its {@code loss} squashed
     * into [0, 1).
     */
    private double detectorError(boolean right, double loss) {
        return spec.isClassification() ? (right ? 0.0 : 1.0) : loss / (1.0 + loss);
    }

    /** The class a network's output names: as {@link #describe} reads probabilities. */
    private int classOf(double[] out) {
        return binary ? (out[0] > 0.5 ? 1 : 0) : argmax(out);
    }

    /**
     * Feeds a prediction's error to the detector; on a detected increase, adapts. The error is
     * the prediction's, made before this update, so the detector sees honest prequential figures.
     */
    private DriftEvent watchForDrift(double error) {
        if (!detector.add(error) || detector.newerMean() - detector.olderMean() < MIN_ERROR_RISE) {
            return null;
        }
        drifts++;
        // One change, one drift: the window still holds errors of before the reaction, and
        // another cut through them a clock tick later would report this change again.
        detector.clear();
        return new DriftEvent(DriftSpec.ADWIN, detector.delta(), trainer.updates(), detector.olderMean(),
                detector.newerMean(), detector.newerLength(), adaptToDrift());
    }

    /**
     * What the learner does when its error rose: chosen by measurement (docs/QUALITY.md, "Drift").
     * <ul>
     *   <li>The weight average, which remembers about 1/(1 - decay) updates, restarts from the
     *       trained weights, which have been following the change all along: predictions catch
     *       up at once. This alone brings a moved class boundary back.</li>
     *   <li>The input statistics weigh the past as {@link #SCALER_MEMORY_AFTER_DRIFT} readings,
     *       so a sensor that moved (a machine running hotter) is re-centred far sooner than its
     *       slow forgetting would, and the network sees the inputs it was trained on again.</li>
     *   <li>The output layer learns faster for a while
     *       ({@link streamlearn.nn.Trainer#relearnOutputLayer}): when what the labels mean
     *       changed, the hidden layers' features still hold and only their mapping to classes
     *       must be relearnt.</li>
     * </ul>
     * Restarting the optimizer's moments, a faster learning rate for the whole network, or a
     * faster- or slower-growing average do not beat the above, and a faster rate throughout
     * costs stationary accuracy.
     */
    private List<String> adaptToDrift() {
        if (pool != null) {
            return adaptCandidatesToDrift();
        }
        List<String> actions = new java.util.ArrayList<>(3);
        if (scaler != null) {
            scaler.remember(SCALER_MEMORY_AFTER_DRIFT);
            actions.add(DriftEvent.SCALER_RELEARNING);
        }
        if (trainer.average() != null) {
            trainer.restartAverage();
            actions.add(DriftEvent.AVERAGE_RESTARTED);
        }
        trainer.relearnOutputLayer();
        actions.add(DriftEvent.OUTPUT_LAYER_RELEARNING);
        return actions;
    }

    /**
     * {@link #adaptToDrift} with candidates: the scaler as for one network; each candidate's average
     * and output layer ({@link CandidatePool#adaptToDrift}); the recent losses start over with
     * {@link SelectionSpec#restartOnDrift}, else they are kept.
     */
    private List<String> adaptCandidatesToDrift() {
        List<String> actions = new java.util.ArrayList<>(4);
        if (scaler != null) {
            scaler.remember(SCALER_MEMORY_AFTER_DRIFT);
            actions.add(DriftEvent.SCALER_RELEARNING);
        }
        boolean averaged = false;
        boolean relearning = false;
        for (int k = 0; k < pool.size(); k++) {
            averaged |= pool.trainer(k).average() != null;
        }
        relearning = trainer.network().layerCount() > 1;
        pool.adaptToDrift();
        if (averaged) {
            actions.add(DriftEvent.AVERAGE_RESTARTED);
        }
        if (relearning) {
            actions.add(DriftEvent.OUTPUT_LAYER_RELEARNING);
        }
        if (pool.selection().restartOnDrift()) {
            actions.add(DriftEvent.SELECTION_RESTARTED);
        }
        return actions;
    }

    /** The candidates' names, the spec's network ("main") first; just "main" without candidates. */
    public List<String> candidateNames() {
        return spec.candidateNames();
    }

    /** The candidate whose prediction leads (the champion; with a mixture, the largest weight). */
    public String champion() {
        return pool == null ? CandidateSpec.MAIN : pool.championName();
    }

    /**
     * Candidate {@code k}'s recent loss ({@link CandidatePool}; NaN before any labeled reading since
     * the start, or since a drift with {@link SelectionSpec#restartOnDrift}); without candidates NaN.
     */
    public double candidateLoss(int k) {
        return pool == null ? Double.NaN : pool.recentLoss(k);
    }

    /** Candidate {@code k}'s mixture weight (without candidates 1). */
    public double candidateWeight(int k) {
        return pool == null ? 1.0 : pool.weight(k);
    }

    /** True while the output layer relearns faster after a drift ({@link Trainer#outputRelearningLeft}). */
    public boolean relearning() {
        return trainer.outputRelearningLeft() > 0;
    }

    /** Drifts detected over the model's life (0 without drift detection). */
    public long drifts() {
        return drifts;
    }

    /**
     * The weight of a labeled reading's step (1 without class weights or for regression);
     * balanced weights count the label first. The reported loss stays unweighted: it measures the
     * prediction, whatever the training weighs.
     */
    private double weightOf(int label) {
        return classWeights == null ? 1.0 : classWeights.count(label);
    }

    /** The spec's class weights, or null without them. */
    public ClassWeights classWeights() {
        return classWeights;
    }

    /**
     * The network's input for {@code features}: standardised (the statistics updated first when
     * the features will be trained on), or as they are without a scaler.
     */
    private void takeInput(double[] features, boolean train) {
        if (scaler == null) {
            System.arraycopy(features, 0, input, 0, input.length);
            return;
        }
        if (train) {
            scaler.update(features);
        }
        scaler.transform(features, input);
    }

    private void fillTarget(int label, double target) {
        fillTarget(label, target, targetVector);
    }

    private void fillTarget(int label, double target, double[] into) {
        if (!spec.isClassification()) {
            into[0] = target;
        } else if (binary) {
            into[0] = label == 1 ? 1.0 : 0.0;
        } else {
            java.util.Arrays.fill(into, 0.0);
            into[label] = 1.0;
        }
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
