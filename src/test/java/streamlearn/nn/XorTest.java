package streamlearn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * XOR learned online: the four points fed cyclically, one training step each, with the
 * binary cross-entropy of a sigmoid output. A hidden layer must solve it; a model without one
 * (logistic regression) cannot, which shows the success criterion is not trivially met.
 */
class XorTest {

    private static final double[][] X = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    private static final double[][] T = {{0}, {1}, {1}, {0}};
    /** Predictions must be below LOW for class 0 and above HIGH for class 1. */
    private static final double LOW = 0.1;
    private static final double HIGH = 0.9;

    /**
     * Trains cyclically until every prediction is on the right side of 0.5 by the margin, or
     * {@code maxSteps} steps have been taken. Returns the number of steps taken, or -1.
     */
    private static int stepsToSolve(Trainer trainer, int maxSteps) {
        for (int step = 0; step < maxSteps; step++) {
            if (step % 4 == 0 && solvedWithMargin(trainer)) {
                return step;
            }
            int i = step % 4;
            trainer.predict(X[i]);
            assertTrue(trainer.train(T[i]), "step " + step + " refused");
        }
        return solvedWithMargin(trainer) ? maxSteps : -1;
    }

    private static boolean solvedWithMargin(Trainer trainer) {
        for (int i = 0; i < 4; i++) {
            double y = trainer.predict(X[i])[0];
            boolean ok = T[i][0] == 1.0 ? y > HIGH : y < LOW;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static int correct(Trainer trainer) {
        int n = 0;
        for (int i = 0; i < 4; i++) {
            double y = trainer.predict(X[i])[0];
            if ((y > 0.5) == (T[i][0] == 1.0)) {
                n++;
            }
        }
        return n;
    }

    private static void assertSolved(Trainer trainer) {
        for (int i = 0; i < 4; i++) {
            double y = trainer.predict(X[i])[0];
            if (T[i][0] == 1.0) {
                assertTrue(y > HIGH, "xor" + java.util.Arrays.toString(X[i]) + " = " + y);
            } else {
                assertTrue(y < LOW, "xor" + java.util.Arrays.toString(X[i]) + " = " + y);
            }
        }
    }

    @Test
    void tanhHiddenLayerWithAdamLearnsXor() {
        Mlp net = new Mlp(new int[] {2, 8, 1}, new Activation[] {Activation.TANH, Activation.SIGMOID});
        double[] params = new double[net.parameterCount()];
        Initializer.xavier(net, params, 7L);
        Trainer trainer = new Trainer(net, Loss.BINARY_CROSS_ENTROPY,
                new Adam(params.length, 0.01, Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2, Adam.DEFAULT_EPSILON),
                params, 0.0, 0.0, 0.0);
        // 856 steps with this seed; seeds 1..30 all solve it within 1336.
        int steps = stepsToSolve(trainer, 2000);
        assertTrue(steps > 0, "XOR not solved within 2000 online steps");
        assertSolved(trainer);
    }

    @Test
    void reluHiddenLayerWithSgdMomentumLearnsXor() {
        Mlp net = new Mlp(new int[] {2, 8, 1}, new Activation[] {Activation.RELU, Activation.SIGMOID});
        double[] params = new double[net.parameterCount()];
        Initializer.he(net, params, 7L);
        Trainer trainer = new Trainer(net, Loss.BINARY_CROSS_ENTROPY, new Sgd(params.length, 0.05, 0.9),
                params, 0.0, 0.0, 0.0);
        // 124 steps with this seed. (ReLU is less forgiving than tanh: with 3 of the seeds 1..30
        // too many units die and it never gets there, so the seed is part of this test.)
        int steps = stepsToSolve(trainer, 1000);
        assertTrue(steps > 0, "XOR not solved within 1000 online steps");
        assertSolved(trainer);
    }

    @Test
    void withoutHiddenLayerXorCannotBeLearned() {
        Mlp net = new Mlp(new int[] {2, 1}, new Activation[] {Activation.SIGMOID});
        double[] params = new double[net.parameterCount()];
        Initializer.xavier(net, params, 7L);
        Trainer trainer = new Trainer(net, Loss.BINARY_CROSS_ENTROPY,
                new Adam(params.length, 0.01, Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2, Adam.DEFAULT_EPSILON),
                params, 0.0, 0.0, 0.0);
        // The same harness that the 2-8-1 networks pass within 2000 steps, given ten times as many.
        assertEquals(-1, stepsToSolve(trainer, 20000));
        assertFalse(solvedWithMargin(trainer));
        assertTrue(correct(trainer) <= 3, "a linear model separated XOR");
    }
}
