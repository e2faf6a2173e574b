package streamlearn.app;

/** A bad command line, option, config or spec: reported as one line on stderr, exit code 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
