package streamlearn.bench;

import java.util.SplittableRandom;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.SpecJson;
import streamlearn.model.ModelSpec;
import streamlearn.model.OnlineModel;
import streamlearn.model.Reading;

/**
 * Inputs and specs shared by the benchmarks. Every input is generated once, before measuring,
 * into a ring of {@link #RING} readings that a benchmark walks through, so that what is measured
 * is the model and not the making of its input.
 */
final class BenchData {
    /** Readings in a ring; a power of two so that the next index is a mask, not a division. */
    static final int RING = 4096;
    static final int MASK = RING - 1;
    static final long SEED = 20240607L;

    /** Labeled steps taken before measuring, so the model is in a trained, steady state. */
    static final int PRETRAIN_STEPS = 20 * RING;

    /** The sensor classifier 2-16-3: ReLU hidden layer, softmax output, cross-entropy, plain SGD. */
    static final String SPEC_2_16_3_SGD = """
            {"features": ["temperature", "vibration"],
             "classes": ["normal", "warning", "critical"],
             "layers": [{"units": 16, "activation": "relu"}, {"units": 3, "activation": "softmax"}],
             "loss": "cross_entropy",
             "init": {"type": "he", "seed": 42},
             "optimizer": {"type": "sgd", "learningRate": 0.05}}
            """;

    /** The same network trained with Adam. */
    static final String SPEC_2_16_3_ADAM = """
            {"features": ["temperature", "vibration"],
             "classes": ["normal", "warning", "critical"],
             "layers": [{"units": 16, "activation": "relu"}, {"units": 3, "activation": "softmax"}],
             "loss": "cross_entropy",
             "init": {"type": "he", "seed": 42},
             "optimizer": {"type": "adam", "learningRate": 0.01}}
            """;

    /** A wider and deeper network on eight features: 8-64-64-3, ReLU, ReLU, softmax, SGD. */
    static final String SPEC_8_64_64_3 = """
            {"features": ["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"],
             "classes": ["normal", "warning", "critical"],
             "layers": [{"units": 64, "activation": "relu"}, {"units": 64, "activation": "relu"},
                        {"units": 3, "activation": "softmax"}],
             "loss": "cross_entropy",
             "init": {"type": "he", "seed": 42},
             "optimizer": {"type": "sgd", "learningRate": 0.05}}
            """;

    private BenchData() {
    }

    /** The spec a benchmark parameter names. */
    static ModelSpec spec(String name) {
        return switch (name) {
            case "2-16-3-sgd" -> SpecJson.parse(SPEC_2_16_3_SGD);
            case "2-16-3-adam" -> SpecJson.parse(SPEC_2_16_3_ADAM);
            case "default" -> SpecJson.defaultSpec();
            case "single-2-16-16-3-adam-avg" -> SpecJson.parse(readSpec("specs/single.json"));
            case "8-64-64-3-sgd" -> SpecJson.parse(SPEC_8_64_64_3);
            default -> throw new IllegalArgumentException("unknown spec " + name);
        };
    }

    /** A spec file of the checkout (benchmarks run from its root). */
    static String readSpec(String path) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of(path));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("run the benchmarks from the checkout's root: " + path, e);
        }
    }

    /**
     * A ring of labeled readings for a spec of {@code features} inputs: the seeds' sensor stream
     * for two features, a seeded random stream with a learnable three-class rule otherwise.
     */
    static Reading[] labeledRing(int features) {
        Reading[] ring = new Reading[RING];
        if (features == 2) {
            SensorReadingGenerator generator = new SensorReadingGenerator(SEED, 8, 0.0);
            for (int i = 0; i < RING; i++) {
                ring[i] = new Reading(2);
                generator.next(ring[i], 1_700_000_000_000L + i);
            }
            return ring;
        }
        SplittableRandom random = new SplittableRandom(SEED);
        double[] x = new double[features];
        for (int i = 0; i < RING; i++) {
            double score = 0.0;
            for (int f = 0; f < features; f++) {
                // Centred features of different scales.
                x[f] = (f + 1) * (random.nextDouble() * 2.0 - 1.0);
                score += (f % 2 == 0 ? 1.0 : -0.5) * x[f] / (f + 1);
            }
            int label = score < -0.5 ? 0 : score < 0.5 ? 1 : 2;
            ring[i] = new Reading(features).set("sensor-" + (i % 8), 1_700_000_000_000L + i, x, label);
        }
        return ring;
    }

    /** The same readings without their labels: stepping on one only predicts. */
    static Reading[] unlabeled(Reading[] labeled) {
        Reading[] ring = new Reading[labeled.length];
        for (int i = 0; i < labeled.length; i++) {
            Reading r = labeled[i];
            ring[i] = new Reading(r.features().length)
                    .set(r.sensorId(), r.timestamp(), r.features(), Reading.UNLABELED);
        }
        return ring;
    }

    /** Trains a fresh model on the ring so that measuring starts from a steady state. */
    static void pretrain(OnlineModel model, Reading[] labeled) {
        for (int i = 0; i < PRETRAIN_STEPS; i++) {
            model.step(labeled[i & MASK]);
        }
    }
}
