package streamlearn.nn;

/**
 * Reads back what a {@link StateWriter} was given, in the same order and under the same names. An
 * implementation throws when a value is missing or malformed, naming it.
 */
public interface StateReader {
    long count(String name);

    double number(String name);

    /** Fills {@code into} entirely. */
    void vector(String name, double[] into);

    /** Fills {@code into}, laid out like the network's parameters, entirely. */
    void parameters(String name, double[] into);

    /** Fills {@code into}, laid out like the parameters of {@code layout} (see {@link StateWriter}). */
    default void parameters(String name, double[] into, Mlp layout) {
        parameters(name, into);
    }
}
