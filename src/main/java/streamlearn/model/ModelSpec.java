package streamlearn.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import streamlearn.nn.Activation;
import streamlearn.nn.Loss;

/**
 * The model spec of DESIGN.md: what the model reads, predicts, and how it is built and trained.
 * Parsing validates everything up front so that a model built from a spec cannot fail later;
 * every error names the offending field.
 */
public final class ModelSpec {
    public enum Task { CLASSIFICATION, REGRESSION }

    public enum InitType { HE, XAVIER, EXPLICIT }

    /** One dense layer as written in the spec. */
    public record Layer(int units, Activation activation) { }

    /** One layer's explicit initial weights: W[neuron][input] and b[neuron]. */
    public record LayerWeights(double[][] w, double[] b) { }

    /**
     * Largest network accepted. A model is updated on every record and stored at every commit;
     * at this size a step takes about a tenth of a millisecond, its binary state (parameters,
     * average, two optimizer moments) is about 3 MB and its JSON snapshot stays below the 16 MB
     * the models topic and the changelog accept.
     */
    public static final long MAX_PARAMETERS = 100_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TOP_FIELDS = Set.of("task", "features", "classes", "target", "layers",
            "loss", "init", "optimizer", "l2", "clipNorm", "standardize", "averaging");

    private final Task task;
    private final List<String> features;
    private final List<String> classes;
    private final String target;
    private final List<Layer> layers;
    private final Loss loss;
    private final InitType initType;
    private final long initSeed;
    private final List<LayerWeights> explicitWeights;
    private final String optimizer;
    private final double learningRate;
    private final double momentum;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double l2;
    private final double clipNorm;
    private final boolean standardize;
    private final double averagingDecay;
    private final String json;

