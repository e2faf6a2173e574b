package streamlearn.model;

/** A model spec that cannot be used; the message names the field and what is wrong with it. */
public final class SpecException extends RuntimeException {
    private final String field;
    private final String reason;

    public SpecException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
        this.reason = problem;
    }

    /** The field named. */
    public String field() {
        return field;
    }

    /** What is wrong with it. */
    public String reason() {
        return reason;
    }
}
