package streamlearn.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import streamlearn.model.DriftEvent;

/**
 * The model event JSON of docs/DESIGN.md ({@code learner-events}, keyed by model id):
 * <pre>
 * {"model":"default","type":"drift","at":1795334400000,"modelVersion":18234,
 *  "detail":{"detector":"adwin","delta":0.002,"errorBefore":0.027,"errorAfter":0.25,
 *            "recentReadings":160,"actions":["scaler_relearning","average_restarted","output_layer_relearning"]}}
 * </pre>
 * Only the type {@value #DRIFT} exists today; {@code reset}, {@code restored} and
 * {@code spec_changed} are planned (#14). Doubles are written in shortest round-trip form.
 */
public final class ModelEventJson {
    /** A change the learner detected in its own prequential error, and what it did about it. */
    public static final String DRIFT = "drift";

    private static final JsonFactory JSON = new JsonFactory();

    private ModelEventJson() {
    }

    /**
     * A {@code drift} event.
     *
     * @param at the event time (epoch ms) of the reading whose error revealed the drift
     */
    public static byte[] drift(String modelId, long at, DriftEvent drift) {
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", modelId);
            g.writeStringField("type", DRIFT);
            g.writeNumberField("at", at);
            g.writeNumberField("modelVersion", drift.modelVersion());
            g.writeObjectFieldStart("detail");
            g.writeStringField("detector", drift.detector());
            g.writeNumberField("delta", drift.delta());
            g.writeNumberField("errorBefore", drift.errorBefore());
            g.writeNumberField("errorAfter", drift.errorAfter());
            g.writeNumberField("recentReadings", drift.recentReadings());
            g.writeArrayFieldStart("actions");
            for (String action : drift.actions()) {
                g.writeString(action);
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
