package streamlearn.model;

import java.util.List;
import streamlearn.nn.Activation;
import streamlearn.nn.Loss;

/**
 * The model spec of docs/DESIGN.md: what the model reads, predicts, and how it is built and
 * trained. A value: {@code streamlearn.format.SpecJson} parses it and checks each field; the
 * constructor checks the rules that tie fields together, so a model built from a spec cannot fail
 * later. Every error names the field.
 *
 * @param target         name of the regression target; null for classification
 * @param standardizeMemory readings the input statistics remember (see {@link OnlineScaler});
 *                       0 for no standardisation
 * @param averagingDecay decay of the prediction weight average; 0 for none
 * @param ranges         per feature, the values a sane sensor can send
 * @param drift          how change is detected; null for no detection
 * @param classWeights   how much each class weighs in training; null for 1 each
 * @param candidates     the challengers that train beside the spec's own network ({@link CandidateSpec#MAIN});
 *                       empty: the spec's network alone, as without candidates
 * @param selection      how the candidates' predictions make the model's; null without candidates
 * @param json           the spec as compact JSON, as it was given: what snapshots carry and what
 *                       two specs are compared by
 */
public record ModelSpec(
        Task task,
        List<String> features,
        List<String> classes,
        String target,
        List<Layer> layers,
        Loss loss,
        InitSpec init,
        OptimizerSpec optimizer,
        double l2,
        double clipNorm,
        long standardizeMemory,
        double averagingDecay,
        FeatureRanges ranges,
        DriftSpec drift,
        ClassWeightsSpec classWeights,
        List<CandidateSpec> candidates,
        SelectionSpec selection,
        String json) {

    public enum Task { CLASSIFICATION, REGRESSION }

    /** One dense layer. */
    public record Layer(int units, Activation activation) { }

    /**
     * Largest network accepted. A model is updated on every record and stored at every commit,
     * so a step must stay cheap, and its JSON snapshot (parameters, average, two optimizer
     * moments) must fit in a record of the models topic and the changelog.
     */
    public static final long MAX_PARAMETERS = 100_000;

    public ModelSpec {
        features = List.copyOf(features);
        classes = List.copyOf(classes);
        layers = List.copyOf(layers);
        candidates = List.copyOf(candidates);
        checkOutputLayer(task, classes, layers, loss);
        if (candidates.isEmpty() != (selection == null)) {
            throw new SpecException("selection", "only a spec with candidates has a selection");
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        names.add(CandidateSpec.MAIN);
        for (int i = 0; i < candidates.size(); i++) {
            CandidateSpec c = candidates.get(i);
            String where = "candidates[" + i + "]";
            if (!names.add(c.name())) {
                throw new SpecException(where + ".name", "duplicate candidate name '" + c.name() + "' ('"
                        + CandidateSpec.MAIN + "' is the spec's own network)");
            }
            try {
                checkOutputLayer(task, classes, c.layers(), loss);
            } catch (SpecException e) {
                throw new SpecException(where + "." + e.field(), e.reason());
            }
        }
        if (classWeights != null && task != Task.CLASSIFICATION) {
            throw new SpecException("classWeights", "only a classification spec has class weights");
        }
        if (classWeights != null && !classWeights.balanced() && classWeights.explicit().length != classes.size()) {
            throw new SpecException("classWeights", "needs one weight per class");
        }
        long parameters = parameterCount(features.size(), layers);
        for (CandidateSpec c : candidates) {
            parameters += parameterCount(features.size(), c.layers());
        }
        if (parameters > MAX_PARAMETERS) {
            throw new SpecException("layers", "the network has " + parameters
                    + " parameters" + (candidates.isEmpty() ? "" : " (its candidates together)")
                    + "; an online learner here is limited to " + MAX_PARAMETERS);
        }
    }

    /** Whether inputs are standardised by running statistics. */
    public boolean standardize() {
        return standardizeMemory > 0;
    }

    /** Whether the model is a pool of candidates (the spec has {@code "candidates"}). */
    public boolean hasCandidates() {
        return !candidates.isEmpty();
    }

    /**
     * The candidates' names, the spec's own network ({@link CandidateSpec#MAIN}) first; just it
     * without candidates.
     */
    public List<String> candidateNames() {
        List<String> names = new java.util.ArrayList<>();
        names.add(CandidateSpec.MAIN);
        for (CandidateSpec c : candidates) {
            names.add(c.name());
        }
        return names;
    }

    public boolean isClassification() {
        return task == Task.CLASSIFICATION;
    }

    private static long parameterCount(int inputs, List<Layer> layers) {
        long parameters = 0;
        for (Layer layer : layers) {
            parameters += (long) layer.units() * (inputs + 1);
            inputs = layer.units();
        }
        return parameters;
    }

    /**
     * The output layer must fit the task and the loss: its width, its activation. Public so that
     * a parser can check it before reading what depends on the layers (explicit weights).
     */
    public static void checkOutputLayer(Task task, List<String> classes, List<Layer> layers, Loss loss) {
        Layer out = layers.get(layers.size() - 1);
        String where = "layers[" + (layers.size() - 1) + "]";
        int expected;
        if (task == Task.REGRESSION) {
            if (loss != Loss.MSE) {
                throw new SpecException("loss", "a regression spec needs mse, not " + loss.id());
            }
            expected = 1;
        } else if (loss == Loss.BINARY_CROSS_ENTROPY) {
            if (classes.size() != 2) {
                throw new SpecException("loss", "binary_cross_entropy needs exactly 2 classes, got " + classes.size());
            }
            if (out.activation() != Activation.SIGMOID) {
                throw new SpecException(where + ".activation",
                        "binary_cross_entropy needs a sigmoid output, not " + out.activation().id());
            }
            expected = 1;
        } else {
            if (loss == Loss.CROSS_ENTROPY && out.activation() != Activation.SOFTMAX) {
                throw new SpecException(where + ".activation",
                        "cross_entropy needs a softmax output, not " + out.activation().id());
            }
            expected = classes.size();
        }
        if (out.activation() == Activation.SOFTMAX && loss != Loss.CROSS_ENTROPY) {
            throw new SpecException("loss", "a softmax output needs cross_entropy, not " + loss.id());
        }
        if (out.units() != expected) {
            throw new SpecException(where + ".units",
                    "the output layer must have " + expected + " units for this task and loss, not " + out.units());
        }
    }

    /** Two specs are the same spec when they were given as the same JSON. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec other && json.equals(other.json);
    }

    @Override
    public int hashCode() {
        return json.hashCode();
    }

    @Override
    public String toString() {
        return json;
    }
}
