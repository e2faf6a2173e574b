package streamlearn.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import streamlearn.model.InitSpec;
import streamlearn.model.DriftSpec;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineScaler;
import streamlearn.model.OnlineModel;
import streamlearn.model.OptimizerSpec;
import streamlearn.model.ClassWeightsSpec;
import streamlearn.model.SpecException;
import streamlearn.nn.Activation;
import streamlearn.nn.Loss;

/** ModelSpec parsing: the default spec, and one SpecException naming the field per kind of bad spec. */
class SpecJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A valid 2-3-3 classification spec with explicit weights, the base every bad spec mutates. */
    static final String VALID = """
            {"task":"classification","features":["temperature","vibration"],
             "classes":["normal","warning","critical"],
             "layers":[{"units":3,"activation":"relu"},{"units":3,"activation":"softmax"}],
             "loss":"cross_entropy",
             "init":{"type":"explicit","weights":[
                {"W":[[1,2],[3,4],[5,6]],"b":[0,0,0]},
                {"W":[[1,2,3],[4,5,6],[7,8,9]],"b":[1,1,1]}]},
             "optimizer":{"type":"sgd","learningRate":0.05,"momentum":0.0},
             "l2":0.0,"clipNorm":5.0,"standardize":true}""";

    static final String REGRESSION = """
            {"task":"regression","features":["x1","x2"],"target":"y",
             "layers":[{"units":3,"activation":"relu"},{"units":1,"activation":"identity"}],
             "loss":"mse","optimizer":{"type":"sgd","learningRate":0.01},"standardize":false}""";

    private static ObjectNode tree(String text) {
        try {
            return (ObjectNode) JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String mutate(String base, Consumer<ObjectNode> change) {
        ObjectNode root = tree(base);
        change.accept(root);
        return root.toString();
    }

    private static ObjectNode layer(ObjectNode root, int i) {
        return (ObjectNode) root.withArray("layers").get(i);
    }

    private static ObjectNode weights(ObjectNode root, int i) {
        return (ObjectNode) ((ArrayNode) root.get("init").get("weights")).get(i);
    }

    @Test
    void theBaseSpecsAreValid() {
        ModelSpec spec = SpecJson.parse(VALID);
        List<InitSpec.LayerWeights> weights = ((InitSpec.Explicit) spec.init()).layers();
        assertEquals(2, weights.size());
        // Rows are neurons, columns inputs: W[1] = [3,4] is the second neuron.
        assertEquals(4.0, weights.get(0).w()[1][1]);
        assertEquals(3, weights.get(1).w()[2].length);
        ModelSpec regression = SpecJson.parse(REGRESSION);
        assertEquals(ModelSpec.Task.REGRESSION, regression.task());
        assertEquals("y", regression.target());
        assertEquals(List.of(), regression.classes());
        assertFalse(regression.standardize());
        assertEquals(0.0, regression.clipNorm());
        assertEquals(new InitSpec.He(42), regression.init());
    }

    @Test
    void defaultSpecParsesAsTheSeedsSensorClassifier() throws Exception {
        ModelSpec spec = SpecJson.defaultSpec();
        assertTrue(spec.isClassification());
        assertEquals(List.of("temperature", "vibration"), spec.features());
        assertEquals(List.of("normal", "warning", "critical"), spec.classes());
        assertEquals(Loss.CROSS_ENTROPY, spec.loss());
        ModelSpec.Layer out = spec.layers().get(spec.layers().size() - 1);
        assertEquals(3, out.units());
        assertEquals(Activation.SOFTMAX, out.activation());
        assertTrue(spec.optimizer().learningRate() > 0);
        // It round-trips through its own JSON.
        assertEquals(spec, SpecJson.parse(spec.json()));
        assertEquals(spec, SpecJson.fromJson(new ObjectMapper().readTree(spec.json())));
        // And a model can be built from it.
        OnlineModel model = OnlineModel.create(spec);
        assertEquals(0, model.modelVersion());
    }

    @Test
    void optionalFieldsGetTheirDefaults() {
        ModelSpec spec = SpecJson.parse(mutate(VALID, r -> {
            r.remove("task");
            r.remove("init");
            r.remove("l2");
            r.remove("clipNorm");
            r.remove("standardize");
            ((ObjectNode) r.get("optimizer")).remove("momentum");
        }));
        assertEquals(ModelSpec.Task.CLASSIFICATION, spec.task());
        assertEquals(new InitSpec.He(42), spec.init());
        assertEquals(0.0, spec.l2());
        assertEquals(0.0, spec.clipNorm());
        assertEquals(0.0, ((OptimizerSpec.Sgd) spec.optimizer()).momentum());
        assertTrue(spec.standardize());
        assertEquals(0.0, spec.averagingDecay());
    }

    @Test
    void driftAndScalerMemoryAreRead() {
        ModelSpec spec = SpecJson.parse(mutate(VALID, r -> {
            r.putObject("drift").put("detector", "adwin");
            r.putObject("standardize").put("memory", 500);
        }));
        assertEquals(new DriftSpec("adwin", DriftSpec.DEFAULT_DELTA), spec.drift());
        assertEquals(500, spec.standardizeMemory());
        assertTrue(spec.standardize());
        ModelSpec off = SpecJson.parse(mutate(VALID, r -> {
            r.putNull("drift");
            r.put("standardize", false);
        }));
        assertEquals(null, off.drift());
        assertFalse(off.standardize());
        assertEquals(null, SpecJson.parse(VALID).drift(), "no \"drift\" in a spec: no detection");
        assertEquals(new DriftSpec("adwin", 0.002), SpecJson.defaultSpec().drift(), "the default spec detects drift");
        assertEquals(OnlineScaler.DEFAULT_MEMORY, SpecJson.defaultSpec().standardizeMemory());
    }

    @Test
    void rangesAreReadPerFeatureByName() {
        ModelSpec spec = SpecJson.parse(mutate(VALID, r -> r.putObject("ranges").putArray("vibration").add(0).add(50)));
        assertArrayEquals(new double[] {0, 50}, spec.ranges().range(1));
        assertArrayEquals(new double[] {Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY}, spec.ranges().range(0),
                "a feature without a range accepts any finite value");
        assertArrayEquals(new double[] {Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY},
                SpecJson.parse(VALID).ranges().range(1), "no ranges, no limits");
    }

    @Test
    void adamAndAveragingAreRead() {
        ModelSpec spec = SpecJson.parse(mutate(VALID, r -> {
            r.putObject("optimizer").put("type", "adam").put("learningRate", 0.001).put("beta1", 0.8);
            r.putObject("averaging").put("decay", 0.999);
        }));
        assertEquals(new OptimizerSpec.Adam(0.001, 0.8, 0.999, 1e-8), spec.optimizer());
        assertEquals(0.999, spec.averagingDecay());
    }

    static Stream<Arguments> badSpecs() {
        return Stream.of(
                Arguments.of("unknown activation", mutate(VALID, r -> layer(r, 0).put("activation", "swish")),
                        "layers[0].activation", "swish"),
                Arguments.of("activation not a string", mutate(VALID, r -> layer(r, 0).put("activation", 3)),
                        "layers[0].activation", null),
                Arguments.of("softmax in a hidden layer", mutate(VALID, r -> layer(r, 0).put("activation", "softmax")),
                        "layers[0].activation", "output"),
                Arguments.of("softmax without cross_entropy", mutate(VALID, r -> r.put("loss", "mse")),
                        "loss", "cross_entropy"),
                Arguments.of("cross_entropy without softmax", mutate(VALID, r -> layer(r, 1).put("activation", "sigmoid")),
                        "layers[1].activation", "softmax"),
                Arguments.of("output units not matching classes", mutate(VALID, r -> layer(r, 1).put("units", 2)),
                        "layers[1].units", "3"),
                Arguments.of("units zero", mutate(VALID, r -> layer(r, 0).put("units", 0)),
                        "layers[0].units", null),
                Arguments.of("units fractional", mutate(VALID, r -> layer(r, 0).put("units", 2.5)),
                        "layers[0].units", null),
                Arguments.of("unknown field in a layer", mutate(VALID, r -> layer(r, 0).put("dropout", 0.5)),
                        "layers[0].dropout", null),
                Arguments.of("no layers", mutate(VALID, r -> r.putArray("layers")), "layers", null),
                Arguments.of("classes with duplicates", mutate(VALID, r -> r.putArray("classes").add("a").add("b").add("a")),
                        "classes[2]", "duplicate"),
                Arguments.of("one class", mutate(VALID, r -> r.putArray("classes").add("a")), "classes", null),
                Arguments.of("class not a string", mutate(VALID, r -> r.putArray("classes").add("a").add(1).add("c")),
                        "classes[1]", null),
                Arguments.of("missing features", mutate(VALID, r -> r.remove("features")), "features", null),
                Arguments.of("empty features", mutate(VALID, r -> r.putArray("features")), "features", null),
                Arguments.of("duplicate features", mutate(VALID, r -> r.putArray("features").add("t").add("t")),
                        "features[1]", "duplicate"),
                Arguments.of("explicit W with the wrong number of rows",
                        mutate(VALID, r -> ((ArrayNode) weights(r, 1).get("W")).remove(2)),
                        "init.weights[1].W", "3 rows"),
                Arguments.of("explicit W row with the wrong number of columns",
                        mutate(VALID, r -> ((ArrayNode) weights(r, 0).get("W").get(1)).add(7)),
                        "init.weights[0].W[1]", "2 numbers"),
                Arguments.of("explicit W transposed (inputs x neurons)",
                        mutate(VALID, r -> weights(r, 0).set("W", tree("{\"W\":[[1,3,5],[2,4,6]]}").get("W"))),
                        "init.weights[0].W", null),
                Arguments.of("ranges not an object", mutate(VALID, r -> r.putArray("ranges")), "ranges", null),
                Arguments.of("range of a feature the spec lacks",
                        mutate(VALID, r -> r.putObject("ranges").putArray("pressure").add(0).add(10)),
                        "ranges.pressure", "not a feature"),
                Arguments.of("range with one bound",
                        mutate(VALID, r -> r.putObject("ranges").putArray("temperature").add(0)),
                        "ranges.temperature", "2 numbers"),
                Arguments.of("range with min above max",
                        mutate(VALID, r -> r.putObject("ranges").putArray("temperature").add(400).add(-60)),
                        "ranges.temperature", "above max"),
                Arguments.of("range bound not a number",
                        mutate(VALID, r -> r.putObject("ranges").putArray("temperature").add("cold").add(400)),
                        "ranges.temperature[0]", null),
                Arguments.of("explicit b of the wrong length",
                        mutate(VALID, r -> ((ArrayNode) weights(r, 1).get("b")).add(1)),
                        "init.weights[1].b", "3 numbers"),
                Arguments.of("explicit weight not a number",
                        mutate(VALID, r -> ((ArrayNode) weights(r, 0).get("W").get(0)).set(0, JSON.getNodeFactory().textNode("1"))),
                        "init.weights[0].W[0][0]", "finite"),
                Arguments.of("explicit weight not finite (1e400)",
                        VALID.replace("[[1,2],[3,4],[5,6]]", "[[1e400,2],[3,4],[5,6]]"),
                        "init.weights[0].W[0][0]", "finite"),
                Arguments.of("wrong number of explicit layers",
                        mutate(VALID, r -> ((ArrayNode) r.get("init").get("weights")).remove(1)),
                        "init.weights", "2 layers"),
                Arguments.of("explicit init without weights",
                        mutate(VALID, r -> ((ObjectNode) r.get("init")).remove("weights")), "init.weights", null),
                Arguments.of("unknown init type", mutate(VALID, r -> r.putObject("init").put("type", "orthogonal")),
                        "init.type", "orthogonal"),
                Arguments.of("init seed not an integer",
                        mutate(VALID, r -> r.putObject("init").put("type", "he").put("seed", "x")), "init.seed", null),
                Arguments.of("unknown optimizer", mutate(VALID, r -> ((ObjectNode) r.get("optimizer")).put("type", "rmsprop")),
                        "optimizer.type", "rmsprop"),
                Arguments.of("missing optimizer", mutate(VALID, r -> r.remove("optimizer")), "optimizer", null),
                Arguments.of("learningRate zero", mutate(VALID, r -> ((ObjectNode) r.get("optimizer")).put("learningRate", 0)),
                        "optimizer.learningRate", null),
                Arguments.of("learningRate negative", mutate(VALID, r -> ((ObjectNode) r.get("optimizer")).put("learningRate", -0.1)),
                        "optimizer.learningRate", null),
                Arguments.of("learningRate missing", mutate(VALID, r -> ((ObjectNode) r.get("optimizer")).remove("learningRate")),
                        "optimizer.learningRate", "missing"),
                Arguments.of("learningRate a string", mutate(VALID, r -> ((ObjectNode) r.get("optimizer")).put("learningRate", "0.1")),
                        "optimizer.learningRate", null),
                Arguments.of("momentum above 1", mutate(VALID, r -> ((ObjectNode) r.get("optimizer")).put("momentum", 1.5)),
                        "optimizer.momentum", null),
                Arguments.of("adam option on sgd", mutate(VALID, r -> ((ObjectNode) r.get("optimizer")).put("beta1", 0.9)),
                        "optimizer.beta1", null),
                Arguments.of("unknown top-level field", mutate(VALID, r -> r.put("learningRate", 0.1)),
                        "learningRate", "unknown field"),
                Arguments.of("unknown task", mutate(VALID, r -> r.put("task", "clustering")), "task", "clustering"),
                Arguments.of("averaging.decay above 1", mutate(VALID, r -> r.putObject("averaging").put("decay", 1.5)),
                        "averaging.decay", null),
                Arguments.of("averaging.decay exactly 1", mutate(VALID, r -> r.putObject("averaging").put("decay", 1.0)),
                        "averaging.decay", null),
                Arguments.of("averaging.decay zero", mutate(VALID, r -> r.putObject("averaging").put("decay", 0.0)),
                        "averaging.decay", null),
                Arguments.of("averaging.decay negative", mutate(VALID, r -> r.putObject("averaging").put("decay", -0.5)),
                        "averaging.decay", null),
                Arguments.of("averaging without decay", mutate(VALID, r -> r.putObject("averaging")),
                        "averaging.decay", "missing"),
                Arguments.of("regression with classes",
                        mutate(REGRESSION, r -> r.putArray("classes").add("a").add("b")), "classes", null),
                Arguments.of("regression with cross_entropy", mutate(REGRESSION, r -> r.put("loss", "cross_entropy")),
                        "loss", "mse"),
                Arguments.of("regression with two outputs", mutate(REGRESSION, r -> layer(r, 1).put("units", 2)),
                        "layers[1].units", null),
                Arguments.of("classification with a target", mutate(VALID, r -> r.put("target", "y")), "target", null),
                Arguments.of("binary_cross_entropy with 3 classes", mutate(VALID, r -> {
                            r.put("loss", "binary_cross_entropy");
                            layer(r, 1).put("activation", "sigmoid").put("units", 1);
                            r.remove("init");
                        }), "loss", "2 classes"),
                Arguments.of("binary_cross_entropy without a sigmoid output", mutate(VALID, r -> {
                            r.putArray("classes").add("no").add("yes");
                            r.put("loss", "binary_cross_entropy");
                            layer(r, 1).put("activation", "tanh").put("units", 1);
                            r.remove("init");
                        }), "layers[1].activation", "sigmoid"),
                Arguments.of("unknown loss", mutate(VALID, r -> r.put("loss", "hinge")), "loss", "hinge"),
                Arguments.of("missing loss", mutate(VALID, r -> r.remove("loss")), "loss", "missing"),
                Arguments.of("l2 negative", mutate(VALID, r -> r.put("l2", -1)), "l2", null),
                Arguments.of("clipNorm a string", mutate(VALID, r -> r.put("clipNorm", "5")), "clipNorm", null),
                Arguments.of("standardize not a boolean", mutate(VALID, r -> r.put("standardize", "yes")), "standardize", null),
                Arguments.of("standardize memory 1", mutate(VALID, r -> r.putObject("standardize").put("memory", 1)),
                        "standardize.memory", "from 2"),
                Arguments.of("standardize memory fractional", mutate(VALID, r -> r.putObject("standardize").put("memory", 10.5)),
                        "standardize.memory", null),
                Arguments.of("standardize unknown field", mutate(VALID, r -> r.putObject("standardize").put("window", 10)),
                        "standardize.window", "memory"),
                Arguments.of("drift detector unknown", mutate(VALID, r -> r.putObject("drift").put("detector", "ddm")),
                        "drift.detector", "adwin"),
                Arguments.of("drift detector missing", mutate(VALID, r -> r.putObject("drift").put("delta", 0.01)),
                        "drift.detector", "missing"),
                Arguments.of("drift delta 1", mutate(VALID, r -> r.putObject("drift").put("detector", "adwin").put("delta", 1)),
                        "drift.delta", null),
                Arguments.of("drift unknown field", mutate(VALID, r -> r.putObject("drift").put("detector", "adwin").put("reaction", "x")),
                        "drift.reaction", null),
                Arguments.of("drift not an object", mutate(VALID, r -> r.put("drift", "adwin")), "drift", null),
                Arguments.of("classWeights unknown word", mutate(VALID, r -> r.put("classWeights", "inverse")),
                        "classWeights", "balanced"),
                Arguments.of("classWeights a number", mutate(VALID, r -> r.put("classWeights", 2)), "classWeights", "balanced"),
                Arguments.of("classWeights of an unknown class", mutate(VALID, r -> r.putObject("classWeights").put("fatal", 10)),
                        "classWeights.fatal", "not a class"),
                Arguments.of("classWeights zero", mutate(VALID, r -> r.putObject("classWeights").put("critical", 0)),
                        "classWeights.critical", "above 0"),
                Arguments.of("classWeights negative", mutate(VALID, r -> r.putObject("classWeights").put("critical", -1)),
                        "classWeights.critical", null),
                Arguments.of("classWeights a string weight", mutate(VALID, r -> r.putObject("classWeights").put("critical", "10")),
                        "classWeights.critical", "number"),
                Arguments.of("classWeights too large", mutate(VALID, r -> r.putObject("classWeights").put("critical", 1e7)),
                        "classWeights.critical", null),
                Arguments.of("classWeights on regression", mutate(REGRESSION, r -> r.put("classWeights", "balanced")),
                        "classWeights", "classification"),
                Arguments.of("malformed JSON", VALID.substring(0, VALID.length() - 1), "spec", "JSON"),
                Arguments.of("not an object", "[1,2,3]", "spec", "object"));
    }

    @Test
    void classWeightsAreBalancedOrExplicitWithOneForClassesNotNamed() {
        assertNull(SpecJson.parse(VALID).classWeights());
        assertNull(SpecJson.parse(mutate(VALID, r -> r.putNull("classWeights"))).classWeights());
        assertTrue(SpecJson.parse(mutate(VALID, r -> r.put("classWeights", "balanced"))).classWeights().balanced());
        ClassWeightsSpec explicit = SpecJson.parse(mutate(VALID, r -> r.putObject("classWeights")
                .put("critical", 10.0).put("warning", 2.5))).classWeights();
        assertFalse(explicit.balanced());
        assertArrayEquals(new double[] {1.0, 2.5, 10.0}, explicit.explicit(), "by name, in the spec's class order");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSpecs")
    void badSpecNamesTheField(String kind, String json, String field, String hint) {
        SpecException e = assertThrows(SpecException.class, () -> SpecJson.parse(json), kind);
        String message = e.getMessage();
        assertTrue(message.startsWith(field + ": "), kind + ": message should name '" + field + "' but was: " + message);
        assertTrue(message.length() > field.length() + 3, "says what is wrong: " + message);
        if (hint != null) {
            assertTrue(message.contains(hint), kind + ": message should mention '" + hint + "': " + message);
        }
        assertFalse(message.contains("\n"), "one line: " + message);
    }

    @Test
    void layersTooLargeToBuildAreASpecException() {
        // "Parsing validates everything up front so that a model built from a spec cannot fail
        // later": 2 x 50000 + 50000 x 50000 weights overflow the int parameter count of the network.
        String huge = mutate(VALID, r -> {
            r.remove("init");
            r.putArray("layers").add(tree("{\"units\":50000,\"activation\":\"relu\"}"))
                    .add(tree("{\"units\":50000,\"activation\":\"relu\"}"))
                    .add(tree("{\"units\":3,\"activation\":\"softmax\"}"));
        });
        SpecException e = assertThrows(SpecException.class, () -> SpecJson.parse(huge));
        assertTrue(e.getMessage().startsWith("layers"), e.getMessage());
    }

    @Test
    void equalSpecsAreEqualAndDifferentOnesAreNot() {
        assertEquals(SpecJson.parse(VALID), SpecJson.parse(VALID));
        assertEquals(SpecJson.parse(VALID).hashCode(), SpecJson.parse(VALID).hashCode());
        assertFalse(SpecJson.parse(VALID).equals(SpecJson.parse(mutate(VALID, r -> r.put("l2", 0.5)))));
    }
}
