package streamlearn.model;

import java.util.List;
import java.util.Map;

/**
 * The spec's {@code "ranges"}: per feature, the values a sane sensor can send. A reading outside
 * them is not a measurement (a 65535 sentinel, a -999 "no value", a unit mix-up) and is rejected
 * before it reaches a model, rather than trained on. Features without a range accept any finite
 * value.
 */
public final class FeatureRanges {
    private final List<String> features;
    private final double[] min;
    private final double[] max;
    private final boolean any;

    /**
     * @param features the spec's features, in order
     * @param ranges   {@code [min, max]} by feature name, each a feature of the spec with min <= max
     */
    public FeatureRanges(List<String> features, Map<String, double[]> ranges) {
        this.features = List.copyOf(features);
        this.min = new double[features.size()];
        this.max = new double[features.size()];
        java.util.Arrays.fill(min, Double.NEGATIVE_INFINITY);
        java.util.Arrays.fill(max, Double.POSITIVE_INFINITY);
        for (Map.Entry<String, double[]> range : ranges.entrySet()) {
            int i = features.indexOf(range.getKey());
            if (i < 0) {
                throw new SpecException("ranges." + range.getKey(), "not a feature of the spec (features: "
                        + String.join(", ", features) + ")");
            }
            double[] bounds = range.getValue();
            if (!(bounds[0] <= bounds[1])) {
                throw new SpecException("ranges." + range.getKey(), "min " + bounds[0] + " is above max " + bounds[1]);
            }
            min[i] = bounds[0];
            max[i] = bounds[1];
        }
        this.any = !ranges.isEmpty();
    }

    /** Rejects a reading with a feature outside its range, naming the feature, its value and the range. */
    public void check(double[] values) throws InvalidReadingException {
        if (!any) {
            return;
        }
        for (int i = 0; i < min.length; i++) {
            double v = values[i];
            if (v < min[i] || v > max[i]) {
                throw new InvalidReadingException(RejectReason.OUT_OF_RANGE, "feature '" + features.get(i) + "' = " + v
                        + " is outside its range [" + min[i] + ", " + max[i] + "]");
            }
        }
    }

    /** The range of feature {@code i} as {@code [min, max]}; infinite bounds where none is set. */
    public double[] range(int i) {
        return new double[] {min[i], max[i]};
    }
}
