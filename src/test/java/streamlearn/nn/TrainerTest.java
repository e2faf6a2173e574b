package streamlearn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The training loop: determinism, the optimizers against hand-written scalar references, L2,
 * clipping, refusal of non-finite steps and weight averaging.
 *
 * <p>Most references use a linear model y = w1 x1 + w2 x2 + b (a 2-1 network with identity
 * output) under half squared error, whose gradient is written by hand: with e = y - t,
 * dL/dw = e x and dL/db = e.
 */
class TrainerTest {

    private static final double B1 = 0.9;
    private static final double B2 = 0.999;
    private static final double EPS = 1e-8;

    // ---------------------------------------------------------------- helpers

    private static Mlp linearNet() {
        return new Mlp(new int[] {2, 1}, new Activation[] {Activation.IDENTITY});
    }

    /** Hand-written gradient of the linear model: {e x1, e x2, e}. */
    private static double[] linearGradient(double[] p, double[] x, double t) {
        double e = p[0] * x[0] + p[1] * x[1] + p[2] - t;
        return new double[] {e * x[0], e * x[1], e};
    }

    private static final double[][] LX = {{1.5, -0.5}, {-2.0, 0.75}, {0.3, 2.2}, {1.0, 1.0}, {-0.4, -1.7}};
    private static final double[] LT = {2.0, -1.0, 0.5, 3.0, -2.5};

    private static Adam adam(int n, double lr) {
        return new Adam(n, lr, B1, B2, EPS);
    }

    /** A small classifier with a hidden layer, initialised from a seed. */
    private static Trainer classifier(long initSeed, Optimizer optimizer, double l2, double clip, double decay) {
        Mlp net = new Mlp(new int[] {3, 6, 3}, new Activation[] {Activation.TANH, Activation.SOFTMAX});
        double[] params = new double[net.parameterCount()];
        Initializer.xavier(net, params, initSeed);
        return new Trainer(net, Loss.CROSS_ENTROPY, optimizer, params, l2, clip, decay);
    }

