package streamlearn.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import streamlearn.model.DriftEvent;
import streamlearn.model.OnlineModel;

/**
 * The model event JSON of docs/DESIGN.md ({@code learner-events}, keyed by model id):
 * <pre>
 * {"model":"default","type":"drift","at":1795334400000,"modelVersion":18234,
 *  "detail":{"detector":"adwin","delta":0.002,"errorBefore":0.027,"errorAfter":0.25,
 *            "recentReadings":160,"actions":["scaler_relearning","average_restarted","output_layer_relearning"]}}
 * </pre>
 * The operator's types ({@value #RESET}, {@value #RESTORED}, {@value #SPEC_CHANGED}) carry the
 * model version before and, for a spec change, what differs. Doubles are written in shortest
 * round-trip form.
 */
public final class ModelEventJson {
    /** A change the learner detected in its own prequential error, and what it did about it. */
    public static final String DRIFT = "drift";
    /** A {@code model reset} command started the model afresh. */
    public static final String RESET = "reset";
    /** A {@code model restore} command replaced the model by a snapshot. */
    public static final String RESTORED = "restored";
    /** A stored model met another spec and was started afresh ({@code model.on.spec.change=reset}). */
    public static final String SPEC_CHANGED = "spec_changed";
    /** A model with candidates: another candidate leads its predictions now. */
    public static final String CHAMPION_CHANGED = "champion_changed";

    private static final JsonFactory JSON = new JsonFactory();

    private ModelEventJson() {
    }

    /**
     * A {@value #RESET}, {@value #RESTORED} or {@value #SPEC_CHANGED} event: {@code detail} has
     * {@code previousModelVersion} (the replaced model's) and, when given, {@code differences}.
     *
     * @param at           the record time of what caused it (the command, or the first record for the model)
     * @param modelVersion the model's version from now on
     */
    public static byte[] replaced(String modelId, String type, long at, long modelVersion, long previousModelVersion,
                                  String differences) {
        return event(modelId, type, at, modelVersion, g -> {
            g.writeNumberField("previousModelVersion", previousModelVersion);
            if (differences != null) {
                g.writeStringField("differences", differences);
            }
        });
    }

    /**
     * A {@value #CHAMPION_CHANGED} event: {@code detail} has {@code previous} and {@code champion}
     * (candidate names) and {@code candidates}: each candidate's recent loss and mixture weight
     * after the reading that changed it, {@code {"main":{"loss":X,"weight":X},...}}.
     *
     * @param at the event time of the reading (or of the late label's reading) whose score changed it
     */
    public static byte[] championChanged(String modelId, long at, String previous, OnlineModel model) {
        return event(modelId, CHAMPION_CHANGED, at, model.modelVersion(), g -> {
            g.writeStringField("previous", previous);
            g.writeStringField("champion", model.champion());
            MetricsJson.candidates(g, model);
        });
    }

    /**
     * A {@code drift} event.
     *
     * @param at the event time (epoch ms) of the reading whose error revealed the drift
     */
    public static byte[] drift(String modelId, long at, DriftEvent drift) {
        return event(modelId, DRIFT, at, drift.modelVersion(), g -> {
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
        });
    }

    /** What an event's {@code detail} object holds. */
    private interface Detail {
        void write(JsonGenerator g) throws IOException;
    }

    /** Every event's envelope: model, type, at, modelVersion, then its {@code detail}. */
    private static byte[] event(String modelId, String type, long at, long modelVersion, Detail detail) {
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", modelId);
            g.writeStringField("type", type);
            g.writeNumberField("at", at);
            g.writeNumberField("modelVersion", modelVersion);
            g.writeObjectFieldStart("detail");
            detail.write(g);
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
