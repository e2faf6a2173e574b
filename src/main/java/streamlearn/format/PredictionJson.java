package streamlearn.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import streamlearn.model.ModelSpec;
import streamlearn.model.Reading;
import streamlearn.model.StepResult;

/**
 * Writes the prediction JSON of docs/DESIGN.md straight from a {@link StepResult} with a streaming
 * generator: the same bytes go to the {@code sensor-predictions} topic and to replay's output.
 *
 * <p>One generator serves every prediction, each written as a root value with no separator and
 * taken from the buffer after a flush, and the field names and class names are encoded once,
 * because this runs for every reading: a generator and names per record cost a kilobyte of
 * garbage each (docs/BENCHMARKS.md). Not thread-safe.
 */
public final class PredictionJson {
    private static final SerializableString SENSOR_ID = new SerializedString("sensorId");
    private static final SerializableString ID = new SerializedString("id");
    private static final SerializableString TIMESTAMP = new SerializedString("timestamp");
    private static final SerializableString MODEL = new SerializedString("model");
    private static final SerializableString MODEL_VERSION = new SerializedString("modelVersion");
    private static final SerializableString CHAMPION = new SerializedString("champion");
    private static final SerializableString PREDICTED = new SerializedString("predicted");
    private static final SerializableString PROBABILITIES = new SerializedString("probabilities");
    private static final SerializableString LABEL = new SerializedString("label");
    private static final SerializableString TARGET = new SerializedString("target");
    private static final SerializableString LOSS = new SerializedString("loss");

    private final ByteArrayBuilder buffer = new ByteArrayBuilder(256);
    private final JsonGenerator g;
    private final SerializableString[] classes;
    private final boolean classification;

    public PredictionJson(ModelSpec spec) {
        List<String> names = spec.classes();
        this.classes = new SerializableString[names.size()];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = new SerializedString(names.get(i));
        }
        this.classification = spec.isClassification();
        JsonFactory json = new JsonFactoryBuilder()
                .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
                .rootValueSeparator((SerializableString) null)
                .build();
        try {
            this.g = json.createGenerator(buffer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public byte[] write(String modelId, Reading reading, StepResult r) {
        try {
            g.writeStartObject();
            g.writeFieldName(SENSOR_ID);
            g.writeString(reading.sensorId());
            if (reading.id() != null) {
                g.writeFieldName(ID);
                g.writeString(reading.id());
            }
            g.writeFieldName(TIMESTAMP);
            g.writeNumber(reading.timestamp());
            g.writeFieldName(MODEL);
            g.writeString(modelId);
            g.writeFieldName(MODEL_VERSION);
            g.writeNumber(r.modelVersion());
            if (r.champion() != null) {
                g.writeFieldName(CHAMPION);
                g.writeString(r.champion());
            }
            if (classification) {
                g.writeFieldName(PREDICTED);
                g.writeString(classes[r.predicted()]);
                g.writeFieldName(PROBABILITIES);
                g.writeStartObject();
                for (int i = 0; i < classes.length; i++) {
                    g.writeFieldName(classes[i]);
                    g.writeNumber(r.probabilities()[i]);
                }
                g.writeEndObject();
                if (r.labeled()) {
                    g.writeFieldName(LABEL);
                    g.writeString(classes[r.label()]);
                    g.writeFieldName(LOSS);
                    g.writeNumber(r.loss());
                }
            } else {
                g.writeFieldName(PREDICTED);
                g.writeNumber(r.predictedValue());
                if (r.labeled()) {
                    g.writeFieldName(TARGET);
                    g.writeNumber(r.target());
                    g.writeFieldName(LOSS);
                    g.writeNumber(r.loss());
                }
            }
            g.writeEndObject();
            g.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] bytes = buffer.toByteArray();
        buffer.reset();
        return bytes;
    }
}
