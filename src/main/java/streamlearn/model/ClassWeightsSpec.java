package streamlearn.model;

import java.util.Arrays;

/**
 * The spec's {@code "classWeights"} (docs/DESIGN.md): how much a labeled reading of each class
 * weighs in the loss and its gradient. {@code "balanced"}: each class weighs inversely to how
 * often it has been labeled so far, so that every class counts as much in training as if all
 * were equally frequent; explicit: a fixed weight per class (1 for a class not named).
 *
 * @param explicit the weight of each class in the spec's order; null when balanced
 */
public record ClassWeightsSpec(boolean balanced, double[] explicit) {
    public static final String BALANCED = "balanced";
    /** Largest explicit weight: beyond it one reading's step would swamp thousands of others. */
    public static final double MAX_WEIGHT = 1e6;

    public static ClassWeightsSpec balancedWeights() {
        return new ClassWeightsSpec(true, null);
    }

    public static ClassWeightsSpec of(double[] weights) {
        return new ClassWeightsSpec(false, weights.clone());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassWeightsSpec other && balanced == other.balanced && Arrays.equals(explicit, other.explicit);
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(balanced) * 31 + Arrays.hashCode(explicit);
    }

    @Override
    public String toString() {
        return balanced ? BALANCED : Arrays.toString(explicit);
    }
}
