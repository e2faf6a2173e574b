package streamlearn.model;

/** A model spec that cannot be used; the message names the field and what is wrong with it. */
public final class SpecException extends RuntimeException {
    public SpecException(String field, String problem) {
        super(field + ": " + problem);
    }
}
