package streamlearn.app;

/** The learner cannot start (broker unreachable, topics missing): one line, exit code 1. */
public final class StartupException extends RuntimeException {
    public StartupException(String message) {
        super(message);
    }
}
