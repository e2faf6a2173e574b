package streamlearn.model;

import streamlearn.nn.StateReader;
import streamlearn.nn.StateWriter;

/**
 * The weight of a labeled reading's class in its training step, as the spec's
 * {@code "classWeights"} says. Balanced weights come from the running class frequencies, which
 * are model state (in both snapshot forms): the labels counted over the model's life, the current
 * one included, with one reading of each class assumed before the first (Laplace smoothing), so
 * that a class's weight is
 *
 * <pre>  w_c = (N + K) / (K (n_c + 1))</pre>
 *
 * for N labels counted, n_c of them of class c, and K classes. All weights start at 1; over a
 * stream, the expected weight of a reading is 1 (sum over c of p_c / (K p_c)), so the learning
 * rate keeps its meaning, and each class contributes the same total weight to training, as if
 * the classes were equally frequent.
 */
public final class ClassWeights {
    private final double[] fixed;
    private final double[] counts;
    private double total;

    private ClassWeights(double[] fixed, int classes) {
        this.fixed = fixed;
        this.counts = fixed == null ? new double[classes] : null;
    }

    /** The weights of {@code spec}, or null when it has none (every reading weighs 1). */
    static ClassWeights of(ModelSpec spec) {
        ClassWeightsSpec weights = spec.classWeights();
        if (weights == null) {
            return null;
        }
        return new ClassWeights(weights.balanced() ? null : weights.explicit().clone(), spec.classes().size());
    }

    /** The weight of a reading labeled {@code label}; balanced weights first count the label. */
    double count(int label) {
        if (fixed != null) {
            return fixed[label];
        }
        counts[label] += 1.0;
        total += 1.0;
        return weight(label);
    }

    /** Takes back {@link #count}: the step it weighed was refused. */
    void uncount(int label) {
        if (fixed == null) {
            counts[label] -= 1.0;
            total -= 1.0;
        }
    }

    /** The weight class {@code c} has now (without counting anything). */
    public double weight(int c) {
        if (fixed != null) {
            return fixed[c];
        }
        int k = counts.length;
        return (total + k) / (k * (counts[c] + 1.0));
    }

    /** Balanced weights' state: the labels counted per class ({@code labelCounts}); nothing for fixed weights. */
    void writeState(StateWriter out) {
        if (counts != null) {
            out.vector("labelCounts", counts);
        }
    }

    void readState(StateReader in) {
        if (counts == null) {
            return;
        }
        double[] read = new double[counts.length];
        in.vector("labelCounts", read);
        double sum = 0;
        for (double c : read) {
            if (!(c >= 0) || c != Math.rint(c)) {
                throw new SpecException("classWeights.labelCounts", "must be whole numbers of at least 0");
            }
            sum += c;
        }
        System.arraycopy(read, 0, counts, 0, counts.length);
        total = sum;
    }
}
