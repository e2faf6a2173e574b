package streamlearn.model;

import java.util.List;

/**
 * A change the learner detected in its own prequential error, and what it did about it: the
 * detail of a {@code drift} event on {@code learner-events} (docs/DESIGN.md).
 *
 * @param errorBefore    mean error over the older part of the detector's window, which it dropped
 *                       (classification: the fraction of readings predicted wrong; regression:
 *                       loss / (1 + loss), which keeps it in [0, 1))
 * @param errorAfter     mean error over the newer part, which it kept
 * @param recentReadings length of the newer part: about how long ago the change began
 * @param actions        what the learner did, in order: {@link #SCALER_RELEARNING},
 *                       {@link #AVERAGE_RESTARTED} (either may be missing when the spec has no
 *                       standardisation or no weight average), {@link #OUTPUT_LAYER_RELEARNING},
 *                       and for a pool with {@code selection.restartOnDrift} {@link #SELECTION_RESTARTED}
 */
public record DriftEvent(String detector, double delta, long modelVersion, double errorBefore, double errorAfter,
                         long recentReadings, List<String> actions) {
    /** The input statistics weigh the past as {@link OnlineModel#SCALER_MEMORY_AFTER_DRIFT} readings. */
    public static final String SCALER_RELEARNING = "scaler_relearning";
    /** Predictions use the trained weights again, and the average starts over from them. */
    public static final String AVERAGE_RESTARTED = "average_restarted";
    /** The output layer learns faster for a while ({@link streamlearn.nn.Trainer#relearnOutputLayer}). */
    public static final String OUTPUT_LAYER_RELEARNING = "output_layer_relearning";
    /** The candidates' recent losses start over, their weights uniform ({@link SelectionSpec#restartOnDrift}). */
    public static final String SELECTION_RESTARTED = "selection_restarted";

    public DriftEvent {
        actions = List.copyOf(actions);
    }
}
