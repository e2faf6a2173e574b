package streamlearn.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import streamlearn.model.OnlineModel;
import streamlearn.model.PrequentialMetrics;

/** The windowed-metrics JSON of docs/DESIGN.md, one record per model per closed window. */
public final class MetricsJson {
    private static final JsonFactory JSON = new JsonFactory();

    private MetricsJson() {
    }

    public static byte[] window(String modelId, long windowStart, long windowEnd, PrequentialMetrics window) {
        return window(modelId, windowStart, windowEnd, window, null);
    }

    /**
     * The window's record; for a model with candidates ({@code model} not null and its spec has
     * them) also {@code champion} and {@code candidates} (each one's recent loss and weight at the
     * window's close), after {@code modelVersion}.
     */
    public static byte[] window(String modelId, long windowStart, long windowEnd, PrequentialMetrics window,
                                OnlineModel model) {
        return window(modelId, -1, windowStart, windowEnd, window, model);
    }

    /**
     * The same, closed by replica {@code replica} of the model ({@code model.replicas}): its
     * {@code replica} field follows {@code model} (none for -1); the model's window across replicas
     * is the sum of their windows of one {@code windowEnd}.
     */
    public static byte[] window(String modelId, int replica, long windowStart, long windowEnd, PrequentialMetrics window,
                                OnlineModel model) {
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", modelId);
            if (replica >= 0) {
                g.writeNumberField("replica", replica);
            }
            g.writeNumberField("windowStart", windowStart);
            g.writeNumberField("windowEnd", windowEnd);
            g.writeNumberField("records", window.records());
            g.writeNumberField("labeled", window.labeled());
            // No labels in the window: no loss or accuracy to report, and null says so.
            quality(g, window);
            g.writeNumberField("drifts", window.drifts());
            g.writeNumberField("modelVersion", window.modelVersion());
            if (model != null && model.spec().hasCandidates()) {
                g.writeStringField("champion", model.champion());
                candidates(g, model);
            }
            if (!window.classes().isEmpty()) {
                g.writeArrayFieldStart("classes");
                for (String c : window.classes()) {
                    g.writeString(c);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("confusion");
                for (long[] row : window.confusion()) {
                    g.writeStartArray();
                    for (long v : row) {
                        g.writeNumber(v);
                    }
                    g.writeEndArray();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * The span's quality figures, as windows and replay's summary write them: meanLoss and
     * accuracy; then, for classification, balancedAccuracy, kappa and perClass
     * ({@code {"<class>":{"precision","recall","f1","support"}}}), for regression mae and rmse.
     * A figure the span cannot define is null (see {@link PrequentialMetrics}).
     */
    public static void quality(JsonGenerator g, PrequentialMetrics m) throws IOException {
        numberOrNull(g, "meanLoss", m.meanLoss());
        numberOrNull(g, "accuracy", m.accuracy());
        if (m.classes().isEmpty()) {
            numberOrNull(g, "mae", m.meanAbsoluteError());
            numberOrNull(g, "rmse", m.rootMeanSquaredError());
            return;
        }
        numberOrNull(g, "balancedAccuracy", m.balancedAccuracy());
        numberOrNull(g, "kappa", m.kappa());
        g.writeObjectFieldStart("perClass");
        for (int c = 0; c < m.classes().size(); c++) {
            g.writeObjectFieldStart(m.classes().get(c));
            numberOrNull(g, "precision", m.precision(c));
            numberOrNull(g, "recall", m.recall(c));
            numberOrNull(g, "f1", m.f1(c));
            g.writeNumberField("support", m.support(c));
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    /**
     * {@code "candidates":{"<name>":{"loss":X,"weight":X},...}}: each candidate's recent loss (null
     * before the first labeled reading since the start or since the recent losses started over at a
     * drift) and mixture weight.
     */
    public static void candidates(JsonGenerator g, OnlineModel model) throws IOException {
        g.writeObjectFieldStart("candidates");
        java.util.List<String> names = model.candidateNames();
        for (int k = 0; k < names.size(); k++) {
            g.writeObjectFieldStart(names.get(k));
            numberOrNull(g, "loss", model.candidateLoss(k));
            g.writeNumberField("weight", model.candidateWeight(k));
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void numberOrNull(JsonGenerator g, String name, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumberField(name, v);
        } else {
            g.writeNullField(name);
        }
    }
}
