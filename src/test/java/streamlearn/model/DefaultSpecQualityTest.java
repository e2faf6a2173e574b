package streamlearn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.SpecJson;

/**
 * The default spec's prequential accuracy on the seeds' 3-class sensor stream. The classes
 * overlap, so no classifier can beat 0.9754; a plain constant-rate SGD 2-16-3 MLP reaches about
 * 0.967, and the default spec must do better than that.
 */
class DefaultSpecQualityTest {
    /** README's figure: the default spec's accuracy over the last 100k of 200k readings, mean over {@link #SEEDS}. */
    static final double README_FIGURE = 0.973;
    static final long[] SEEDS = {1, 2, 3, 4, 5};
    /**
     * Spread of the per-seed figure, measured over stream seeds 1-30 at 3ed7d47: mean 0.97312,
     * standard deviation 0.00065 (min 0.97164, max 0.97419); seeds 1-5 give 0.97359, 0.97211,
     * 0.97330, 0.97305, 0.97406, mean 0.97322. (The binomial noise of 100k readings alone is
     * 0.00051.) A change that only reshuffles the arithmetic (another summation order, say) moves
     * each seed's figure like drawing another seed, so the margins are three standard errors:
     * 3 * 0.00065 / sqrt(5) = 0.0009 for the mean of the five seeds, and 3 * 0.00065 = 0.002 for
     * any single seed. Dropping the weight averaging (about -0.002, see README) fails the mean.
     */
    static final double SEED_SD = 0.00065;
    static final double MEAN_MARGIN = 3 * SEED_SD / Math.sqrt(SEEDS.length);
    static final double SEED_MARGIN = 3 * SEED_SD;

    static double lastHalfAccuracy(ModelSpec spec, int total, long seed) {
        OnlineModel model = OnlineModel.create(spec);
        SensorReadingGenerator generator = new SensorReadingGenerator(seed, 16, 0.0);
        Reading reading = new Reading(2);
        long correct = 0;
        for (int i = 0; i < total; i++) {
            generator.next(reading, i);
            StepResult r = model.step(reading);
            if (i >= total / 2 && r.correct()) {
                correct++;
            }
        }
        return correct / (double) (total - total / 2);
    }

    @Test
    void defaultSpecReachesTheReadmeFigureOverTheLast100kOf200kOfFiveSeeds() {
        double[] accuracy = new double[SEEDS.length];
        double sum = 0;
        for (int i = 0; i < SEEDS.length; i++) {
            accuracy[i] = lastHalfAccuracy(SpecJson.defaultSpec(), 200_000, SEEDS[i]);
            sum += accuracy[i];
        }
        double mean = sum / SEEDS.length;
        String measured = String.format("default spec prequential accuracy, last 100k of 200k, stream seeds %s: mean %.4f, "
                + "per seed %s (README: %.3f)", Arrays.toString(SEEDS), mean, Arrays.toString(accuracy), README_FIGURE);
        System.out.println(measured);
        assertTrue(mean >= README_FIGURE - MEAN_MARGIN,
                String.format("mean below README's %.3f - %.4f: %s", README_FIGURE, MEAN_MARGIN, measured));
        for (int i = 0; i < SEEDS.length; i++) {
            assertTrue(accuracy[i] >= README_FIGURE - SEED_MARGIN,
                    String.format("seed %d below README's %.3f - %.4f: %s", SEEDS[i], README_FIGURE, SEED_MARGIN, measured));
        }
        // README rounds the mean to three decimals; a figure well above it is stale too (or a broken measurement).
        assertTrue(mean < README_FIGURE + 0.0005 + MEAN_MARGIN, "README's figure is out of date: " + measured);
        assertTrue(mean <= 0.9754 + MEAN_MARGIN, "above the Bayes limit: the measurement is wrong, " + measured);
    }

