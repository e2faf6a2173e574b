package streamlearn.stream;

/**
 * A valid reading or label the learner failed on (a bug, or a model that cannot take it): the
 * model was checked before it changed, so it is as it was. Counted as {@code outcome="failed"},
 * logged as an error with the model id, and the record goes to the dead-letter topic as
 * {@code processing_error}.
 */
final class LearnerFailedException extends RuntimeException {
    LearnerFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
