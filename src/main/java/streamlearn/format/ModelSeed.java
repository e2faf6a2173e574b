package streamlearn.format;

import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.SpecException;
import streamlearn.model.SpecMapping;

/**
 * A snapshot that new models start from ({@code model.init.snapshot}, {@code replay --model-in}).
 * When its spec is the configured one, every new model is the snapshot's model, whole (weights,
 * scaler, weight average, optimizer state, drift detector, modelVersion): it continues exactly as
 * the model it was taken from would have. When only the networks' shapes match, a new model of
 * the configured spec takes the snapshot's weights only, and {@link #warning()} says so.
 */
public final class ModelSeed {
    private final byte[] whole;
    private final ModelSpec spec;
    private final OnlineModel weights;
    private final String warning;

    private ModelSeed(byte[] whole, ModelSpec spec, OnlineModel weights, String warning) {
        this.whole = whole;
        this.spec = spec;
        this.weights = weights;
        this.warning = warning;
    }

    /**
     * @param source names the snapshot in messages (a file name)
     * @throws SpecException when the snapshot cannot seed a model of {@code configured}
     */
    public static ModelSeed of(ModelSpec configured, OnlineModel snapshot, String source) {
        if (snapshot.spec().equals(configured)) {
            return new ModelSeed(ModelSnapshot.toBytes(snapshot), configured, null, null);
        }
        if (!OnlineModel.sameShape(OnlineModel.shapeOf(configured), snapshot.network())) {
            throw new SpecException(source, "the snapshot's network has another shape than the configured spec's ("
                    + SpecMapping.differences(snapshot.spec(), configured) + ")");
        }
        return new ModelSeed(null, configured, snapshot, source + ": the snapshot's spec differs from the configured one ("
                + SpecMapping.differences(snapshot.spec(), configured) + "); new models take its weights only"
                + " (scaler, weight average and optimizer state start afresh)");
    }

    /** A new model, as the configured spec starts one from this snapshot. */
    public OnlineModel newModel() {
        return whole != null ? ModelSnapshot.fromBytes(whole) : OnlineModel.withWeightsOf(spec, weights);
    }

    /** Why the seed is only the snapshot's weights, or null when it is the whole model. */
    public String warning() {
        return warning;
    }
}
