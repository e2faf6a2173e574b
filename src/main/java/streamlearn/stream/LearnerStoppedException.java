package streamlearn.stream;

/**
 * The learner cannot go on without an operator: a stored model whose spec differs from the
 * configured one under {@code model.on.spec.change=fail}, or stored state that cannot be read.
 * It stops the stream thread (the dead-letter handler lets it through); {@code run} prints the
 * message, one line naming the model, and exits 1.
 */
public final class LearnerStoppedException extends RuntimeException {
    LearnerStoppedException(String message) {
        super(message, null, false, false);
    }
}
