package streamlearn.model;

import java.nio.charset.StandardCharsets;
import streamlearn.format.ReadingParser;

/**
 * The seeds' worked examples as specs, readings and expected numbers, shared by the tests of
 * the library ({@code OnlineModelTest}) and of {@code replay} ({@code ReplayCommandTest}).
 */
public final class SeedExamples {
    /** A reading parsed from its JSON, as the stream parses it; a test error if it is rejected. */
    public static Reading read(ModelSpec spec, String json) {
        Reading reading = new Reading(spec.features().size());
        try {
            new ReadingParser(spec).parse(json.getBytes(StandardCharsets.UTF_8), reading);
        } catch (InvalidReadingException e) {
            throw new AssertionError(json + ": " + e.getMessage(), e);
        }
        return reading;
    }

    /** Seed 000: 2-3-1 ReLU regression, W1 = [[1,2],[-3,4],[1,-1]], b1 = [1,2,0], W2 = [[1,2,3]], b2 = 1. */
    public static final String SEED_000_SPEC = """
            {"task":"regression","features":["x1","x2"],
             "layers":[{"units":3,"activation":"relu"},{"units":1,"activation":"identity"}],
             "loss":"mse",
             "init":{"type":"explicit","weights":[
                {"W":[[1,2],[-3,4],[1,-1]],"b":[1,2,0]},
                {"W":[[1,2,3]],"b":[1]}]},
             "optimizer":{"type":"sgd","learningRate":0.01},
             "standardize":false}""";
    public static final String SEED_000_READING = "{\"sensorId\":\"s\",\"features\":{\"x1\":1,\"x2\":2},\"target\":3}";
    public static final double[] SEED_000_PREDICTIONS =
            {21.0, 4.0080, 3.4862, 3.2376, 3.1167, 3.0575, 3.0283, 3.0140, 3.0069, 3.0034};
    public static final double[] SEED_000_LOSSES =
            {162.0, 0.5080, 0.1182, 0.0282, 0.0068, 0.0017, 0.0004, 0.0001, 0.0000, 0.0000};
    /** The seed prints four decimals. */
    public static final double PRINTED_4 = 0.5e-4 + 1e-12;

    /**
     * Seed 002: 2-3-2 ReLU/softmax. The seed writes W1 as inputs x neurons, [[-0.6,0.6,0.4],[-0.6,0.7,0.5]],
     * and W2 as [[-0.7,0.7],[0.8,-0.8],[0.5,-0.5]]; transposed here to rows = neurons.
     */
    public static final String SEED_002_SPEC = """
            {"task":"classification","features":["x1","x2"],"classes":["c0","c1"],
             "layers":[{"units":3,"activation":"relu"},{"units":2,"activation":"softmax"}],
             "loss":"cross_entropy",
             "init":{"type":"explicit","weights":[
                {"W":[[-0.6,-0.6],[0.6,0.7],[0.4,0.5]],"b":[0.3,0.5,0.3]},
                {"W":[[-0.7,0.8,0.5],[0.7,-0.8,-0.5]],"b":[-0.4,0.4]}]},
             "optimizer":{"type":"sgd","learningRate":0.01},
             "standardize":false}""";
    public static final String SEED_002_READING = "{\"sensorId\":\"s\",\"features\":{\"x1\":0.5,\"x2\":0.5},\"label\":\"c1\"}";

    private SeedExamples() {
    }
}
