package streamlearn.stream;

/** The topic names of docs/DESIGN.md; each can be renamed in the configuration. */
public record Topics(String readings, String predictions, String metrics, String models, String deadLetters,
                     String events, String labels, String control, String replicas) {
    public static final Topics DEFAULT = new Topics(
            "sensor-readings", "sensor-predictions", "learner-metrics", "learner-models", "sensor-readings-dlq",
            "learner-events", "sensor-labels", "learner-control", "learner-replicas");
}
