package streamlearn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backpropagation against central finite differences of {@link Loss#value}, on seeded random
 * 3-5-4-k networks, for every hidden activation crossed with every valid output/loss pair.
 *
 * <p>ReLU and leaky ReLU are not differentiable at 0. A sample (network + input) in which any
 * pre-activation of a (leaky) ReLU layer lies within {@link #KINK_MARGIN} of 0 is skipped and the
 * next one drawn from the same seeded generator, so the samples are deterministic and the
 * +-h perturbations (which move a pre-activation by far less than the margin) never cross a kink.
 */
class GradientCheckTest {

    private static final double H = 1e-6;
    private static final double KINK_MARGIN = 1e-4;
    private static final double REL_TOL = 1e-6;
    /** Components whose size is at the level of finite-difference noise are compared absolutely. */
    private static final double ABS_FLOOR = 1e-8;
    private static final int SAMPLES = 5;

    private static final Activation[] HIDDEN = {
        Activation.RELU, Activation.LEAKY_RELU, Activation.SIGMOID, Activation.TANH, Activation.IDENTITY};

    /** Valid (output activation, loss, output width, target kind) combinations. */
    private static final Object[][] OUTPUTS = {
        {Activation.SOFTMAX, Loss.CROSS_ENTROPY, 3, "onehot"},
        {Activation.SOFTMAX, Loss.CROSS_ENTROPY, 4, "distribution"},
        {Activation.SIGMOID, Loss.BINARY_CROSS_ENTROPY, 1, "binary"},
        {Activation.SIGMOID, Loss.BINARY_CROSS_ENTROPY, 3, "binary"},
        {Activation.IDENTITY, Loss.MSE, 2, "real"},
        {Activation.SIGMOID, Loss.MSE, 2, "unit"},
        {Activation.TANH, Loss.MSE, 3, "real"},
        {Activation.RELU, Loss.MSE, 3, "real"},
        {Activation.LEAKY_RELU, Loss.MSE, 3, "real"},
        {Activation.SOFTMAX, Loss.MSE, 3, "distribution"},
    };

    static Stream<Arguments> combinations() {
        List<Arguments> list = new ArrayList<>();
        for (Activation hidden : HIDDEN) {
            for (Object[] o : OUTPUTS) {
                list.add(Arguments.of(hidden, o[0], o[1], o[2], o[3]));
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} hidden, {1} out, {2}, k={3}")
    @MethodSource("combinations")
    void backwardMatchesFiniteDifferences(Activation hidden, Activation out, Loss loss, int k, String targetKind) {
        int[] sizes = {3, 5, 4, k};
        Activation[] acts = {hidden, hidden, out};
        Mlp net = new Mlp(sizes, acts);
        long seed = 31L * hidden.ordinal() + 1009L * out.ordinal() + 7919L * loss.ordinal() + k;
        Random random = new Random(seed);
        int checked = 0;
        int drawn = 0;
        while (checked < SAMPLES) {
            if (++drawn > 1000) {
                fail("could not draw kink-free samples with a non-trivial gradient");
            }
            double[] params = new double[net.parameterCount()];
            for (int i = 0; i < params.length; i++) {
                params[i] = random.nextGaussian() * 0.8;
            }
            double[] x = new double[3];
            for (int i = 0; i < x.length; i++) {
                x[i] = random.nextGaussian() * 1.5;
            }
            double[] t = target(targetKind, k, random);
            if (nearKink(net, params, x)) {
                continue;
            }
            if (checkSample(net, loss, params, x, t)) {
                checked++;
            }
        }
    }

    /**
     * Compares the full analytic gradient with central differences. Returns false (sample skipped)
     * when the gradient is too small for the comparison to mean anything, e.g. every output ReLU
     * is off or a sigmoid output is saturated.
     */
    private static boolean checkSample(Mlp net, Loss loss, double[] params, double[] x, double[] t) {
        int k = net.outputSize();
        Activation out = net.outputActivation();
        net.forward(params, x);
        double[] delta = new double[k];
        loss.outputDelta(out, net.outputPreActivation(), net.lastOutput(), t, delta, k);
        double[] analytic = new double[params.length];
        net.backward(params, delta, analytic);
        double norm = 0;
        for (double g : analytic) {
            norm += g * g;
        }
        if (Math.sqrt(norm) < 1e-3) {
            return false;
        }
        // Round-off of a central difference is about eps |L| / h (~2e-10 |L| here); allow 5x that.
        double noise = Math.max(ABS_FLOOR, 1e-9 * Math.abs(lossAt(net, loss, params, x, t)));
        for (int i = 0; i < params.length; i++) {
            double saved = params[i];
            params[i] = saved + H;
            double plus = lossAt(net, loss, params, x, t);
            params[i] = saved - H;
            double minus = lossAt(net, loss, params, x, t);
            params[i] = saved;
            double numeric = (plus - minus) / (2 * H);
            double scale = Math.max(Math.abs(analytic[i]), Math.abs(numeric));
            assertEquals(numeric, analytic[i], REL_TOL * scale + noise, "dL/dθ[" + i + "]");
        }
        return true;
    }
    private static double lossAt(Mlp net, Loss loss, double[] params, double[] x, double[] t) {
        double[] a = net.forward(params, x);
        return loss.value(net.outputActivation(), net.outputPreActivation(), a, t, net.outputSize());
    }

    /** True when a (leaky) ReLU layer has a pre-activation within the kink margin of 0. */
    private static boolean nearKink(Mlp net, double[] params, double[] x) {
        // Recompute the pre-activations layer by layer with our own loop (Mlp keeps them private).
        double[] input = x;
        for (int l = 0; l < net.layerCount(); l++) {
            int in = net.fanIn(l);
            int outN = net.fanOut(l);
            double[] z = new double[outN];
            for (int i = 0; i < outN; i++) {
                double s = params[net.biasOffset(l) + i];
                for (int j = 0; j < in; j++) {
                    s += params[net.weightOffset(l) + i * in + j] * input[j];
                }
                z[i] = s;
            }
            Activation f = net.activation(l);
            if (f == Activation.RELU || f == Activation.LEAKY_RELU) {
                for (double zi : z) {
                    if (Math.abs(zi) < KINK_MARGIN) {
                        return true;
                    }
                }
            }
            double[] a = new double[outN];
            f.forward(z, a, outN);
            input = a;
        }
        return false;
    }

    private static double[] target(String kind, int k, Random random) {
        double[] t = new double[k];
        switch (kind) {
            case "onehot" -> t[random.nextInt(k)] = 1.0;
            case "distribution" -> {
                double sum = 0;
                for (int i = 0; i < k; i++) {
                    t[i] = random.nextDouble() + 0.05;
                    sum += t[i];
                }
                for (int i = 0; i < k; i++) {
                    t[i] /= sum;
                }
            }
            case "binary" -> {
                for (int i = 0; i < k; i++) {
                    t[i] = random.nextBoolean() ? 1.0 : 0.0;
                }
            }
            case "unit" -> {
                for (int i = 0; i < k; i++) {
                    t[i] = random.nextDouble();
                }
            }
            case "real" -> {
                for (int i = 0; i < k; i++) {
                    t[i] = random.nextGaussian();
                }
            }
            default -> throw new IllegalArgumentException(kind);
        }
        return t;
    }

    // ------------------------------------------------------- fused vs generic output delta

    /**
     * For the canonical pairs {@link Loss#outputDelta} short-circuits to a - t. It must agree with
     * the generic chain dL/da ({@link Loss#gradient}) then the activation's Jacobian
     * ({@link Activation#backward}), and with finite differences of the loss in z.
     */
    @Test
    void fusedOutputDeltaEqualsGenericChain() {
        Object[][] pairs = {
            {Activation.SOFTMAX, Loss.CROSS_ENTROPY, "onehot"},
            {Activation.SOFTMAX, Loss.CROSS_ENTROPY, "distribution"},
            {Activation.SIGMOID, Loss.BINARY_CROSS_ENTROPY, "binary"},
            {Activation.SIGMOID, Loss.BINARY_CROSS_ENTROPY, "unit"},
            {Activation.IDENTITY, Loss.MSE, "real"},
        };
        Random random = new Random(20240611L);
        for (Object[] pair : pairs) {
            Activation out = (Activation) pair[0];
            Loss loss = (Loss) pair[1];
            assertTrue(loss.fusesWith(out), loss + " should fuse with " + out);
            for (int trial = 0; trial < 200; trial++) {
                int k = 1 + random.nextInt(6);
                if (out == Activation.SOFTMAX && k == 1) {
                    k = 2;
                }
                double[] z = new double[k];
                for (int i = 0; i < k; i++) {
                    z[i] = random.nextGaussian() * 2.0;
                }
                double[] a = new double[k];
                out.forward(z, a, k);
                double[] t = target((String) pair[2], k, random);

                double[] fused = new double[k];
                loss.outputDelta(out, z, a, t, fused, k);
                double[] generic = new double[k];
                loss.gradient(a, t, generic, k);
                out.backward(z, a, generic, generic, k);

                for (int i = 0; i < k; i++) {
                    assertEquals(a[i] - t[i], fused[i], 0.0, "fused delta is a - t");
                    assertEquals(generic[i], fused[i], 1e-9 * Math.max(1, Math.abs(generic[i])),
                            out + "/" + loss + " component " + i);
                    // and both are the derivative of the loss in z
                    double saved = z[i];
                    double[] ap = new double[k];
                    z[i] = saved + H;
                    out.forward(z, ap, k);
                    double plus = loss.value(out, z, ap, t, k);
                    z[i] = saved - H;
                    out.forward(z, ap, k);
                    double minus = loss.value(out, z, ap, t, k);
                    z[i] = saved;
                    assertEquals((plus - minus) / (2 * H), fused[i], 1e-7, "finite difference in z" + i);
                }
            }
        }
    }

    /** The non-fused pairs really take the generic path: their delta is not a - t. */
    @Test
    void nonCanonicalPairsAreNotFused() {
        double[] z = {0.3, -1.2, 0.7};
        double[] a = new double[3];
        double[] t = {0.2, 0.5, 0.3};
        Activation.SOFTMAX.forward(z, a, 3);
        assertFalse(Loss.MSE.fusesWith(Activation.SOFTMAX));
        double[] delta = new double[3];
        Loss.MSE.outputDelta(Activation.SOFTMAX, z, a, t, delta, 3);
        // Hand-written softmax Jacobian-vector product: dz_i = sum_j a_j (δ_ij - a_i) (a_j - t_j).
        for (int i = 0; i < 3; i++) {
            double expected = 0;
            for (int j = 0; j < 3; j++) {
                double jac = a[i] * ((i == j ? 1 : 0) - a[j]);
                expected += jac * (a[j] - t[j]);
            }
            assertEquals(expected, delta[i], 1e-15);
            assertTrue(Math.abs(delta[i] - (a[i] - t[i])) > 1e-3, "must differ from a - t");
        }
    }
}
