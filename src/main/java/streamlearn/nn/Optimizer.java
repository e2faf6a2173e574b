package streamlearn.nn;

/**
 * A first-order update rule over a flat parameter vector.
 *
 * <p>An update is a two-phase commit so that a step that would produce a non-finite parameter
 * can be refused without leaving a trace: {@link #propose} writes the candidate parameters into
 * a separate array and the candidate optimizer state into back buffers; {@link #commit} makes
 * them current. Nothing is copied: the caller swaps its parameter arrays and the optimizer swaps
 * its state arrays.
 */
public sealed interface Optimizer permits Sgd, Adam {

    /**
     * Computes the next parameters from {@code params} and {@code grad} into {@code next}.
     *
     * @return true when every candidate parameter is finite
     */
    boolean propose(double[] params, double[] grad, double[] next);

    /** Makes the state computed by the last {@link #propose} current. */
    void commit();

    /** The id used in specs and snapshots ("sgd", "adam"). */
    String type();

    /** True when {@code x - x} summed over an array is 0, i.e. no element is NaN or infinite. */
    static boolean allFinite(double finiteProbe) {
        return finiteProbe == 0.0;
    }
}
