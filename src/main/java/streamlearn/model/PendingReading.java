package streamlearn.model;

/**
 * What the learner keeps of an unlabeled reading while it waits for a late label: the features
 * as they were parsed (raw, in the spec's order: the scaler standardises them when the label
 * comes, with its statistics of that moment, as it would an inline-labeled reading), and the
 * prediction made then, as the output layer's pre-activations, from which the probabilities (or
 * the predicted value) and the loss against the label follow exactly as they would have at
 * prediction time. Mutable and reused.
 */
public final class PendingReading {
    /** The reading's record timestamp (stream time): label.max.delay counts from it. */
    long arrival;
    /** The reading's event time (its {@code timestamp}, else its record's). */
    long timestamp;
    /** Updates the model had taken when it predicted the reading. */
    long modelVersion;
    final double[] features;
    final double[] output;

    public PendingReading(ModelSpec spec) {
        this.features = new double[spec.features().size()];
        this.output = new double[OnlineModel.outputSize(spec)];
    }

    /** Sets the scalars, as a copy kept elsewhere (a model's input log) had them; fill the arrays through their getters. */
    public PendingReading set(long arrival, long timestamp, long modelVersion) {
        this.arrival = arrival;
        this.timestamp = timestamp;
        this.modelVersion = modelVersion;
        return this;
    }

    public long arrival() {
        return arrival;
    }

    public long timestamp() {
        return timestamp;
    }

    public long modelVersion() {
        return modelVersion;
    }

    public double[] features() {
        return features;
    }

    /** The output layer's pre-activations of the prediction made then. */
    public double[] output() {
        return output;
    }
}
