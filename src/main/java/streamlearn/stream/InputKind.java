package streamlearn.stream;

/** The three input topics' records: each is parsed, keyed by model and sent to its model's task alike. */
enum InputKind {
    /** {@code sensor-readings}, keyed by sensorId: a {@link streamlearn.model.Reading}. */
    READING("the record has no key (readings are keyed by sensorId)"),
    /** {@code sensor-labels}, keyed by sensorId: a {@link streamlearn.model.LateLabel}. */
    LABEL("the record has no key (labels are keyed by sensorId)"),
    /** {@code learner-control}, keyed by model id: a {@link streamlearn.format.ControlCommand}. */
    COMMAND("a control command is keyed by its model id");

    /** The message a record of this kind without a key is dead-lettered with. */
    final String missingKey;

    InputKind(String missingKey) {
        this.missingKey = missingKey;
    }
}
