package streamlearn.nn;

import java.util.Random;

/**
 * Seeded weight initialisation. Biases start at zero. {@link Random} is used because its
 * algorithm is fixed by the Java specification: the same seed gives the same network on every
 * JVM, which the model's determinism rests on.
 */
public final class Initializer {
    private Initializer() {
    }

    /** He: N(0, 2 / fan_in), suited to ReLU layers. */
    public static void he(Mlp net, double[] params, long seed) {
        Random random = new Random(seed);
        for (int l = 0; l < net.layerCount(); l++) {
            double std = Math.sqrt(2.0 / net.fanIn(l));
            int n = net.fanIn(l) * net.fanOut(l);
            for (int i = 0; i < n; i++) {
                params[net.weightOffset(l) + i] = std * random.nextGaussian();
            }
        }
    }

    /** Xavier/Glorot uniform: U(-r, r) with r = sqrt(6 / (fan_in + fan_out)), for sigmoid and tanh. */
    public static void xavier(Mlp net, double[] params, long seed) {
        Random random = new Random(seed);
        for (int l = 0; l < net.layerCount(); l++) {
            double r = Math.sqrt(6.0 / (net.fanIn(l) + net.fanOut(l)));
            int n = net.fanIn(l) * net.fanOut(l);
            for (int i = 0; i < n; i++) {
                params[net.weightOffset(l) + i] = r * (2.0 * random.nextDouble() - 1.0);
            }
        }
    }
}
