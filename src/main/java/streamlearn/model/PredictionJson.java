package streamlearn.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes the prediction JSON of DESIGN.md straight from a {@link StepResult} with a streaming
 * generator: the same bytes go to the {@code sensor-predictions} topic and to replay's output.
 */
public final class PredictionJson {
    private final JsonFactory json = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
    private final ByteArrayBuilder buffer = new ByteArrayBuilder(256);
    private final String[] classes;
    private final boolean classification;

    public PredictionJson(ModelSpec spec) {
        List<String> names = spec.classes();
        this.classes = names.toArray(new String[0]);
        this.classification = spec.isClassification();
    }

    public byte[] write(String modelId, Reading reading, StepResult r) {
        buffer.reset();
        try (JsonGenerator g = json.createGenerator(buffer)) {
            g.writeStartObject();
            g.writeStringField("sensorId", reading.sensorId());
            g.writeNumberField("timestamp", reading.timestamp());
            g.writeStringField("model", modelId);
            g.writeNumberField("modelVersion", r.modelVersion());
            if (classification) {
                g.writeStringField("predicted", classes[r.predicted()]);
                g.writeObjectFieldStart("probabilities");
                for (int i = 0; i < classes.length; i++) {
                    g.writeNumberField(classes[i], r.probabilities()[i]);
                }
                g.writeEndObject();
                if (r.labeled()) {
                    g.writeStringField("label", classes[r.label()]);
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
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }
}
