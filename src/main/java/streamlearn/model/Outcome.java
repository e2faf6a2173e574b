package streamlearn.model;

/** What happened to a reading: the {@code outcome} label of {@code streamlearn_records_total}. */
public enum Outcome {
    /** Labeled: predicted, then one update was taken. */
    TRAINED("trained"),
    /** Unlabeled: predicted only. */
    PREDICTED("predicted"),
    /** Invalid: sent to the dead-letter topic, the model untouched. */
    REJECTED("rejected"),
    /** Labeled, predicted, but the update was refused because it would make the model non-finite. */
    DIVERGED("diverged"),
    /** Valid, but the learner failed on it: the model checked it before changing, so it is untouched. */
    FAILED("failed");

    private final String id;

    Outcome(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }
}
