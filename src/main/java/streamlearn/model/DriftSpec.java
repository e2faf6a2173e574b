package streamlearn.model;

/**
 * The spec's {@code "drift"} object: how the learner watches its own prequential error for change
 * (docs/DESIGN.md). Absent or null in the spec: no detection.
 *
 * @param delta ADWIN's confidence: the probability of a false alarm per check on a stationary stream
 */
public record DriftSpec(String detector, double delta) {
    public static final String ADWIN = "adwin";
    public static final double DEFAULT_DELTA = 0.002;

    public DriftSpec {
        if (!ADWIN.equals(detector)) {
            throw new SpecException("drift.detector", "unknown detector '" + detector + "' (expected adwin)");
        }
        if (!(delta > 0 && delta < 1)) {
            throw new SpecException("drift.delta", "must be between 0 and 1 (exclusive)");
        }
    }
}