    private ModelSpec(ObjectNode root) {
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!TOP_FIELDS.contains(name)) {
                throw new SpecException(name, "unknown field (expected one of " + String.join(", ", sorted(TOP_FIELDS)) + ")");
            }
        }
        String taskName = optionalText(root, "task", "classification");
        task = switch (taskName) {
            case "classification" -> Task.CLASSIFICATION;
            case "regression" -> Task.REGRESSION;
            default -> throw new SpecException("task", "unknown task '" + taskName + "' (expected classification or regression)");
        };
        features = uniqueNames(root, "features", 1);
        if (task == Task.CLASSIFICATION) {
            if (root.has("target")) {
                throw new SpecException("target", "only a regression spec has a target; a classification spec has classes");
            }
            classes = uniqueNames(root, "classes", 2);
            target = null;
        } else {
            if (root.has("classes")) {
                throw new SpecException("classes", "a regression spec has no classes");
            }
            classes = List.of();
            target = optionalText(root, "target", "target");
        }

        JsonNode layerNodes = root.get("layers");
        if (layerNodes == null || !layerNodes.isArray() || layerNodes.isEmpty()) {
            throw new SpecException("layers", "must be a non-empty array of {\"units\":N,\"activation\":NAME}");
        }
        List<Layer> parsed = new ArrayList<>();
        for (int i = 0; i < layerNodes.size(); i++) {
            String where = "layers[" + i + "]";
            JsonNode layer = object(layerNodes.get(i), where);
            onlyFields(layer, where, Set.of("units", "activation"));
            int units = positiveInt(layer.get("units"), where + ".units");
            String actName = requiredText(layer, "activation", where + ".activation");
            Activation act = Activation.byId(actName);
            if (act == null) {
                throw new SpecException(where + ".activation", "unknown activation '" + actName
                        + "' (expected one of relu, leaky_relu, sigmoid, tanh, softmax, identity)");
            }
            if (act == Activation.SOFTMAX && i != layerNodes.size() - 1) {
                throw new SpecException(where + ".activation", "softmax is only allowed in the output layer");
            }
            parsed.add(new Layer(units, act));
        }
        layers = List.copyOf(parsed);
        long parameters = 0;
        int inputs = features.size();
        for (Layer layer : layers) {
            parameters += (long) layer.units() * (inputs + 1);
            inputs = layer.units();
        }
        if (parameters > MAX_PARAMETERS) {
            throw new SpecException("layers", "the network has " + parameters + " parameters; an online learner here is limited to "
                    + MAX_PARAMETERS);
        }

        String lossName = requiredText(root, "loss", "loss");
        loss = Loss.byId(lossName);
        if (loss == null) {
            throw new SpecException("loss", "unknown loss '" + lossName + "' (expected cross_entropy, binary_cross_entropy or mse)");
        }
        checkOutput();

        JsonNode init = root.get("init");
        if (init == null) {
            initType = InitType.HE;
            initSeed = 42;
            explicitWeights = List.of();
        } else {
            object(init, "init");
            String type = requiredText(init, "type", "init.type");
            switch (type) {
                case "he", "xavier" -> {
                    onlyFields(init, "init", Set.of("type", "seed"));
                    initType = type.equals("he") ? InitType.HE : InitType.XAVIER;
                    JsonNode seed = init.get("seed");
                    if (seed != null && !seed.canConvertToLong()) {
                        throw new SpecException("init.seed", "must be an integer");
                    }
                    initSeed = seed == null ? 42 : seed.asLong();
                    explicitWeights = List.of();
                }
                case "explicit" -> {
                    onlyFields(init, "init", Set.of("type", "weights"));
                    initType = InitType.EXPLICIT;
                    initSeed = 0;
                    explicitWeights = parseWeights(init.get("weights"), "init.weights", features.size(), layers);
                }
                default -> throw new SpecException("init.type", "unknown init '" + type + "' (expected he, xavier or explicit)");
            }
        }

        JsonNode opt = root.get("optimizer");
        if (opt == null) {
            throw new SpecException("optimizer", "missing (e.g. {\"type\":\"sgd\",\"learningRate\":0.05})");
        }
        object(opt, "optimizer");
        optimizer = requiredText(opt, "type", "optimizer.type");
        switch (optimizer) {
            case "sgd" -> {
                onlyFields(opt, "optimizer", Set.of("type", "learningRate", "momentum"));
                momentum = number(opt, "momentum", "optimizer.momentum", 0.0, 0.0, 1.0, false);
                beta1 = 0;
                beta2 = 0;
                epsilon = 0;
            }
            case "adam" -> {
                onlyFields(opt, "optimizer", Set.of("type", "learningRate", "beta1", "beta2", "epsilon"));
                momentum = 0;
                beta1 = number(opt, "beta1", "optimizer.beta1", 0.9, 0.0, 1.0, false);
                beta2 = number(opt, "beta2", "optimizer.beta2", 0.999, 0.0, 1.0, false);
                epsilon = number(opt, "epsilon", "optimizer.epsilon", 1e-8, 0.0, Double.MAX_VALUE, false);
            }
            default -> throw new SpecException("optimizer.type", "unknown optimizer '" + optimizer + "' (expected sgd or adam)");
        }
        if (!opt.has("learningRate")) {
            throw new SpecException("optimizer.learningRate", "missing");
        }
        learningRate = number(opt, "learningRate", "optimizer.learningRate", 0, 0.0, Double.MAX_VALUE, false);
        if (learningRate <= 0) {
            throw new SpecException("optimizer.learningRate", "must be > 0");
        }

        l2 = number(root, "l2", "l2", 0.0, 0.0, Double.MAX_VALUE, true);
        clipNorm = number(root, "clipNorm", "clipNorm", 0.0, 0.0, Double.MAX_VALUE, true);
        JsonNode std = root.get("standardize");
        if (std != null && !std.isBoolean()) {
            throw new SpecException("standardize", "must be true or false");
        }
        standardize = std == null || std.asBoolean();

        JsonNode avg = root.get("averaging");
        if (avg == null || avg.isNull()) {
            averagingDecay = 0.0;
        } else {
            object(avg, "averaging");
            onlyFields(avg, "averaging", Set.of("decay"));
            if (!avg.has("decay")) {
                throw new SpecException("averaging.decay", "missing (e.g. 0.999)");
            }
            averagingDecay = number(avg, "decay", "averaging.decay", 0, 0.0, 1.0, false);
            if (averagingDecay <= 0 || averagingDecay >= 1) {
                throw new SpecException("averaging.decay", "must be between 0 and 1 (exclusive)");
            }
        }
        json = root.toString();
    }

    /** Parses a spec from JSON text. */
    public static ModelSpec parse(String text) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SpecException("spec", "not valid JSON: " + e.getOriginalMessage());
        }
        return fromJson(node);
    }

    public static ModelSpec fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new SpecException("spec", "must be a JSON object");
        }
        return new ModelSpec((ObjectNode) node.deepCopy());
    }

    /** The built-in default: the seeds' sensor classifier (resources/default-spec.json). */
    public static ModelSpec defaultSpec() {
        try (InputStream in = ModelSpec.class.getResourceAsStream("/default-spec.json")) {
            if (in == null) {
                throw new IllegalStateException("default-spec.json missing from the classpath");
            }
            return parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void checkOutput() {
        Layer out = layers.get(layers.size() - 1);
        int expected;
        if (task == Task.REGRESSION) {
            expected = 1;
            if (loss != Loss.MSE) {
                throw new SpecException("loss", "a regression spec needs mse, not " + loss.id());
            }
        } else if (loss == Loss.BINARY_CROSS_ENTROPY) {
            if (classes.size() != 2) {
                throw new SpecException("loss", "binary_cross_entropy needs exactly 2 classes, got " + classes.size());
            }
            expected = 1;
            if (out.activation() != Activation.SIGMOID) {
                throw new SpecException("layers[" + (layers.size() - 1) + "].activation",
                        "binary_cross_entropy needs a sigmoid output, not " + out.activation().id());
            }
        } else {
            expected = classes.size();
            if (loss == Loss.CROSS_ENTROPY && out.activation() != Activation.SOFTMAX) {
                throw new SpecException("layers[" + (layers.size() - 1) + "].activation",
                        "cross_entropy needs a softmax output, not " + out.activation().id());
            }
        }
        if (out.activation() == Activation.SOFTMAX && loss != Loss.CROSS_ENTROPY) {
            throw new SpecException("loss", "a softmax output needs cross_entropy, not " + loss.id());
        }
        if (out.units() != expected) {
            throw new SpecException("layers[" + (layers.size() - 1) + "].units",
                    "the output layer must have " + expected + " units for this task and loss, not " + out.units());
        }
    }

    private static List<LayerWeights> parseWeights(JsonNode node, String where, int inputs, List<Layer> layers) {
        if (node == null || !node.isArray()) {
            throw new SpecException(where, "must be an array with one {\"W\":[[...]],\"b\":[...]} per layer");
        }
        if (node.size() != layers.size()) {
            throw new SpecException(where, "has " + node.size() + " entries but the spec has " + layers.size() + " layers");
        }
        List<LayerWeights> result = new ArrayList<>();
        int in = inputs;
        for (int l = 0; l < layers.size(); l++) {
            String at = where + "[" + l + "]";
            JsonNode entry = object(node.get(l), at);
            onlyFields(entry, at, Set.of("W", "b"));
            int out = layers.get(l).units();
            JsonNode w = entry.get("W");
            if (w == null || !w.isArray() || w.size() != out) {
                throw new SpecException(at + ".W", "must have " + out + " rows (one per neuron), got "
                        + (w == null || !w.isArray() ? "none" : w.size()));
            }
            double[][] matrix = new double[out][];
            for (int i = 0; i < out; i++) {
                matrix[i] = vector(w.get(i), at + ".W[" + i + "]", in);
            }
            double[] b = vector(entry.get("b"), at + ".b", out);
            result.add(new LayerWeights(matrix, b));
            in = out;
        }
        return List.copyOf(result);
    }

    static double[] vector(JsonNode node, String where, int length) {
        if (node == null || !node.isArray() || node.size() != length) {
            throw new SpecException(where, "must be an array of " + length + " numbers, got "
                    + (node == null ? "none" : node.isArray() ? node.size() + " entries" : node.getNodeType().name().toLowerCase()));
        }
        double[] v = new double[length];
        for (int i = 0; i < length; i++) {
            JsonNode x = node.get(i);
            if (!x.isNumber() || !Double.isFinite(x.asDouble())) {
                throw new SpecException(where + "[" + i + "]", "must be a finite number");
            }
            v[i] = x.asDouble();
        }
        return v;
    }

    private static JsonNode object(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new SpecException(where, "must be a JSON object");
        }
        return node;
    }

    private static void onlyFields(JsonNode node, String where, Set<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                throw new SpecException(where + "." + name, "unknown field (expected one of " + String.join(", ", sorted(allowed)) + ")");
            }
        }
    }

    private static List<String> sorted(Set<String> names) {
        List<String> list = new ArrayList<>(names);
        list.sort(null);
        return list;
    }

    private static List<String> uniqueNames(JsonNode root, String field, int min) {
        JsonNode node = root.get(field);
        if (node == null || !node.isArray()) {
            throw new SpecException(field, "must be an array of names");
        }
        if (node.size() < min) {
            throw new SpecException(field, "needs at least " + min + " entr" + (min == 1 ? "y" : "ies"));
        }
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode n = node.get(i);
            if (!n.isTextual() || n.asText().isEmpty()) {
                throw new SpecException(field + "[" + i + "]", "must be a non-empty string");
            }
            if (!seen.add(n.asText())) {
                throw new SpecException(field + "[" + i + "]", "duplicate name '" + n.asText() + "'");
            }
            names.add(n.asText());
        }
        return List.copyOf(names);
    }

    private static String optionalText(JsonNode node, String field, String fallback) {
        JsonNode v = node.get(field);
        if (v == null) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw new SpecException(field, "must be a string");
        }
        return v.asText();
    }

    private static String requiredText(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw new SpecException(where, v == null ? "missing" : "must be a string");
        }
        return v.asText();
    }

    private static int positiveInt(JsonNode v, String where) {
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() <= 0) {
            throw new SpecException(where, "must be a positive integer");
        }
        return v.asInt();
    }

    private static double number(JsonNode node, String field, String where, double fallback,
                                 double min, double max, boolean nullable) {
        JsonNode v = node.get(field);
        if (v == null || (nullable && v.isNull())) {
            return fallback;
        }
        if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw new SpecException(where, "must be a finite number");
        }
        double d = v.asDouble();
        if (d < min || d > max) {
            throw new SpecException(where, "must be between " + min + " and " + max + ", got " + d);
        }
        return d;
    }

    public Task task() {
        return task;
    }

    public boolean isClassification() {
        return task == Task.CLASSIFICATION;
    }

    public List<String> features() {
        return features;
    }

    public List<String> classes() {
        return classes;
    }

    /** Name of the regression target (regression only). */
    public String target() {
        return target;
    }

    public List<Layer> layers() {
        return layers;
    }

    public Loss loss() {
        return loss;
    }

    public InitType initType() {
        return initType;
    }

    public long initSeed() {
        return initSeed;
    }

    public List<LayerWeights> explicitWeights() {
        return explicitWeights;
    }

    public String optimizer() {
        return optimizer;
    }

    public double learningRate() {
        return learningRate;
    }

    public double momentum() {
        return momentum;
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double epsilon() {
        return epsilon;
    }

    public double l2() {
        return l2;
    }

    public double clipNorm() {
        return clipNorm;
    }

    public boolean standardize() {
        return standardize;
    }

    /** Decay of the prediction weight average, 0 when the spec has no averaging. */
    public double averagingDecay() {
        return averagingDecay;
    }

    /** The spec as compact JSON, as it was given. */
    public String json() {
        return json;
    }

    /** The spec as a JSON tree (a copy). */
    public ObjectNode toJson() {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

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
