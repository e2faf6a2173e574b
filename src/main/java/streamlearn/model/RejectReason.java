package streamlearn.model;

/** Why a reading (or a late label) was rejected; the id goes into the dead-letter record's headers. */
public enum RejectReason {
    MISSING_KEY("missing_key"),
    KEY_MISMATCH("key_mismatch"),
    EMPTY("empty"),
    OVERSIZED("oversized"),
    INVALID_ENCODING("invalid_encoding"),
    MALFORMED_JSON("malformed_json"),
    DUPLICATE_FIELD("duplicate_field"),
    WRONG_TYPE("wrong_type"),
    MISSING_FIELD("missing_field"),
    MISSING_FEATURE("missing_feature"),
    UNKNOWN_FEATURE("unknown_feature"),
    NON_NUMERIC_FEATURE("non_numeric_feature"),
    NON_FINITE_FEATURE("non_finite_feature"),
    OUT_OF_RANGE("out_of_range"),
    UNKNOWN_LABEL("unknown_label"),
    NON_FINITE_TARGET("non_finite_target"),
    /** A late label that finds no reading waiting for it (never seen, already labeled, expired, or labeled inline). */
    UNMATCHED_LABEL("unmatched_label"),
    /** A reading dated more than {@code reading.max.future} ahead of the wall clock. */
    FUTURE_TIMESTAMP("future_timestamp"),
    /** A control command that is not one (no such command, a missing or bad field). */
    INVALID_COMMAND("invalid_command"),
    /** A restore command whose snapshot cannot be read, or cannot serve the configured readings. */
    INVALID_SNAPSHOT("invalid_snapshot");

    private final String id;

    RejectReason(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }
}
