package streamlearn.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bound an optimizer gives on the size of its step is what lets the trainer skip checking
 * every candidate parameter (see {@link Optimizer}), so it must hold for every step: checked
 * here against the steps actually taken, over gradients from 1e-10 to 1e100 in size, with
 * momentum and Adam state written in place before the first step, as a snapshot restore does.
 */
class OptimizerTest {

    @Test
    void everyStepIsWithinTheBoundTheOptimizerGives() {
        int n = 7;
        Random random = new Random(3);
        Optimizer[] optimizers = {
            new Sgd(n, 0.05, 0.0), new Sgd(n, 1e-3, 0.9), new Sgd(n, 10.0, 0.99),
            new Adam(n, 0.002, 0.9, 0.999, 1e-8), new Adam(n, 0.5, 0.5, 0.9, 1e-3), new Adam(n, 1e-4, 0.0, 0.0, 1e-12)};
        for (int k = 0; k < optimizers.length; k++) {
            Optimizer optimizer = optimizers[k];
            restoreSomeState(optimizer, random);
            double[] params = gaussian(random, n, 1.0);
            double[] next = new double[n];
            int bounded = 0;
            for (int step = 0; step < 2000; step++) {
                // Small gradients first, so the restored state dominates the first steps.
                double size = step < 10 ? 1e-6 : Math.pow(10, -10 + 110 * random.nextDouble());
                double[] grad = gaussian(random, n, size);
                double squared = 0;
                for (double g : grad) {
                    squared += g * g;
                }
                double scale = random.nextBoolean() ? 1.0 : random.nextDouble();
                assertTrue(optimizer.propose(params, grad, scale, Math.sqrt(squared) * scale, next));
                double bound = optimizer.stepBound();
                for (int i = 0; i < n; i++) {
                    // The bound is on the step; the new parameter is also rounded to a double, which
                    // moves it by up to half a unit in the last place of the old one, and the bound
                    // itself is a few roundings away from exact.
                    double moved = Math.abs(next[i] - params[i]);
                    double allowed = bound * (1 + 1e-12) + Math.ulp(params[i]);
                    assertTrue(moved <= allowed, optimizer.getClass().getSimpleName() + " #" + k + " step " + step + ": moved " + moved
                            + ", bound " + bound);
                }
                if (bound < Double.POSITIVE_INFINITY) {
                    bounded++;
                }
                optimizer.commit();
                double[] t = params;
                params = next;
                next = t;
            }
            assertTrue(bounded > 1000, optimizer.getClass().getSimpleName() + " #" + k + ": only " + bounded + " steps had a finite bound");
        }
    }

    /** Restores random momentum or moments, as a snapshot would: every state vector large, v small. */
    private static void restoreSomeState(Optimizer optimizer, Random random) {
        RecordedState state = RecordedState.of(optimizer);
        for (Map.Entry<String, double[]> entry : state.asMap().entrySet()) {
            double[] values = entry.getValue();
            if (values.length == 1) {
                continue; // Adam's bias-correction powers stay as they are
            }
            if (entry.getKey().equals("v")) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = random.nextDouble() * 1e-6;
                }
            } else {
                fill(values, random, 1e3);
            }
        }
        optimizer.readState(state.reader());
    }

    private static void fill(double[] a, Random random, double size) {
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextGaussian() * size;
        }
    }

    private static double[] gaussian(Random random, int n, double size) {
        double[] v = new double[n];
        fill(v, random, size);
        return v;
    }
}
