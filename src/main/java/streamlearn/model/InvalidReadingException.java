package streamlearn.model;

/**
 * A reading that cannot be used. Thrown on bad input, which may be frequent, so it carries no
 * stack trace: the reason and the message say all there is to say.
 */
public final class InvalidReadingException extends Exception {
    private final RejectReason reason;

    public InvalidReadingException(RejectReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
