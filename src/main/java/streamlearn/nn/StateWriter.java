package streamlearn.nn;

/**
 * Where a piece of learner state (an optimizer's moments, a scaler's statistics) writes itself,
 * as named values in a fixed order. The snapshot formats implement it: JSON by name, the binary
 * form by position; so the state's owner decides what it consists of, and no format needs to know
 * its fields.
 */
public interface StateWriter {
    void count(String name, long value);

    void number(String name, double value);

    /** A vector of its own length (one value per feature, say). */
    void vector(String name, double[] values);

    /** A vector laid out like the network's parameters (one value per weight and bias). */
    void parameters(String name, double[] values);

    /**
     * A vector laid out like the parameters of {@code layout}, which may be another network than
     * the model's first (a candidate's). The layout decides how a format that shows layers splits it.
     */
    default void parameters(String name, double[] values, Mlp layout) {
        parameters(name, values);
    }
}
