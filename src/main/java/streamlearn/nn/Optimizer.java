package streamlearn.nn;

/**
 * A first-order update rule over a flat parameter vector.
 *
 * <p>An update is a two-phase commit so that a step that would produce a non-finite parameter
 * can be refused without leaving a trace: {@link #propose} writes the candidate parameters into
 * a separate array and the candidate optimizer state into back buffers; {@link #commit} makes
 * them current. Nothing is copied: the caller swaps its parameter arrays and the optimizer swaps
 * its state arrays.
 *
 * <p>Whether a candidate is finite is decided from bounds where possible rather than by a pass
 * over it, which would be a sizeable part of a small network's step. An optimizer keeps an upper
 * bound on the size of each element of its state, updated from the bound on the gradient at every
 * step, and reports a bound on the size of the step it proposed; the {@link Trainer} does the same
 * for the parameters. While the bounds stay below {@link #SAFE_BOUND} no element can overflow, so
 * nothing needs checking; when they do not, or are not known yet (a new or restored optimizer),
 * the candidate is checked element by element and the bounds are measured again.
 */
public sealed interface Optimizer permits Sgd, Adam {

    /**
     * Computes the next parameters from {@code params} and the gradient {@code scale * grad}
     * into {@code next}, and the optimizer's next state into its back buffers. The scale is the
     * clipping factor, applied here rather than in a pass of its own.
     *
     * @param gradientBound an upper bound on every |scale * grad[i]|, finite
     * @return false when the candidate optimizer state is not finite (the step must be refused)
     */
    boolean propose(double[] params, double[] grad, double scale, double gradientBound, double[] next);

    /**
     * An upper bound on every |next[i] - params[i]| of the last {@link #propose}; positive
     * infinity when it cannot tell. Never NaN.
     */
    double stepBound();

    /** Makes the state computed by the last {@link #propose} current. */
    void commit();

    /** Writes the optimizer's state (momentum, moments), for a snapshot. */
    void writeState(StateWriter out);

    /** Restores what {@link #writeState} wrote; the next step then continues bit for bit. */
    void readState(StateReader in);

    /**
     * Rounds optimizer state below about 1e-266 to 0 and leaves anything above about 1e-234
     * unchanged, bit for bit. A moment that only decays (a dead ReLU unit's Adam moments shrink
     * by beta each step) otherwise turns subnormal, and arithmetic on subnormals is far slower.
     * An addition and a subtraction, rather than a comparison, so that the JIT can still
     * vectorise the update loops.
     */
    static double flushTiny(double x) {
        return (x + TINY) - TINY;
    }

    /** See {@link #flushTiny}. No value this small moves a weight. */
    double TINY = 1e-250;

    /**
     * Values bounded by this cannot overflow when added, however they are rounded: it is eight
     * orders of magnitude below {@link Double#MAX_VALUE}, far more than rounding in any bound
     * computed here can add, even over billions of steps.
     */
    double SAFE_BOUND = 1e300;

    /**
     * The bound on a candidate state to keep: {@code bound} when it is known and safe, else the
     * candidate's largest element measured, which is not finite exactly when some element is not
     * (the step must then be refused).
     */
    static double knownOrMeasured(double bound, double[] candidate) {
        double safe = safeOrUnknown(bound);
        return safe == Double.POSITIVE_INFINITY ? maxAbs(candidate) : safe;
    }

    /** The bound to keep: {@code bound} when it is a number at most {@link #SAFE_BOUND}, else infinity. */
    static double safeOrUnknown(double bound) {
        return bound <= SAFE_BOUND ? bound : Double.POSITIVE_INFINITY;
    }

    /**
     * The largest |a[i]|: infinite if any element is, NaN if any is NaN, so it is finite exactly
     * when every element is. One pass both checks a candidate and measures its bound.
     */
    static double maxAbs(double[] a) {
        double max = 0.0;
        for (double x : a) {
            max = Math.max(max, Math.abs(x));
        }
        return max;
    }

}
