package streamlearn.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import streamlearn.model.CandidateSpec;
import streamlearn.model.ClassWeightsSpec;
import streamlearn.model.DriftSpec;
import streamlearn.model.FeatureRanges;
import streamlearn.model.InitSpec;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineScaler;
import streamlearn.model.OptimizerSpec;
import streamlearn.model.ReplicaMerge;
import streamlearn.model.SelectionSpec;
import streamlearn.model.SpecException;
import streamlearn.nn.Activation;
import streamlearn.nn.Adam;
import streamlearn.nn.Loss;

/**
 * Reads the model spec JSON of docs/DESIGN.md into a {@link ModelSpec}. Strict: an unknown field
 * or a value of the wrong kind is an error that names the field, so that a typo cannot silently
 * fall back to a default.
 */
public final class SpecJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TOP_FIELDS = Set.of("task", "features", "classes", "target", "layers",
            "loss", "init", "optimizer", "l2", "clipNorm", "standardize", "averaging", "ranges", "drift",
            "classWeights", "candidates", "selection");
    private static final Set<String> CANDIDATE_FIELDS = Set.of("name", "layers", "init", "optimizer", "l2", "clipNorm",
            "averaging");
    private static final long DEFAULT_SEED = 42;

    private SpecJson() {
    }

    /** Parses a spec from JSON text. */
    public static ModelSpec parse(String text) {
        try {
            return fromJson(JSON.readTree(text));
        } catch (JsonProcessingException e) {
            throw new SpecException("spec", "not valid JSON: " + e.getOriginalMessage());
        }
    }

    /**
     * The spec of K replicas of a model of {@code spec} ({@code model.replicas}): each optimizer's
     * learning rate scaled by the merge rule's factor for K ({@link ReplicaMerge.Rule#learningRateScale}),
     * everything else as given. Its JSON is what the replicas' snapshots carry.
     */
    public static ModelSpec forReplicas(ModelSpec spec, int k) {
        return forReplicas(spec, ReplicaMerge.DEFAULT, k);
    }

    /**
     * {@link #forReplicas(ModelSpec, int)} under the merge rule {@code rule}: the rates its
     * {@link ReplicaMerge.Rule#learningRateScale} gives K replicas (what ReplicaProbe compares the
     * rules with; the stream uses {@link ReplicaMerge#DEFAULT}).
     */
    public static ModelSpec forReplicas(ModelSpec spec, ReplicaMerge.Rule rule, int k) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(spec.json());
            scaleRate((ObjectNode) root.get("optimizer"), rule.learningRateScale(spec.optimizer(), k));
            for (int c = 0; c < spec.candidates().size(); c++) {
                scaleRate((ObjectNode) root.get("candidates").get(c).get("optimizer"),
                        rule.learningRateScale(spec.candidates().get(c).optimizer(), k));
            }
            return parse(root.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * True when {@code a} and {@code b} differ in their optimizers' learning rates only (or not at
     * all): the specs of the replicas of one model for different K.
     */
    public static boolean sameButLearningRates(ModelSpec a, ModelSpec b) {
        try {
            return withoutRates(JSON.readTree(a.json())).equals(withoutRates(JSON.readTree(b.json())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode withoutRates(JsonNode root) {
        ((ObjectNode) root.get("optimizer")).remove("learningRate");
        JsonNode candidates = root.get("candidates");
        if (candidates != null) {
            for (JsonNode c : candidates) {
                ((ObjectNode) c.get("optimizer")).remove("learningRate");
            }
        }
        return root;
    }

    private static void scaleRate(ObjectNode optimizer, double factor) {
        if (factor != 1.0) {
            optimizer.put("learningRate", optimizer.get("learningRate").asDouble() * factor);
        }
    }

    /** The built-in default: the seeds' sensor classifier (resources/default-spec.json). */
    public static ModelSpec defaultSpec() {
        try (InputStream in = SpecJson.class.getResourceAsStream("/default-spec.json")) {
            if (in == null) {
                throw new IllegalStateException("default-spec.json missing from the classpath");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ModelSpec fromJson(JsonNode node) {
        ObjectNode root = (ObjectNode) object(node, "spec");
        onlyFields(root, "", TOP_FIELDS);
        ModelSpec.Task task = switch (optionalText(root, "task", "classification")) {
            case "classification" -> ModelSpec.Task.CLASSIFICATION;
            case "regression" -> ModelSpec.Task.REGRESSION;
            default -> throw new SpecException("task", "unknown task '" + root.get("task").asText()
                    + "' (expected classification or regression)");
        };
        List<String> features = uniqueNames(root, "features", 1);
        List<String> classes = List.of();
        String target = null;
        if (task == ModelSpec.Task.CLASSIFICATION) {
            if (root.has("target")) {
                throw new SpecException("target", "only a regression spec has a target; a classification spec has classes");
            }
            classes = uniqueNames(root, "classes", 2);
        } else {
            if (root.has("classes")) {
                throw new SpecException("classes", "a regression spec has no classes");
            }
            target = optionalText(root, "target", "target");
        }
        List<ModelSpec.Layer> layers = layers(root.get("layers"));
        String lossName = requiredText(root, "loss", "loss");
        Loss loss = Loss.byId(lossName);
        if (loss == null) {
            throw new SpecException("loss", "unknown loss '" + lossName + "' (expected cross_entropy, binary_cross_entropy or mse)");
        }
        ModelSpec.checkOutputLayer(task, classes, layers, loss);
        InitSpec init = init(root.get("init"), features.size(), layers);
        OptimizerSpec optimizer = optimizer(root.get("optimizer"));
        double l2 = number(root, "l2", "l2", 0.0, 0.0, Double.MAX_VALUE, true);
        double clipNorm = number(root, "clipNorm", "clipNorm", 0.0, 0.0, Double.MAX_VALUE, true);
        List<CandidateSpec> candidates = candidates(root.get("candidates"), task, classes, features.size(), loss);
        SelectionSpec selection = selection(root.get("selection"), !candidates.isEmpty());
        return new ModelSpec(task, features, classes, target, layers, loss, init, optimizer, l2, clipNorm,
                standardizeMemory(root.get("standardize")), averagingDecay(root.get("averaging")),
                ranges(root.get("ranges"), features), drift(root.get("drift")),
                classWeights(root.get("classWeights"), task, classes), candidates, selection, root.toString());
    }

    /**
     * {@code [{"name":N,"layers":[...],"optimizer":{...}, "init", "l2", "clipNorm", "averaging"}, ...]}:
     * each field as the spec's own, with the same defaults (no L2, no clipping, no average, He init
     * with seed 42); absent, null or empty: no candidates.
     */
    private static List<CandidateSpec> candidates(JsonNode node, ModelSpec.Task task, List<String> classes, int inputs,
                                                  Loss loss) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new SpecException("candidates", "must be an array of {\"name\":N,\"layers\":[...],\"optimizer\":{...}}");
        }
        List<CandidateSpec> candidates = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String where = "candidates[" + i + "]";
            JsonNode c = object(node.get(i), where);
            onlyFields(c, where, CANDIDATE_FIELDS);
            String name = requiredText(c, "name", where + ".name");
            if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new SpecException(where + ".name", "must be 1 to 64 letters, digits, '_', '.' or '-', got '" + name + "'");
            }
            List<ModelSpec.Layer> layers = layers(c.get("layers"), where + ".layers");
            try {
                ModelSpec.checkOutputLayer(task, classes, layers, loss);
            } catch (SpecException e) {
                throw new SpecException(where + "." + e.field(), e.reason());
            }
            InitSpec init = init(c.get("init"), where + ".init", inputs, layers);
            OptimizerSpec optimizer = optimizer(c.get("optimizer"), where + ".optimizer");
            double l2 = number(c, "l2", where + ".l2", 0.0, 0.0, Double.MAX_VALUE, true);
            double clipNorm = number(c, "clipNorm", where + ".clipNorm", 0.0, 0.0, Double.MAX_VALUE, true);
            candidates.add(new CandidateSpec(name, layers, init, optimizer, l2, clipNorm,
                    averagingDecay(c.get("averaging"), where + ".averaging")));
        }
        return candidates;
    }

    /**
     * {@code {"method":"mixture"|"champion","halfLife":N,"eta":X,"maxLoss":X,"restartOnDrift":B}},
     * each optional; only with candidates.
     */
    private static SelectionSpec selection(JsonNode node, boolean candidates) {
        if (node == null || node.isNull()) {
            return candidates ? SelectionSpec.defaults() : null;
        }
        if (!candidates) {
            throw new SpecException("selection", "only a spec with candidates has a selection");
        }
        object(node, "selection");
        onlyFields(node, "selection", Set.of("method", "halfLife", "eta", "maxLoss", "restartOnDrift"));
        String methodName = optionalText(node, "method", SelectionSpec.DEFAULT_METHOD.id);
        SelectionSpec.Method method = SelectionSpec.Method.byId(methodName);
        if (method == null) {
            throw new SpecException("selection.method", "unknown method '" + methodName + "' (expected mixture or champion)");
        }
        double halfLife = number(node, "halfLife", "selection.halfLife", SelectionSpec.DEFAULT_HALF_LIFE, 1.0, 1e9, false);
        double eta = number(node, "eta", "selection.eta", SelectionSpec.DEFAULT_ETA, 0.0, 1e6, false);
        if (!(eta > 0)) {
            throw new SpecException("selection.eta", "must be > 0");
        }
        double maxLoss = number(node, "maxLoss", "selection.maxLoss", SelectionSpec.DEFAULT_MAX_LOSS, 0.0,
                SelectionSpec.DEFAULT_MAX_LOSS, false);
        if (!(maxLoss > 0)) {
            throw new SpecException("selection.maxLoss", "must be > 0");
        }
        JsonNode restart = node.get("restartOnDrift");
        if (restart != null && !restart.isBoolean()) {
            throw new SpecException("selection.restartOnDrift", "must be true or false");
        }
        boolean restartOnDrift = restart == null ? SelectionSpec.DEFAULT_RESTART_ON_DRIFT : restart.asBoolean();
        return new SelectionSpec(method, halfLife, eta, maxLoss, restartOnDrift);
    }

    private static List<ModelSpec.Layer> layers(JsonNode nodes) {
        return layers(nodes, "layers");
    }

    private static List<ModelSpec.Layer> layers(JsonNode nodes, String field) {
        if (nodes == null || !nodes.isArray() || nodes.isEmpty()) {
            throw new SpecException(field, "must be a non-empty array of {\"units\":N,\"activation\":NAME}");
        }
        List<ModelSpec.Layer> layers = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            String where = field + "[" + i + "]";
            JsonNode layer = object(nodes.get(i), where);
            onlyFields(layer, where, Set.of("units", "activation"));
            int units = positiveInt(layer.get("units"), where + ".units");
            String name = requiredText(layer, "activation", where + ".activation");
            Activation activation = Activation.byId(name);
            if (activation == null) {
                throw new SpecException(where + ".activation", "unknown activation '" + name
                        + "' (expected one of relu, leaky_relu, sigmoid, tanh, softmax, identity)");
            }
            if (activation == Activation.SOFTMAX && i != nodes.size() - 1) {
                throw new SpecException(where + ".activation", "softmax is only allowed in the output layer");
            }
            layers.add(new ModelSpec.Layer(units, activation));
        }
        return layers;
    }

    private static InitSpec init(JsonNode init, int inputs, List<ModelSpec.Layer> layers) {
        return init(init, "init", inputs, layers);
    }

    private static InitSpec init(JsonNode init, String field, int inputs, List<ModelSpec.Layer> layers) {
        if (init == null) {
            return new InitSpec.He(DEFAULT_SEED);
        }
        object(init, field);
        String type = requiredText(init, "type", field + ".type");
        switch (type) {
            case "he", "xavier" -> {
                onlyFields(init, field, Set.of("type", "seed"));
                JsonNode seedNode = init.get("seed");
                if (seedNode != null && !seedNode.canConvertToLong()) {
                    throw new SpecException(field + ".seed", "must be an integer");
                }
                long seed = seedNode == null ? DEFAULT_SEED : seedNode.asLong();
                return type.equals("he") ? new InitSpec.He(seed) : new InitSpec.Xavier(seed);
            }
            case "explicit" -> {
                onlyFields(init, field, Set.of("type", "weights"));
                return new InitSpec.Explicit(weights(init.get("weights"), field + ".weights", inputs, layers));
            }
            default -> throw new SpecException(field + ".type", "unknown init '" + type + "' (expected he, xavier or explicit)");
        }
    }

    private static List<InitSpec.LayerWeights> weights(JsonNode node, String where, int inputs, List<ModelSpec.Layer> layers) {
        if (node == null || !node.isArray()) {
            throw new SpecException(where, "must be an array with one {\"W\":[[...]],\"b\":[...]} per layer");
        }
        if (node.size() != layers.size()) {
            throw new SpecException(where, "has " + node.size() + " entries but the spec has " + layers.size() + " layers");
        }
        List<InitSpec.LayerWeights> result = new ArrayList<>();
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
            result.add(new InitSpec.LayerWeights(matrix, vector(entry.get("b"), at + ".b", out)));
            in = out;
        }
        return result;
    }

    private static OptimizerSpec optimizer(JsonNode opt) {
        return optimizer(opt, "optimizer");
    }

    private static OptimizerSpec optimizer(JsonNode opt, String field) {
        if (opt == null) {
            throw new SpecException(field, "missing (e.g. {\"type\":\"sgd\",\"learningRate\":0.05})");
        }
        object(opt, field);
        String type = requiredText(opt, "type", field + ".type");
        Set<String> fields = switch (type) {
            case "sgd" -> Set.of("type", "learningRate", "momentum");
            case "adam" -> Set.of("type", "learningRate", "beta1", "beta2", "epsilon");
            default -> throw new SpecException(field + ".type", "unknown optimizer '" + type + "' (expected sgd or adam)");
        };
        onlyFields(opt, field, fields);
        if (!opt.has("learningRate")) {
            throw new SpecException(field + ".learningRate", "missing");
        }
        double learningRate = number(opt, "learningRate", field + ".learningRate", 0, 0.0, Double.MAX_VALUE, false);
        if (learningRate <= 0) {
            throw new SpecException(field + ".learningRate", "must be > 0");
        }
        if (type.equals("sgd")) {
            return new OptimizerSpec.Sgd(learningRate, number(opt, "momentum", field + ".momentum", 0.0, 0.0, 1.0, false));
        }
        return new OptimizerSpec.Adam(learningRate,
                number(opt, "beta1", field + ".beta1", Adam.DEFAULT_BETA1, 0.0, 1.0, false),
                number(opt, "beta2", field + ".beta2", Adam.DEFAULT_BETA2, 0.0, 1.0, false),
                number(opt, "epsilon", field + ".epsilon", Adam.DEFAULT_EPSILON, 0.0, Double.MAX_VALUE, false));
    }

    private static double averagingDecay(JsonNode averaging) {
        return averagingDecay(averaging, "averaging");
    }

    private static double averagingDecay(JsonNode averaging, String field) {
        if (averaging == null || averaging.isNull()) {
            return 0.0;
        }
        object(averaging, field);
        onlyFields(averaging, field, Set.of("decay"));
        if (!averaging.has("decay")) {
            throw new SpecException(field + ".decay", "missing (e.g. 0.999)");
        }
        double decay = number(averaging, "decay", field + ".decay", 0, 0.0, 1.0, false);
        if (decay <= 0 || decay >= 1) {
            throw new SpecException(field + ".decay", "must be between 0 and 1 (exclusive)");
        }
        return decay;
    }

    /**
     * {@code true} (the default), {@code false}, or {@code {"memory":N}}: how many readings the
     * input statistics remember (their forgetting rate is 1/N).
     */
    private static long standardizeMemory(JsonNode standardize) {
        if (standardize == null || standardize.isBoolean()) {
            return standardize == null || standardize.asBoolean() ? OnlineScaler.DEFAULT_MEMORY : 0;
        }
        if (!standardize.isObject()) {
            throw new SpecException("standardize", "must be true, false or {\"memory\": readings}");
        }
        onlyFields(standardize, "standardize", Set.of("memory"));
        JsonNode memory = standardize.get("memory");
        if (memory == null || !memory.canConvertToLong() || !memory.isIntegralNumber() || memory.asLong() < 2
                || memory.asLong() > OnlineScaler.MAX_MEMORY) {
            throw new SpecException("standardize.memory", "must be a whole number of readings from 2 to "
                    + OnlineScaler.MAX_MEMORY + " (default " + OnlineScaler.DEFAULT_MEMORY + ")");
        }
        return memory.asLong();
    }

    /** {@code {"detector":"adwin","delta":0.002}}; absent or null: no detection. */
    private static DriftSpec drift(JsonNode drift) {
        if (drift == null || drift.isNull()) {
            return null;
        }
        object(drift, "drift");
        onlyFields(drift, "drift", Set.of("detector", "delta"));
        return new DriftSpec(requiredText(drift, "detector", "drift.detector"),
                number(drift, "delta", "drift.delta", DriftSpec.DEFAULT_DELTA, 0.0, 1.0, false));
    }

    /**
     * {@code "balanced"} or {@code {"critical":10.0, ...}} (each a class of the spec, a weight
     * above 0 and at most {@link ClassWeightsSpec#MAX_WEIGHT}; a class not named weighs 1); absent
     * or null: every class weighs 1.
     */
    private static ClassWeightsSpec classWeights(JsonNode node, ModelSpec.Task task, List<String> classes) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (task != ModelSpec.Task.CLASSIFICATION) {
            throw new SpecException("classWeights", "only a classification spec has class weights");
        }
        if (node.isTextual()) {
            if (!node.asText().equals(ClassWeightsSpec.BALANCED)) {
                throw new SpecException("classWeights", "unknown class weights '" + node.asText()
                        + "' (expected \"balanced\" or an object of weights by class)");
            }
            return ClassWeightsSpec.balancedWeights();
        }
        if (!node.isObject()) {
            throw new SpecException("classWeights", "must be \"balanced\" or an object of weights by class");
        }
        double[] weights = new double[classes.size()];
        java.util.Arrays.fill(weights, 1.0);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String where = "classWeights." + entry.getKey();
            int c = classes.indexOf(entry.getKey());
            if (c < 0) {
                throw new SpecException(where, "not a class of the spec (classes: " + String.join(", ", classes) + ")");
            }
            weights[c] = number(node, entry.getKey(), where, 1.0, 0.0, ClassWeightsSpec.MAX_WEIGHT, false);
            if (!(weights[c] > 0)) {
                throw new SpecException(where, "must be above 0, got " + weights[c]);
            }
        }
        return ClassWeightsSpec.of(weights);
    }

    /** {@code {"feature":[min,max], ...}}: each a feature of the spec, min <= max. */
    private static FeatureRanges ranges(JsonNode node, List<String> features) {
        if (node == null || node.isNull()) {
            return new FeatureRanges(features, Map.of());
        }
        object(node, "ranges");
        Map<String, double[]> ranges = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> range = it.next();
            ranges.put(range.getKey(), vector(range.getValue(), "ranges." + range.getKey(), 2));
        }
        return new FeatureRanges(features, ranges);
    }

    /** An array of exactly {@code length} finite numbers. */
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

    static JsonNode object(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new SpecException(where, "must be a JSON object");
        }
        return node;
    }

    private static void onlyFields(JsonNode node, String where, Set<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                throw new SpecException(where.isEmpty() ? name : where + "." + name,
                        "unknown field (expected one of " + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
        }
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
        return names;
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
}