    @Test
    void plainSgdBaselineStaysBelowTheDefault() {
        // The baseline the issue names: constant-rate SGD on a 2-16-3 ReLU net.
        ModelSpec sgd = SpecJson.parse("""
                {"features":["temperature","vibration"],"classes":["normal","warning","critical"],
                 "layers":[{"units":16,"activation":"relu"},{"units":3,"activation":"softmax"}],
                 "loss":"cross_entropy","init":{"type":"he","seed":42},
                 "optimizer":{"type":"sgd","learningRate":0.05},"clipNorm":5.0}""");
        double baseline = lastHalfAccuracy(sgd, 200_000, 7);
        double ours = lastHalfAccuracy(SpecJson.defaultSpec(), 200_000, 7);
        System.out.printf("sgd 2-16-3: %.4f, default: %.4f%n", baseline, ours);
        assertTrue(ours > baseline, "default " + ours + " vs sgd " + baseline);
    }

    /** A reading as the stream sends it, altered from reading {@code at} on. */
    interface Change {
        void apply(Reading reading, int index);
    }

    /** Per reading, whether the default spec's prediction was right; the count of drifts in {@code [2]}. */
    static boolean[] correctness(long seed, int total, Change change, long[] drifts) {
        OnlineModel model = OnlineModel.create(SpecJson.defaultSpec());
        SensorReadingGenerator generator = new SensorReadingGenerator(seed, 16, 0.0);
        Reading reading = new Reading(2);
        boolean[] correct = new boolean[total];
        for (int i = 0; i < total; i++) {
            generator.next(reading, i);
            change.apply(reading, i);
            StepResult r = model.step(reading);
            correct[i] = r.correct();
            if (r.drift() != null) {
                drifts[0]++;
            }
        }
        return correct;
    }

    static double accuracy(boolean[] correct, int from, int to) {
        long n = 0;
        for (int i = from; i < to; i++) {
            n += correct[i] ? 1 : 0;
        }
        return n / (double) (to - from);
    }

    /**
     * Issue #12: every temperature 15 C higher from reading 100,000 on. Measured over seeds 1-3
     * (docs/QUALITY.md): 0.9726 over 90-100k, 0.9697 over 101-102k, 0.9693 over 102-103k; 0.73
     * and 0.77 without drift detection. The bound is the issue's: readings 101,000-103,000
     * within one point of 90,000-100,000 (the two means' binomial noise is about 0.0025).
     */
    @Test
    void aMachineRunningHotterIsCaughtUpWithWithinAThousandReadings() {
        double before = 0;
        double after = 0;
        long[] drifts = new long[1];
        for (long seed = 1; seed <= 3; seed++) {
            boolean[] correct = correctness(seed, 103_000, (r, i) -> {
                if (i >= 100_000) {
                    r.setFeature(0, r.features()[0] + 15.0);
                }
            }, drifts);
            before += accuracy(correct, 90_000, 100_000) / 3;
            after += accuracy(correct, 101_000, 103_000) / 3;
        }
        String measured = String.format("+15 C at 100k, seeds 1-3: 90-100k %.4f, 101-103k %.4f, %d drifts", before, after, drifts[0]);
        System.out.println(measured);
        assertTrue(after >= before - 0.01, measured);
        assertEquals(3, drifts[0], "each seed's change is detected, once: " + measured);
    }

    /**
     * Issue #12: the labels warning and critical trade boxes at reading 100,000. Measured over
     * seeds 1-3: 0.9698 over the 20,000 readings after the change (MOA's ARF 0.9697); 0.9658
     * without the output layer's relearning, 0.63 without drift detection. The bound sits
     * between the first two: the noise of a three-seed mean of 20,000 readings is about 0.0007,
     * so it leaves two and a half of those, and fails a learner that does not relearn.
     */
    @Test
    void aMovedBoundaryIsRelearnedWithinTheNext20000Readings() {
        double after = 0;
        long[] drifts = new long[1];
        for (long seed = 1; seed <= 3; seed++) {
            boolean[] correct = correctness(seed, 120_000, (r, i) -> {
                if (i >= 100_000 && r.label() > 0) {
                    r.setLabel(3 - r.label());
                }
            }, drifts);
            after += accuracy(correct, 100_000, 120_000) / 3;
        }
        String measured = String.format("warning/critical swapped at 100k, seeds 1-3: 100-120k %.4f, %d drifts", after, drifts[0]);
        System.out.println(measured);
        assertTrue(after >= 0.968, measured);
    }
}
