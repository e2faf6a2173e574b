package streamlearn.model;

import java.util.List;
import streamlearn.nn.Initializer;
import streamlearn.nn.Mlp;

/** The spec's {@code "init"}: how a fresh model's weights are set. */
public sealed interface InitSpec {

    /** Writes the initial parameters of {@code net} into {@code params} (biases start at 0). */
    void initialise(Mlp net, double[] params);

    /** He: Gaussian, scaled for ReLU layers; seeded, so every JVM builds the same network. */
    record He(long seed) implements InitSpec {
        @Override
        public void initialise(Mlp net, double[] params) {
            Initializer.he(net, params, seed);
        }
    }

    /** Xavier/Glorot uniform, for sigmoid and tanh layers; seeded. */
    record Xavier(long seed) implements InitSpec {
        @Override
        public void initialise(Mlp net, double[] params) {
            Initializer.xavier(net, params, seed);
        }
    }

    /** Given weights, one entry per layer (checked against the layers' shapes when parsed). */
    record Explicit(List<LayerWeights> layers) implements InitSpec {
        @Override
        public void initialise(Mlp net, double[] params) {
            for (int l = 0; l < layers.size(); l++) {
                layers.get(l).writeInto(net, params, l);
            }
        }
    }

    /** One layer's weights: {@code w[neuron][input]} and {@code b[neuron]}, as in {@code z = W x + b}. */
    record LayerWeights(double[][] w, double[] b) {
        void writeInto(Mlp net, double[] params, int layer) {
            int in = net.fanIn(layer);
            for (int i = 0; i < w.length; i++) {
                System.arraycopy(w[i], 0, params, net.weightOffset(layer) + i * in, in);
            }
            System.arraycopy(b, 0, params, net.biasOffset(layer), b.length);
        }
    }
}
