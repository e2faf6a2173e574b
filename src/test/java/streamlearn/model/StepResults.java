package streamlearn.model;

/** Builds {@link StepResult}s with chosen values, for tests of what is written from them. */
public final class StepResults {
    private StepResults() {
    }

    public static StepResult classified(long modelVersion, int predicted, double[] probabilities, int label,
                                        double loss) {
        StepResult r = new StepResult(probabilities.length);
        r.modelVersion = modelVersion;
        r.predicted = predicted;
        System.arraycopy(probabilities, 0, r.probabilities, 0, probabilities.length);
        r.labeled = label != Reading.UNLABELED;
        r.label = label;
        r.loss = loss;
        return r;
    }

    public static StepResult regressed(long modelVersion, double predicted, boolean labeled, double target,
                                       double loss) {
        StepResult r = new StepResult(0);
        r.modelVersion = modelVersion;
        r.predictedValue = predicted;
        r.labeled = labeled;
        r.target = target;
        r.loss = loss;
        return r;
    }
}
