package streamlearn.stream;

import streamlearn.model.InvalidReadingException;
import streamlearn.model.RejectReason;

/**
 * Thrown by the reading router for a reading that failed validation, so that Kafka Streams'
 * processing-exception handling sends the original record to the dead-letter topic (see
 * {@link DeadLetterHandler}). No stack trace: bad input is data, not a bug.
 */
public final class RejectedReadingException extends RuntimeException {
    private final RejectReason reason;

    RejectedReadingException(RejectReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    RejectedReadingException(InvalidReadingException e) {
        this(e.reason(), e.getMessage());
    }

    public RejectReason reason() {
        return reason;
    }
}
