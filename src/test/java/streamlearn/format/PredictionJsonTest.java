package streamlearn.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import streamlearn.model.ModelSpec;
import streamlearn.model.Reading;
import streamlearn.model.StepResult;
import streamlearn.model.StepResults;

/**
 * PredictionJson keeps one generator for every prediction and pre-encoded names; each
 * prediction must still be exactly the bytes a fresh generator writes for it alone, whatever
 * was written before, for classification and regression, labeled or not, and for the awkward
 * doubles (subnormal, huge, negative zero, NaN).
 */
class PredictionJsonTest {
    private static final ModelSpec CLASSIFIER = SpecJson.defaultSpec();
    private static final ModelSpec REGRESSION = SpecJson.parse("""
            {"task":"regression","features":["x1","x2"],
             "layers":[{"units":3,"activation":"relu"},{"units":1,"activation":"identity"}],
             "loss":"mse","optimizer":{"type":"sgd","learningRate":0.01}}""");
    private static final double[] AWKWARD = {0.0, -0.0, 4.9e-324, 2.2250738585072014e-308, 1e300, 1.0 / 3.0,
        0.1, 123456.789, Double.NaN, 1.0};

    @Test
    void everyPredictionIsTheBytesAFreshGeneratorWrites() throws Exception {
        Random random = new Random(5);
        for (ModelSpec spec : new ModelSpec[] {CLASSIFIER, REGRESSION}) {
            PredictionJson writer = new PredictionJson(spec);
            int classes = spec.classes().size();
            for (int n = 0; n < 2_000; n++) {
                Reading reading = new Reading(2).set(n % 7 == 0 ? "press \"7\" é" : "press-" + n,
                        1_795_334_400_000L + n, new double[] {1, 2}, -1);
                if (n % 3 == 1) {
                    reading.setId(n % 6 == 1 ? "r-" + n : "réading \"" + n + "\"");
                }
                boolean labeled = random.nextBoolean();
                int predicted = classes > 0 ? random.nextInt(classes) : 0;
                int label = classes > 0 ? random.nextInt(classes) : 0;
                double[] probabilities = new double[classes];
                for (int i = 0; i < classes; i++) {
                    probabilities[i] = value(random);
                }
                double predictedValue = value(random);
                double target = value(random);
                double loss = value(random);
                StepResult r = classes > 0
                        ? StepResults.classified(n * 31L, predicted, probabilities, labeled ? label : Reading.UNLABELED, loss)
                        : StepResults.regressed(n * 31L, predictedValue, labeled, target, loss);
                byte[] written = writer.write("model-" + (n % 3), reading, r);
                assertEquals(new String(reference(spec, "model-" + (n % 3), reading, r), StandardCharsets.UTF_8),
                        new String(written, StandardCharsets.UTF_8), "prediction " + n);
            }
        }
    }

    @Test
    void aPredictionIsOneJsonObjectWithTheDesignFields() throws Exception {
        StepResult r = StepResults.classified(42, 1, new double[] {0.25, 0.5, 0.25}, 2, 1.3862943611198906);
        Reading reading = new Reading(2).set("press-01", 1000, new double[] {30, 1}, 2);
        PredictionJson writer = new PredictionJson(CLASSIFIER);
        writer.write("press-01", reading, r);
        JsonNode node = new ObjectMapper().readTree(writer.write("press-01", reading, r));
        assertEquals("press-01", node.get("sensorId").asText());
        assertEquals(false, node.has("id"), "a reading without an id has none in its prediction");
        assertEquals(1000, node.get("timestamp").asLong());
        assertEquals(42, node.get("modelVersion").asLong());
        assertEquals("warning", node.get("predicted").asText());
        assertEquals(0.5, node.get("probabilities").get("warning").asDouble());
        assertEquals("critical", node.get("label").asText());
        assertEquals(1.3862943611198906, node.get("loss").asDouble());

        reading.setId("r-000182");
        String text = new String(writer.write("press-01", reading, r), StandardCharsets.UTF_8);
        assertEquals("r-000182", new ObjectMapper().readTree(text).get("id").asText());
        assertEquals(true, text.startsWith("{\"sensorId\":\"press-01\",\"id\":\"r-000182\",\"timestamp\":1000,"), text);
    }

    private static double value(Random random) {
        return random.nextInt(4) == 0 ? AWKWARD[random.nextInt(AWKWARD.length)] : random.nextDouble();
    }

    /** The straightforward writer: a new generator per prediction, names as strings. */
    private static byte[] reference(ModelSpec spec, String modelId, Reading reading, StepResult r) throws IOException {
        ByteArrayBuilder buffer = new ByteArrayBuilder();
        JsonFactory json = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
        try (JsonGenerator g = json.createGenerator(buffer)) {
            g.writeStartObject();
            g.writeStringField("sensorId", reading.sensorId());
            if (reading.id() != null) {
                g.writeStringField("id", reading.id());
            }
            g.writeNumberField("timestamp", reading.timestamp());
            g.writeStringField("model", modelId);
            g.writeNumberField("modelVersion", r.modelVersion());
            if (spec.isClassification()) {
                g.writeStringField("predicted", spec.classes().get(r.predicted()));
                g.writeObjectFieldStart("probabilities");
                for (int i = 0; i < spec.classes().size(); i++) {
                    g.writeNumberField(spec.classes().get(i), r.probabilities()[i]);
                }
                g.writeEndObject();
                if (r.labeled()) {
                    g.writeStringField("label", spec.classes().get(r.label()));
                    g.writeNumberField("loss", r.loss());
                }
            } else {
                g.writeNumberField("predicted", r.predictedValue());
                if (r.labeled()) {
                    g.writeNumberField("target", r.target());
                    g.writeNumberField("loss", r.loss());
                }
            }
            g.writeEndObject();
        }
        return buffer.toByteArray();
    }
}
