package streamlearn.model;

/** The result of one prequential step; reused from record to record. */
public final class StepResult {
    Outcome outcome;
    long modelVersion;
    int predicted;
    final double[] probabilities;
    final double[] output;
    double predictedValue;
    boolean labeled;
    int label;
    double target;
    double loss;
    DriftEvent drift;
    String champion;
    String championBefore;

    StepResult(int classCount) {
        this(classCount, Math.max(classCount, 1));
    }

    StepResult(int classCount, int outputs) {
        probabilities = new double[classCount];
        output = new double[outputs];
    }

    public Outcome outcome() {
        return outcome;
    }

    /** Updates the model had taken when it made this prediction. */
    public long modelVersion() {
        return modelVersion;
    }

    /** Index of the predicted class (classification). */
    public int predicted() {
        return predicted;
    }

    /** Class probabilities in the spec's class order (classification); live buffer. */
    public double[] probabilities() {
        return probabilities;
    }

    /**
     * The output layer's pre-activations behind the prediction (live buffer): what a reading
     * waiting for a late label keeps, so that the label scores the prediction exactly as made.
     */
    public double[] output() {
        return output;
    }

    /** The predicted value (regression). */
    public double predictedValue() {
        return predictedValue;
    }

    public boolean labeled() {
        return labeled;
    }

    public int label() {
        return label;
    }

    public double target() {
        return target;
    }

    /** Loss of the prediction against the label; only meaningful when labeled. */
    public double loss() {
        return loss;
    }

    /** The drift this reading's error revealed, and what the learner did; null on almost every reading. */
    public DriftEvent drift() {
        return drift;
    }

    /**
     * With candidates, the candidate that led this prediction (the champion; with a mixture, the
     * one of the largest weight); null without candidates.
     */
    public String champion() {
        return champion;
    }

    /** With candidates, the champion before this reading's step when the step changed it; else null. */
    public String championBefore() {
        return championBefore;
    }

    /** True when the prediction named the labeled class. */
    public boolean correct() {
        return labeled && label >= 0 && predicted == label;
    }
}
