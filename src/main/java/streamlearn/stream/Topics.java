package streamlearn.stream;

/** The topic names of docs/DESIGN.md; each can be renamed in the configuration. */
public record Topics(String readings, String predictions, String metrics, String models, String deadLetters,
                     String events) {
    private static final String DEFAULT_EVENTS = "learner-events";
    public static final Topics DEFAULT = new Topics(
            "sensor-readings", "sensor-predictions", "learner-metrics", "learner-models", "sensor-readings-dlq",
            DEFAULT_EVENTS);

    /** The names of the topics that existed before {@code learner-events}, which keeps its default name. */
    public Topics(String readings, String predictions, String metrics, String models, String deadLetters) {
        this(readings, predictions, metrics, models, deadLetters, DEFAULT_EVENTS);
    }
}