    private static List<double[][]> stream(long seed, int n) {
        Random r = new Random(seed);
        List<double[][]> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] x = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
            double[] t = new double[3];
            t[(x[0] + 0.5 * x[1] > 0 ? 1 : 0) + (x[2] > 1 ? 1 : 0)] = 1.0;
            samples.add(new double[][] {x, t});
        }
        return samples;
    }

    private static void feed(Trainer trainer, List<double[][]> samples) {
        for (double[][] s : samples) {
            trainer.predict(s[0]);
            assertTrue(trainer.train(s[1]));
        }
    }

    // ---------------------------------------------------------------- classes as targets

    /**
     * The class-index forms of the loss and the step are shortcuts for a one-hot target: they
     * must give the same loss and the same parameters, bit for bit, including when the labeled
     * class's probability underflows (huge logits) and the loss falls back to log-sum-exp.
     */
    @Test
    void classIndexGivesTheSameLossAndStepAsAOneHotTarget() {
        Trainer byClass = softmaxRegression();
        Trainer byVector = softmaxRegression();
        assertTrue(byClass.classifiesWithSoftmax());
        Random random = new Random(9);
        int underflowed = 0;
        for (int step = 0; step < 300; step++) {
            // Every tenth input so large that some class's probability underflows to 0.
            double size = step % 10 == 9 ? 1e4 : 1.0;
            double[] x = {random.nextGaussian() * size, random.nextGaussian() * size, random.nextGaussian() * size};
            int label = random.nextInt(3);
            double[] oneHot = new double[3];
            oneHot[label] = 1.0;
            byClass.predict(x);
            double[] probabilities = byVector.predict(x);
            if (probabilities[label] < Double.MIN_NORMAL) {
                underflowed++;
            }
            assertEquals(Double.doubleToRawLongBits(byVector.predictionLoss(oneHot)),
                    Double.doubleToRawLongBits(byClass.predictionLossOfClass(label)), "loss, step " + step);
            assertEquals(byVector.train(oneHot), byClass.trainOnClass(label));
            assertTrue(Arrays.equals(byVector.parameters(), byClass.parameters()), "parameters, step " + step);
        }
        assertTrue(underflowed > 0, "the log-sum-exp fallback was never taken");
    }

    /** Softmax regression on three inputs, so that large inputs give large logits. */
    private static Trainer softmaxRegression() {
        Mlp net = new Mlp(new int[] {3, 3}, new Activation[] {Activation.SOFTMAX});
        double[] params = new double[net.parameterCount()];
        Initializer.xavier(net, params, 5L);
        return new Trainer(net, Loss.CROSS_ENTROPY, new Sgd(params.length, 0.1, 0.9), params, 0, 5.0, 0);
    }

    // ---------------------------------------------------------------- determinism

    @Test
    void sameSeedAndOrderGiveBitIdenticalParameters() {
        List<double[][]> samples = stream(99L, 600);
        Trainer a = classifier(123L, adam(45, 0.01), 1e-4, 2.0, 0.99);
        Trainer b = classifier(123L, adam(45, 0.01), 1e-4, 2.0, 0.99);
        assertEquals(45, a.network().parameterCount());
        double[] initial = a.parameters().clone();
        feed(a, samples);
        feed(b, samples);
        assertTrue(Arrays.equals(a.parameters(), b.parameters()));
        assertTrue(Arrays.equals(a.average(), b.average()));
        assertTrue(Arrays.equals(RecordedState.of(a.optimizer()).get("m"), RecordedState.of(b.optimizer()).get("m")));
        assertTrue(Arrays.equals(RecordedState.of(a.optimizer()).get("v"), RecordedState.of(b.optimizer()).get("v")));
        assertFalse(Arrays.equals(initial, a.parameters()), "training must have moved the parameters");

        // The comparison is sharp enough to see a different order or a different initial seed.
        List<double[][]> shuffled = new ArrayList<>(samples);
        Collections.shuffle(shuffled, new Random(5L));
        Trainer c = classifier(123L, adam(45, 0.01), 1e-4, 2.0, 0.99);
        feed(c, shuffled);
        assertFalse(Arrays.equals(a.parameters(), c.parameters()));
        Trainer d = classifier(124L, adam(45, 0.01), 1e-4, 2.0, 0.99);
        feed(d, samples);
        assertFalse(Arrays.equals(a.parameters(), d.parameters()));
    }

    // ---------------------------------------------------------------- optimizers

    @Test
    void adamMatchesScalarReferenceAndFirstStepIsLrTimesSign() {
        double lr = 0.01;
        double[] p0 = {0.5, -0.3, 0.1};
        Adam adam = adam(3, lr);
        Trainer trainer = new Trainer(linearNet(), Loss.MSE, adam, p0, 0, 0, 0);

        double[] ref = p0.clone();
        double[] m = new double[3];
        double[] v = new double[3];
        for (int k = 1; k <= 3; k++) {
            double[] x = LX[k - 1];
            double[] g = linearGradient(ref, x, LT[k - 1]);
            double[] before = ref.clone();
            for (int i = 0; i < 3; i++) {
                m[i] = B1 * m[i] + (1 - B1) * g[i];
                v[i] = B2 * v[i] + (1 - B2) * g[i] * g[i];
                double mHat = m[i] / (1 - Math.pow(B1, k));
                double vHat = v[i] / (1 - Math.pow(B2, k));
                ref[i] -= lr * mHat / (Math.sqrt(vHat) + EPS);
            }
            trainer.predict(x);
            assertTrue(trainer.train(new double[] {LT[k - 1]}));
            assertArrayEquals(ref, trainer.parameters(), 1e-13, "Adam step " + k);
            assertArrayEquals(m, RecordedState.of(adam).get("m"), 1e-15);
            assertArrayEquals(v, RecordedState.of(adam).get("v"), 1e-15);
            if (k == 1) {
                // Bias correction makes the first step lr * g / (|g| + eps): lr against the sign of g.
                for (int i = 0; i < 3; i++) {
                    assertTrue(Math.abs(g[i]) > 0.1);
                    double expected = -lr * Math.signum(g[i]);
                    assertEquals(expected, trainer.parameters()[i] - before[i], lr * 1e-6, "param " + i);
                }
            }
        }
        assertEquals(Math.pow(B1, 3), RecordedState.of(adam).number("beta1Power"), 1e-15);
        assertEquals(Math.pow(B2, 3), RecordedState.of(adam).number("beta2Power"), 1e-15);
    }

    @Test
    void sgdMomentumMatchesHandWrittenReference() {
        double lr = 0.05;
        double mu = 0.9;
        double[] p0 = {0.5, -0.3, 0.1};
        Sgd sgd = new Sgd(3, lr, mu);
        Trainer trainer = new Trainer(linearNet(), Loss.MSE, sgd, p0, 0, 0, 0);
        double[] ref = p0.clone();
        double[] vel = new double[3];
        for (int k = 0; k < LX.length; k++) {
            double[] g = linearGradient(ref, LX[k], LT[k]);
            for (int i = 0; i < 3; i++) {
                vel[i] = mu * vel[i] + g[i];
                ref[i] -= lr * vel[i];
            }
            trainer.predict(LX[k]);
            assertTrue(trainer.train(new double[] {LT[k]}));
            assertArrayEquals(ref, trainer.parameters(), 1e-13, "step " + k);
            assertArrayEquals(vel, RecordedState.of(sgd).get("velocity"), 1e-13, "velocity after step " + k);
        }
        // Momentum really mattered: plain SGD ends elsewhere.
        Trainer plain = new Trainer(linearNet(), Loss.MSE, new Sgd(3, lr, 0.0), p0, 0, 0, 0);
        for (int k = 0; k < LX.length; k++) {
            plain.predict(LX[k]);
            assertTrue(plain.train(new double[] {LT[k]}));
        }
        assertTrue(Math.abs(plain.parameters()[0] - ref[0]) > 1e-3);
    }

    // ---------------------------------------------------------------- L2 and clipping

    @Test
    void l2IsAddedToWeightGradientsButNotToBiases() {
        double lr = 0.1;
        double l2 = 0.25;
        double[] p0 = {0.5, -0.3, 0.1};
        double[] x = {2.0, -1.0};
        Trainer trainer = new Trainer(linearNet(), Loss.MSE, new Sgd(3, lr, 0), p0, l2, 0, 0);
        trainer.predict(x);
        assertTrue(trainer.train(new double[] {1.0}));
        double e = 0.5 * 2 + 0.3 + 0.1 - 1.0; // 0.4
        double[] expected = {
            0.5 - lr * (e * 2.0 + l2 * 0.5),
            -0.3 - lr * (e * -1.0 + l2 * -0.3),
            0.1 - lr * e};                      // no decay on the bias
        assertArrayEquals(expected, trainer.parameters(), 1e-15);
    }

    @Test
    void l2DecaysEveryLayersWeightsAndNoBias() {
        Mlp net = new Mlp(new int[] {3, 4, 2}, new Activation[] {Activation.TANH, Activation.IDENTITY});
        double[] p0 = new double[net.parameterCount()];
        Random r = new Random(3L);
        for (int i = 0; i < p0.length; i++) {
            p0[i] = r.nextGaussian();
        }
        double lr = 0.1;
        double l2 = 0.3;
        double[] x = {0.2, -0.7, 1.1};
        double[] t = {0.5, -0.5};
        Trainer with = new Trainer(net, Loss.MSE, new Sgd(p0.length, lr, 0), p0, l2, 0, 0);
        Trainer without = new Trainer(new Mlp(new int[] {3, 4, 2},
                new Activation[] {Activation.TANH, Activation.IDENTITY}), Loss.MSE, new Sgd(p0.length, lr, 0), p0, 0, 0, 0);
        with.predict(x);
        assertTrue(with.train(t));
        without.predict(x);
        assertTrue(without.train(t));
        for (int l = 0; l < net.layerCount(); l++) {
            for (int i = net.weightOffset(l); i < net.biasOffset(l); i++) {
                assertEquals(-lr * l2 * p0[i], with.parameters()[i] - without.parameters()[i], 1e-14, "weight " + i);
            }
            for (int i = net.biasOffset(l); i < net.biasOffset(l) + net.fanOut(l); i++) {
                assertEquals(without.parameters()[i], with.parameters()[i], 0.0, "bias " + i);
            }
        }
    }

    @Test
    void gradientIsClippedToTheGlobalNorm() {
        double lr = 0.1;
        double[] p0 = {0.5, -0.3, 0.1};
        double[] x = {2.0, -1.0};
        double t = 10.0;
        // e = 1.4 - 10 = -8.6; g = (-17.2, 8.6, -8.6); |g| = 8.6 sqrt(6) ~ 21.07.
        double[] g = {-17.2, 8.6, -8.6};
        double norm = 8.6 * Math.sqrt(6.0);

        Trainer clipped = new Trainer(linearNet(), Loss.MSE, new Sgd(3, lr, 0), p0, 0, 1.0, 0);
        clipped.predict(x);
        assertTrue(clipped.train(new double[] {t}));
        double[] step = new double[3];
        double stepNorm = 0;
        for (int i = 0; i < 3; i++) {
            step[i] = clipped.parameters()[i] - p0[i];
            stepNorm += step[i] * step[i];
            assertEquals(p0[i] - lr * g[i] / norm, clipped.parameters()[i], 1e-14, "param " + i);
        }
        assertEquals(lr * 1.0, Math.sqrt(stepNorm), 1e-14, "step = lr * clipNorm along -g");

        // Below the cap the gradient is untouched.
        Trainer loose = new Trainer(linearNet(), Loss.MSE, new Sgd(3, lr, 0), p0, 0, 25.0, 0);
        loose.predict(x);
        assertTrue(loose.train(new double[] {t}));
        for (int i = 0; i < 3; i++) {
            assertEquals(p0[i] - lr * g[i], loose.parameters()[i], 1e-14);
        }
    }

    @Test
    void clippingAppliesToTheGradientIncludingL2() {
        double lr = 0.1;
        double l2 = 2.0;
        double[] p0 = {0.5, -0.3, 0.1};
        double[] x = {2.0, -1.0};
        double[] g = {-17.2 + l2 * 0.5, 8.6 + l2 * -0.3, -8.6};
        double norm = Math.sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
        double clip = 3.0;
        Trainer trainer = new Trainer(linearNet(), Loss.MSE, new Sgd(3, lr, 0), p0, l2, clip, 0);
        trainer.predict(x);
        assertTrue(trainer.train(new double[] {10.0}));
        for (int i = 0; i < 3; i++) {
            assertEquals(p0[i] - lr * g[i] * clip / norm, trainer.parameters()[i], 1e-14);
        }
    }

    // ---------------------------------------------------------------- refusal

    @Test
    void sgdStepThatOverflowsIsRefusedWithoutTrace() {
        // Step 1 is tiny (e = 1e-160); step 2 has a finite gradient (e ~ -1.3e154, its square still
        // finite) but lr * v overflows, so the optimizer's proposal is non-finite.
        Mlp net = new Mlp(new int[] {1, 1}, new Activation[] {Activation.IDENTITY});
        Sgd sgd = new Sgd(2, 1e155, 0.9);
        Trainer trainer = new Trainer(net, Loss.MSE, sgd, new double[] {0, 0}, 0, 0, 0);
        trainer.predict(new double[] {0});
        assertTrue(trainer.train(new double[] {-1e-160}));
        assertEquals(1, trainer.updates());
        double[] params = trainer.parameters().clone();
        double[] velocity = RecordedState.of(sgd).get("velocity").clone();
        assertTrue(Double.isFinite(params[1]) && params[1] != 0.0);

        trainer.predict(new double[] {0});
        assertFalse(trainer.train(new double[] {1.3e154}));
        assertTrue(Arrays.equals(params, trainer.parameters()));
        assertTrue(Arrays.equals(velocity, RecordedState.of(sgd).get("velocity")));
        assertEquals(1, trainer.updates());
    }

    @Test
    void hugeLearningRateIsRefusedForSgdAndAdam() {
        double[] p0 = {0.5, -0.3, 0.1};
        double[] x = {2.0, -1.0};
        Sgd sgd = new Sgd(3, 1e308, 0.5);
        Trainer s = new Trainer(linearNet(), Loss.MSE, sgd, p0, 0, 0, 0);
        s.predict(x);
        assertFalse(s.train(new double[] {10.0}));
        assertTrue(Arrays.equals(p0, s.parameters()));
        assertTrue(Arrays.equals(new double[3], RecordedState.of(sgd).get("velocity")));
        assertEquals(0, s.updates());

        Adam adam = adam(3, 1e308);
        Trainer a = new Trainer(linearNet(), Loss.MSE, adam, p0, 0, 0, 0.9);
        a.predict(x);
        assertFalse(a.train(new double[] {10.0}));
        assertTrue(Arrays.equals(p0, a.parameters()));
        assertTrue(Arrays.equals(p0, a.average()));
        assertTrue(Arrays.equals(new double[3], RecordedState.of(adam).get("m")));
        assertTrue(Arrays.equals(new double[3], RecordedState.of(adam).get("v")));
        assertEquals(1.0, RecordedState.of(adam).number("beta1Power"), 0.0);
        assertEquals(1.0, RecordedState.of(adam).number("beta2Power"), 0.0);
        assertEquals(0, a.updates());
    }

    /**
     * The finiteness of a step is decided from bounds on the parameters, the optimizer state and
     * the step, and checked element by element only when the bounds cannot rule overflow out.
     * Held against a twin trainer that checks every step element by element: over regression
     * streams whose targets grow from ordinary to near the largest double, with every optimizer
     * and learning rates up to 1e300, both must accept and refuse the same steps and end with the
     * same bits. Both kinds of decision must have happened, or the test would prove nothing.
     */
    @Test
    void boundsRefuseExactlyTheStepsAnElementByElementCheckRefuses() {
        long boundedOnly = 0;
        long refused = 0;
        int scenario = 0;
        for (String kind : new String[] {"sgd", "momentum", "adam"}) {
            for (double lr : new double[] {1e-3, 0.1, 1e10, 1e100, 1e200, 1e300}) {
                scenario++;
                Mlp net = new Mlp(new int[] {2, 3, 1}, new Activation[] {Activation.TANH, Activation.IDENTITY});
                double[] p0 = new double[net.parameterCount()];
                Initializer.xavier(net, p0, scenario);
                Trainer bounded = new Trainer(net, Loss.MSE, optimizer(kind, p0.length, lr), p0, 0, 0, 0);
                Mlp twinNet = new Mlp(new int[] {2, 3, 1}, new Activation[] {Activation.TANH, Activation.IDENTITY});
                Trainer exact = new Trainer(twinNet, Loss.MSE, optimizer(kind, p0.length, lr), p0, 0, 0, 0);
                exact.checkEveryStep();
                Random random = new Random(scenario);
                for (int step = 0; step < 400; step++) {
                    double[] x = {random.nextGaussian(), random.nextGaussian()};
                    // Targets from about 1 to about 1e150: the squared error stays finite, the
                    // steps of the larger learning rates do not.
                    double[] t = {random.nextGaussian() * Math.pow(10, step * 150.0 / 400)};
                    bounded.predict(x);
                    exact.predict(x);
                    long checkedBefore = bounded.exactChecks();
                    boolean accepted = bounded.train(t);
                    assertEquals(exact.train(t), accepted, kind + " lr " + lr + " step " + step);
                    assertTrue(Arrays.equals(exact.parameters(), bounded.parameters()), kind + " lr " + lr + " step " + step);
                    if (!accepted) {
                        refused++;
                    } else if (bounded.exactChecks() == checkedBefore) {
                        boundedOnly++;
                    }
                    for (double p : bounded.parameters()) {
                        assertTrue(Double.isFinite(p));
                    }
                }
            }
        }
        assertTrue(boundedOnly > 1000, "steps decided by the bounds alone: " + boundedOnly);
        assertTrue(refused > 100, "refused steps: " + refused);
    }

    private static Optimizer optimizer(String kind, int n, double lr) {
        return switch (kind) {
            case "sgd" -> new Sgd(n, lr, 0.0);
            case "momentum" -> new Sgd(n, lr, 0.9);
            default -> adam(n, lr);
        };
    }

    /**
     * After some accepted Adam steps, a step whose gradient is not finite (huge or NaN target) is
     * refused and leaves parameters, moments, bias-correction powers, the average and the update
     * count unchanged bit for bit; training then continues exactly as if it had never happened.
     */
    @Test
    void nonFiniteGradientIsRefusedWithoutTraceAndTrainingContinuesIdentically() {
        Mlp net = new Mlp(new int[] {3, 5, 2}, new Activation[] {Activation.TANH, Activation.IDENTITY});
        double[] p0 = new double[net.parameterCount()];
        Initializer.xavier(net, p0, 11L);
        Adam adam = adam(p0.length, 0.01);
        Trainer trainer = new Trainer(net, Loss.MSE, adam, p0, 1e-3, 0, 0.95);
        Adam twinAdam = adam(p0.length, 0.01);
        Trainer twin = new Trainer(new Mlp(new int[] {3, 5, 2},
                new Activation[] {Activation.TANH, Activation.IDENTITY}), Loss.MSE, twinAdam, p0, 1e-3, 0, 0.95);
        Random r = new Random(8L);
        double[][] xs = new double[40][];
        double[][] ts = new double[40][];
        for (int i = 0; i < 40; i++) {
            xs[i] = new double[] {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
            ts[i] = new double[] {xs[i][0] - xs[i][1], xs[i][2] * 0.5};
        }
        for (int i = 0; i < 20; i++) {
            trainer.predict(xs[i]);
            assertTrue(trainer.train(ts[i]));
            twin.predict(xs[i]);
            assertTrue(twin.train(ts[i]));
        }
        double[] params = trainer.parameters().clone();
        double[] average = trainer.average().clone();
        double[] m = RecordedState.of(adam).get("m").clone();
        double[] v = RecordedState.of(adam).get("v").clone();
        double b1p = RecordedState.of(adam).number("beta1Power");
        double b2p = RecordedState.of(adam).number("beta2Power");

        double[][] bad = {{1e200, 0}, {Double.NaN, 0}, {0, Double.POSITIVE_INFINITY}};
        for (double[] target : bad) {
            trainer.predict(xs[20]);
            assertFalse(trainer.train(target), "target " + Arrays.toString(target));
            assertTrue(Arrays.equals(params, trainer.parameters()));
            assertTrue(Arrays.equals(average, trainer.average()));
            assertTrue(Arrays.equals(m, RecordedState.of(adam).get("m")));
            assertTrue(Arrays.equals(v, RecordedState.of(adam).get("v")));
            assertEquals(b1p, RecordedState.of(adam).number("beta1Power"), 0.0);
            assertEquals(b2p, RecordedState.of(adam).number("beta2Power"), 0.0);
            assertEquals(20, trainer.updates());
        }
        for (int i = 20; i < 40; i++) {
            trainer.predict(xs[i]);
            assertTrue(trainer.train(ts[i]));
            twin.predict(xs[i]);
            assertTrue(twin.train(ts[i]));
        }
        assertTrue(Arrays.equals(twin.parameters(), trainer.parameters()));
        assertTrue(Arrays.equals(twin.average(), trainer.average()));
        assertEquals(40, trainer.updates());
    }

    // ---------------------------------------------------------------- averaging

    @Test
    void averageFollowsTheRampedDecayRuleAndIsUsedForPrediction() {
        double decay = 0.95;
        Mlp net = new Mlp(new int[] {3, 4, 1}, new Activation[] {Activation.TANH, Activation.IDENTITY});
        double[] p0 = new double[net.parameterCount()];
        Initializer.xavier(net, p0, 21L);
        Trainer averaged = new Trainer(net, Loss.MSE, new Sgd(p0.length, 0.05, 0), p0, 0, 0, decay);
        Trainer plain = new Trainer(new Mlp(new int[] {3, 4, 1},
                new Activation[] {Activation.TANH, Activation.IDENTITY}), Loss.MSE, new Sgd(p0.length, 0.05, 0),
                p0, 0, 0, 0);
        Mlp probe = new Mlp(new int[] {3, 4, 1}, new Activation[] {Activation.TANH, Activation.IDENTITY});
        assertTrue(Arrays.equals(p0, averaged.average()), "the average starts at the initial parameters");
        assertNull(plain.average(), "no average without decay");

        double[] ref = p0.clone();
        Random r = new Random(4L);
        double maxGap = 0;
        for (int step = 1; step <= 300; step++) {
            double[] x = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
            double[] t = {Math.sin(x[0]) + 0.3 * x[1] * x[2]};

            // predict() is made with the average ...
            double y = averaged.predict(x)[0];
            assertEquals(probe.forward(ref, x)[0], y, 1e-12, "prediction uses the average, step " + step);
            double yTrained = probe.forward(averaged.parameters(), x)[0];
            maxGap = Math.max(maxGap, Math.abs(y - yTrained));
            // ... but training is on the trained parameters, exactly as without averaging.
            assertTrue(averaged.train(t));
            plain.predict(x);
            assertTrue(plain.train(t));
            assertTrue(Arrays.equals(plain.parameters(), averaged.parameters()), "step " + step);

            long tt = averaged.updates();
            assertEquals(step, tt);
            double d = Math.min(decay, (1.0 + tt) / (10.0 + tt));
            if (step == 1) {
                assertEquals(2.0 / 11.0, d, 1e-15);
            }
            for (int i = 0; i < ref.length; i++) {
                ref[i] = d * ref[i] + (1 - d) * averaged.parameters()[i];
            }
            assertArrayEquals(ref, averaged.average(), 1e-13, "average after step " + step);
        }
        // The ramp has reached the cap: (1 + 300) / (10 + 300) > 0.95.
        assertTrue((1.0 + 300) / (10.0 + 300) > decay);
        assertTrue(maxGap > 1e-3, "the average must differ from the trained parameters");
        assertFalse(Arrays.equals(averaged.parameters(), averaged.average()));
        assertNotEquals(averaged.predict(new double[] {0.3, 0.3, 0.3})[0],
                probe.forward(averaged.parameters(), new double[] {0.3, 0.3, 0.3})[0]);
    }

    // ---------------------------------------------------------------- restore

    /**
     * train() trains "on the input of the last predict call", with the current parameters. Without
     * averaging it reuses the activations of that predict; if restore() replaced the parameters in
     * between, those activations belong to the old parameters and the step is computed from a mix
     * of old activations and new weights: readState must make train() forward again.
     */
    @Test
    void trainAfterRestoreUsesTheRestoredParameters() {
        Mlp netA = new Mlp(new int[] {2, 3, 1}, new Activation[] {Activation.TANH, Activation.IDENTITY});
        double[] before = new double[netA.parameterCount()];
        double[] restored = new double[netA.parameterCount()];
        Initializer.xavier(netA, before, 1L);
        Initializer.xavier(netA, restored, 2L);
        double[] x = {0.4, -1.2};
        double[] t = {0.7};

        Trainer trainer = new Trainer(netA, Loss.MSE, new Sgd(before.length, 0.1, 0), before, 0, 0, 0);
        trainer.predict(x);
        trainer.readState(new RecordedState().set("modelVersion", 0).set("weights", restored).reader());
        assertTrue(trainer.train(t));

        Trainer fresh = new Trainer(new Mlp(new int[] {2, 3, 1},
                new Activation[] {Activation.TANH, Activation.IDENTITY}), Loss.MSE,
                new Sgd(before.length, 0.1, 0), restored, 0, 0, 0);
        fresh.predict(x);
        assertTrue(fresh.train(t));
        assertArrayEquals(fresh.parameters(), trainer.parameters(), 1e-15);
    }

    // ---------------------------------------------------------------- relearning after a drift

    /**
     * relearnOutputLayer: the output layer's step is the boost times the optimizer's (30 at first,
     * falling linearly to 1 over 2,000 updates), every hidden parameter's step is the optimizer's
     * own, and the relearning is state: a trainer restored mid-way continues it.
     */
    @Test
    void relearningScalesOnlyTheOutputLayersStepByAFallingBoost() {
        List<double[][]> samples = stream(11, 3000);
        Trainer relearning = adaptive();
        feed(relearning, samples.subList(0, 200));
        relearning.relearnOutputLayer();
        assertEquals(Trainer.OUTPUT_RELEARNING_UPDATES, relearning.outputRelearningLeft());
        int outputFrom = 3 * 6 + 6;
        for (int k = 0; k < 1200; k++) {
            double[][] s = samples.get(200 + k);
            if (k == 0 || k == 500 || k == 1199) {
                // A trainer with the same state, not relearning, takes the plain step.
                RecordedState state = new RecordedState();
                relearning.writeState(state);
                relearning.optimizer().writeState(state);
                Trainer plain = adaptive();
                RecordedState plainState = new RecordedState();
                state.asMap().forEach(plainState::set);
                plainState.set("outputRelearning", 0);
                plain.readState(plainState.reader());
                plain.optimizer().readState(plainState.reader());
                double[] before = relearning.parameters().clone();
                double boost = 1 + 29.0 * relearning.outputRelearningLeft() / Trainer.OUTPUT_RELEARNING_UPDATES;
                plain.predict(s[0]);
                assertTrue(plain.train(s[1]));
                relearning.predict(s[0]);
                assertTrue(relearning.train(s[1]));
                for (int i = 0; i < before.length; i++) {
                    double plainStep = plain.parameters()[i] - before[i];
                    double step = relearning.parameters()[i] - before[i];
                    if (i < outputFrom) {
                        assertEquals(plainStep, step, 0.0, "hidden parameter " + i + " after " + k);
                    } else {
                        assertEquals(boost * plainStep, step, 1e-12 * Math.abs(boost * plainStep) + 1e-15,
                                "output parameter " + i + " after " + k);
                    }
                }
                assertTrue(plain.parameters()[outputFrom] != before[outputFrom]);
            } else {
                relearning.predict(s[0]);
                assertTrue(relearning.train(s[1]));
            }
        }
        assertEquals(Trainer.OUTPUT_RELEARNING_UPDATES - 1200, relearning.outputRelearningLeft());
        feed(relearning, samples.subList(1400, 2300));
        assertEquals(0, relearning.outputRelearningLeft());
    }

    /** A 3-6-3 classifier (seed 5) with Adam and a weight average, built to adapt to drift. */
    private static Trainer adaptive() {
        Mlp net = new Mlp(new int[] {3, 6, 3}, new Activation[] {Activation.TANH, Activation.SOFTMAX});
        double[] params = new double[net.parameterCount()];
        Initializer.xavier(net, params, 5);
        return new Trainer(net, Loss.CROSS_ENTROPY, adam(params.length, 0.01), params, 0, 0, 0.99, true);
    }
}
