package streamlearn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static streamlearn.model.SeedExamples.PRINTED_4;
import static streamlearn.model.SeedExamples.SEED_000_LOSSES;
import static streamlearn.model.SeedExamples.SEED_000_PREDICTIONS;
import static streamlearn.model.SeedExamples.SEED_000_READING;
import static streamlearn.model.SeedExamples.SEED_000_SPEC;
import static streamlearn.model.SeedExamples.SEED_002_READING;
import static streamlearn.model.SeedExamples.SEED_002_SPEC;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.SpecJson;

/** OnlineModel against the seeds' worked examples, determinism, unlabeled readings and divergence. */
class OnlineModelTest {
    // ------------------------------------------------------------ an independent reference

    /** A plain 2-3-1 ReLU/identity network with MSE and SGD, written out as in the seed's numpy code. */
    static final class Seed000Reference {
        double[][] w1 = {{1, 2}, {-3, 4}, {1, -1}};
        double[] b1 = {1, 2, 0};
        double[] w2 = {1, 2, 3};
        double b2 = 1;
        double prediction;
        double loss;

        void step(double[] x, double target, double lr) {
            double[] u = new double[3];
            double[] z = new double[3];
            double y = b2;
            for (int i = 0; i < 3; i++) {
                u[i] = w1[i][0] * x[0] + w1[i][1] * x[1] + b1[i];
                z[i] = Math.max(0, u[i]);
                y += w2[i] * z[i];
            }
            prediction = y;
            loss = 0.5 * (y - target) * (y - target);
            double dy = y - target;
            double[] du = new double[3];
            for (int i = 0; i < 3; i++) {
                du[i] = u[i] > 0 ? dy * w2[i] : 0.0;
            }
            for (int i = 0; i < 3; i++) {
                w2[i] -= lr * dy * z[i];
                for (int j = 0; j < 2; j++) {
                    w1[i][j] -= lr * du[i] * x[j];
                }
                b1[i] -= lr * du[i];
            }
            b2 -= lr * dy;
        }
    }

    @Test
    void seed000TenStepsMatchTheSeedAndAnIndependentComputation() {
        ModelSpec spec = SpecJson.parse(SEED_000_SPEC);
        OnlineModel model = OnlineModel.create(spec);
        Reading reading = SeedExamples.read(spec, SEED_000_READING);
        Seed000Reference ref = new Seed000Reference();
        for (int epoch = 0; epoch < 10; epoch++) {
            StepResult r = model.step(reading);
            ref.step(new double[] {1, 2}, 3, 0.01);
            assertEquals(Outcome.TRAINED, r.outcome(), "epoch " + epoch);
            assertEquals(epoch, r.modelVersion(), "modelVersion at prediction time, epoch " + epoch);
            assertEquals(epoch + 1, model.modelVersion());
            assertTrue(r.labeled());
            assertEquals(3.0, r.target());
            assertEquals(SEED_000_PREDICTIONS[epoch], r.predictedValue(), PRINTED_4, "seed prediction, epoch " + epoch);
            assertEquals(SEED_000_LOSSES[epoch], r.loss(), PRINTED_4, "seed loss, epoch " + epoch);
            assertEquals(ref.prediction, r.predictedValue(), 1e-9, "reference prediction, epoch " + epoch);
            assertEquals(ref.loss, r.loss(), 1e-9, "reference loss, epoch " + epoch);
        }
        // The first step is exact in binary floating point: 21 and 162.
        // The weights after ten steps, rows = neurons.
        JsonNode weights = ModelSnapshot.toJson(model).get("weights");
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 2; j++) {
                assertEquals(ref.w1[i][j], weights.get(0).get("W").get(i).get(j).asDouble(), 1e-9);
            }
            assertEquals(ref.b1[i], weights.get(0).get("b").get(i).asDouble(), 1e-9);
            assertEquals(ref.w2[i], weights.get(1).get("W").get(0).get(i).asDouble(), 1e-9);
        }
        assertEquals(ref.b2, weights.get(1).get("b").get(0).asDouble(), 1e-9);
        // The dead third neuron (pre-activation -1, then still negative) never moves.
        assertEquals(1.0, weights.get(0).get("W").get(2).get(0).asDouble());
        assertEquals(-1.0, weights.get(0).get("W").get(2).get(1).asDouble());
        assertEquals(0.0, weights.get(0).get("b").get(2).asDouble());
    }

    @Test
    void seed000FirstStepIsExactAndUpdatesAsTheSeedSays() {
        ModelSpec spec = SpecJson.parse(SEED_000_SPEC);
        OnlineModel model = OnlineModel.create(spec);
        StepResult r = model.step(SeedExamples.read(spec, SEED_000_READING));
        assertEquals(21.0, r.predictedValue());
        assertEquals(162.0, r.loss());
        JsonNode w = ModelSnapshot.toJson(model).get("weights");
        // W_in,new = [[0.82,1.64],[-3.36,3.28],[1,-1]], b_in,new = [0.82,1.64,0],
        // W_out,new = [-0.08,0.74,3], b_out,new = 0.82.
        double[][] w1 = {{0.82, 1.64}, {-3.36, 3.28}, {1, -1}};
        double[] b1 = {0.82, 1.64, 0};
        double[] w2 = {-0.08, 0.74, 3};
        for (int i = 0; i < 3; i++) {
            assertEquals(w1[i][0], w.get(0).get("W").get(i).get(0).asDouble(), 1e-12);
            assertEquals(w1[i][1], w.get(0).get("W").get(i).get(1).asDouble(), 1e-12);
            assertEquals(b1[i], w.get(0).get("b").get(i).asDouble(), 1e-12);
            assertEquals(w2[i], w.get(1).get("W").get(0).get(i).asDouble(), 1e-12);
        }
        assertEquals(0.82, w.get(1).get("b").get(0).asDouble(), 1e-12);
    }

    @Test
    void seed002OneStepMatchesTheSeed() {
        ModelSpec spec = SpecJson.parse(SEED_002_SPEC);
        OnlineModel model = OnlineModel.create(spec);
        StepResult r = model.step(SeedExamples.read(spec, SEED_002_READING));

        // Independent computation: z2 = [0.895, -0.895].
        double p0 = 1.0 / (1.0 + Math.exp(-1.79));
        double p1 = 1.0 - p0;
        assertEquals(Outcome.TRAINED, r.outcome());
        assertEquals(0, r.modelVersion());
        assertEquals(1, model.modelVersion());
        assertEquals(0, r.predicted(), "predicted class 0: the wrong one");
        assertEquals(1, r.label());
        assertFalse(r.correct());
        assertEquals(0.857, r.probabilities()[0], 0.5e-3);
        assertEquals(0.143, r.probabilities()[1], 0.5e-3);
        assertEquals(p0, r.probabilities()[0], 1e-12);
        assertEquals(p1, r.probabilities()[1], 1e-12);
        assertEquals(1.0, r.probabilities()[0] + r.probabilities()[1], 1e-15);
        assertEquals(1.944, r.loss(), 0.5e-3);
        assertEquals(-Math.log(p1), r.loss(), 1e-12);

        // dL/dz2 = [p0, -p0]; dL/da1 = W2^T dz2 = [-1.4 p0, 1.6 p0, p0]; ReLU gate [0,1,1]; x = [0.5, 0.5].
        JsonNode w = ModelSnapshot.toJson(model).get("weights");
        JsonNode w1 = w.get(0).get("W");
        // The seed, transposed to rows = neurons: [[-0.6,-0.6],[0.59315,0.69315],[0.39572,0.49572]] (5 decimals).
        double[][] seed = {{-0.6, -0.6}, {0.59315, 0.69315}, {0.39572, 0.49572}};
        double[][] exact = {
                {-0.6, -0.6},
                {0.6 - 0.01 * 1.6 * p0 * 0.5, 0.7 - 0.01 * 1.6 * p0 * 0.5},
                {0.4 - 0.01 * p0 * 0.5, 0.5 - 0.01 * p0 * 0.5}};
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 2; j++) {
                double actual = w1.get(i).get(j).asDouble();
                assertEquals(seed[i][j], actual, 1e-5, "W1[" + i + "][" + j + "] vs the seed");
                assertEquals(exact[i][j], actual, 1e-12, "W1[" + i + "][" + j + "]");
            }
        }
        // The dead neuron 0 is untouched, exactly.
        assertEquals(-0.6, w1.get(0).get(0).asDouble());
        assertEquals(-0.6, w1.get(0).get(1).asDouble());
        double[] b1 = {0.3, 0.5 - 0.01 * 1.6 * p0, 0.3 - 0.01 * p0};
        for (int i = 0; i < 3; i++) {
            assertEquals(b1[i], w.get(0).get("b").get(i).asDouble(), 1e-12, "b1[" + i + "]");
        }
        // dL/dW2 = dz2 a1^T with a1 = [0, 1.15, 0.75] (the seed: [[0,0.986,0.643],[0,-0.986,-0.643]]).
        double[] a1 = {0, 1.15, 0.75};
        double[][] w2 = {{-0.7, 0.8, 0.5}, {0.7, -0.8, -0.5}};
        double[] dz2 = {p0, -p0};
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(w2[i][j] - 0.01 * dz2[i] * a1[j], w.get(1).get("W").get(i).get(j).asDouble(), 1e-12,
                        "W2[" + i + "][" + j + "]");
            }
        }
        assertEquals(-0.4 - 0.01 * p0, w.get(1).get("b").get(0).asDouble(), 1e-12);
        assertEquals(0.4 + 0.01 * p0, w.get(1).get("b").get(1).asDouble(), 1e-12);
    }

    // ------------------------------------------------------------ determinism

    static final String ADAM_AVERAGED = """
            {"features":["temperature","vibration"],"classes":["normal","warning","critical"],
             "layers":[{"units":8,"activation":"tanh"},{"units":3,"activation":"softmax"}],
             "loss":"cross_entropy","init":{"type":"xavier","seed":7},
             "optimizer":{"type":"adam","learningRate":0.01},"clipNorm":1.0,"l2":0.0001,
             "standardize":true,"averaging":{"decay":0.99}}""";

    @Test
    void twoModelsFromOneSpecOnOneStreamAreBitIdentical() {
        for (String json : new String[] {ADAM_AVERAGED, SEED_002_SPEC.replace("\"x1\",\"x2\"", "\"temperature\",\"vibration\"")
                .replace("\"c0\",\"c1\"", "\"normal\",\"warning\"")}) {
            ModelSpec spec = SpecJson.parse(json);
            OnlineModel a = OnlineModel.create(spec);
            OnlineModel b = OnlineModel.create(SpecJson.parse(json));
            assertArrayEquals(ModelSnapshot.toBytes(a), ModelSnapshot.toBytes(b));
            SensorReadingGenerator gen = new SensorReadingGenerator(11, 4, 0.3);
            Reading reading = new Reading(2);
            int classes = spec.classes().size();
            for (int i = 0; i < 3000; i++) {
                gen.next(reading, i);
                if (reading.label >= classes) {
                    reading.label = classes - 1;
                }
                StepResult ra = a.step(reading);
                double[] pa = ra.probabilities().clone();
                Outcome oa = ra.outcome();
                StepResult rb = b.step(reading);
                assertEquals(oa, rb.outcome());
                for (int c = 0; c < classes; c++) {
                    assertEquals(Double.doubleToLongBits(pa[c]), Double.doubleToLongBits(rb.probabilities()[c]), "step " + i);
                }
            }
            assertTrue(a.modelVersion() > 1000);
            assertArrayEquals(ModelSnapshot.toBytes(a), ModelSnapshot.toBytes(b));
        }
    }

    /**
     * The reaction docs/QUALITY.md measured: at a detected drift the average restarts from the
     * trained weights and the scaler weighs its past as a few hundred readings; the event says
     * what was seen and done. A stationary stream of the same length sees none.
     */
    @Test
    void aDetectedDriftRestartsTheAverageAndLetsTheScalerRelearn() {
        for (boolean hotter : new boolean[] {true, false}) {
            OnlineModel model = OnlineModel.create(TestSpecs.singleNetwork());
            SensorReadingGenerator gen = new SensorReadingGenerator(4, 16, 0.0);
            Reading reading = new Reading(2);
            DriftEvent event = null;
            int at = -1;
            for (int i = 0; i < 40_000 && event == null; i++) {
                gen.drift(hotter && i >= 30_000);
                gen.next(reading, i);
                event = model.step(reading).drift();
                at = i;
            }
            if (!hotter) {
                assertEquals(null, event, "a drift on a stationary stream");
                assertEquals(0, model.drifts());
                continue;
            }
            assertTrue(event != null && at > 30_000 && at < 31_000, "detected at " + at);
            assertEquals(java.util.List.of(DriftEvent.SCALER_RELEARNING, DriftEvent.AVERAGE_RESTARTED,
                    DriftEvent.OUTPUT_LAYER_RELEARNING), event.actions());
            assertEquals(streamlearn.nn.Trainer.OUTPUT_RELEARNING_UPDATES, model.trainer().outputRelearningLeft());
            assertEquals(DriftSpec.ADWIN, event.detector());
            assertEquals(model.modelVersion(), event.modelVersion());
            assertTrue(event.errorAfter() > 2 * event.errorBefore(), event.toString());
            assertTrue(event.recentReadings() > 0 && event.recentReadings() < at - 30_000 + 300, event.toString());
            assertEquals(1, model.drifts());
            assertEquals(OnlineModel.SCALER_MEMORY_AFTER_DRIFT, model.scaler().count());
            assertArrayEquals(model.trainer().parameters(), model.trainer().average());
            // The first readings after it move the scaler as the 201st, 202nd... reading would.
            double mean = model.scaler().mean(0);
            gen.next(reading, at + 1);
            double x = reading.features()[0];
            model.step(reading);
            assertEquals(mean + (x - mean) / (OnlineModel.SCALER_MEMORY_AFTER_DRIFT + 1), model.scaler().mean(0), 1e-9);
        }
    }

    /**
     * A rise of the error that ADWIN finds significant but that is smaller than
     * {@link OnlineModel#MIN_ERROR_RISE} is no drift: from reading 20,000 on, 3% of the labels are
     * flipped at random (about 3% error becomes 5.5%); the detector cuts its window, the learner
     * does not react. The same flips at 30% are a drift.
     */
    @Test
    void aSmallRiseOfTheErrorIsNotADrift() {
        for (double flipped : new double[] {0.03, 0.30}) {
            OnlineModel model = OnlineModel.create(SpecJson.defaultSpec());
            SensorReadingGenerator gen = new SensorReadingGenerator(6, 16, 0.0);
            java.util.SplittableRandom noise = new java.util.SplittableRandom(6);
            Reading reading = new Reading(2);
            long wrongBefore = 0;
            long wrongAfter = 0;
            for (int i = 0; i < 40_000; i++) {
                gen.next(reading, i);
                if (i >= 20_000 && noise.nextDouble() < flipped) {
                    reading.setLabel((reading.label() + 1 + noise.nextInt(2)) % 3);
                }
                boolean correct = model.step(reading).correct();
                if (i >= 10_000 && i < 20_000) {
                    wrongBefore += correct ? 0 : 1;
                } else if (i >= 30_000) {
                    wrongAfter += correct ? 0 : 1;
                }
            }
            String measured = String.format("%.0f%% flipped: error %.4f -> %.4f, %d drifts", 100 * flipped,
                    wrongBefore / 10_000.0, wrongAfter / 10_000.0, model.drifts());
            if (flipped < 0.1) {
                double rise = (wrongAfter - wrongBefore) / 10_000.0;
                assertTrue(rise > 0.02 && rise < OnlineModel.MIN_ERROR_RISE, measured);
                assertEquals(0, model.drifts(), measured);
            } else {
                assertTrue(model.drifts() >= 1, measured);
            }
        }
    }

    /** Regression watches loss / (1 + loss): a target that jumps is a drift too. */
    @Test
    void aRegressionModelDetectsAJumpInItsTarget() {
        OnlineModel model = OnlineModel.create(SpecJson.parse("""
                {"task":"regression","features":["x"],
                 "layers":[{"units":8,"activation":"relu"},{"units":1,"activation":"identity"}],
                 "loss":"mse","optimizer":{"type":"adam","learningRate":0.01},
                 "drift":{"detector":"adwin"}}"""));
        java.util.SplittableRandom random = new java.util.SplittableRandom(2);
        Reading reading = new Reading(1);
        int detectedAt = -1;
        for (int i = 0; i < 30_000 && detectedAt < 0; i++) {
            double x = random.nextDouble();
            reading.set("s", i, new double[] {x}, Reading.UNLABELED);
            reading.setTarget(2 * x + 0.1 * random.nextGaussian() + (i >= 20_000 ? 3.0 : 0.0));
            DriftEvent event = model.step(reading).drift();
            if (event != null) {
                detectedAt = i;
                assertEquals(java.util.List.of(DriftEvent.SCALER_RELEARNING, DriftEvent.OUTPUT_LAYER_RELEARNING),
                        event.actions(), "no average to restart");
            }
        }
        assertTrue(detectedAt >= 20_000 && detectedAt < 20_200, "detected at " + detectedAt);
    }

    @Test
    void heInitIsSeededAndTheSeedMatters() {
        String spec = ADAM_AVERAGED.replace("\"type\":\"xavier\",\"seed\":7", "\"type\":\"he\",\"seed\":42");
        assertArrayEquals(ModelSnapshot.toBytes(OnlineModel.create(SpecJson.parse(spec))),
                ModelSnapshot.toBytes(OnlineModel.create(SpecJson.parse(spec))));
        JsonNode w42 = ModelSnapshot.toJson(OnlineModel.create(SpecJson.parse(spec))).get("weights");
        JsonNode w43 = ModelSnapshot.toJson(OnlineModel.create(SpecJson.parse(spec.replace("42", "43")))).get("weights");
        assertFalse(w42.equals(w43), "a different seed gives different initial weights");
    }

    // ------------------------------------------------------------ unlabeled readings

    @Test
    void unlabeledReadingsPredictOnlyAndLeaveTheModelUntouched() {
        ModelSpec spec = SpecJson.parse(ADAM_AVERAGED);
        OnlineModel model = OnlineModel.create(spec);
        SensorReadingGenerator gen = new SensorReadingGenerator(3, 4, 0.0);
        Reading reading = new Reading(2);
        for (int i = 0; i < 200; i++) {
            gen.next(reading, i);
            model.step(reading);
        }
        long version = model.modelVersion();
        for (int i = 0; i < 100; i++) {
            gen.next(reading, 1000 + i);
            int label = reading.label();
            reading.label = Reading.UNLABELED;
            byte[] before = ModelSnapshot.toBytes(model);
            StepResult r = model.step(reading);
            assertEquals(Outcome.PREDICTED, r.outcome());
            assertFalse(r.labeled());
            assertFalse(r.correct());
            assertEquals(version, r.modelVersion());
            double sum = 0;
            for (double p : r.probabilities()) {
                assertTrue(p >= 0 && p <= 1);
                sum += p;
            }
            assertEquals(1.0, sum, 1e-12);
            assertArrayEquals(before, ModelSnapshot.toBytes(model), "unlabeled reading " + i + " changed the model");
            assertTrue(label >= 0);
        }
        assertEquals(version, model.modelVersion());

        // Regression: a reading without a target.
        ModelSpec regression = SpecJson.parse(SEED_000_SPEC);
        OnlineModel reg = OnlineModel.create(regression);
        byte[] before = ModelSnapshot.toBytes(reg);
        StepResult r = reg.step(SeedExamples.read(regression, "{\"sensorId\":\"s\",\"features\":{\"x1\":1,\"x2\":2}}"));
        assertEquals(Outcome.PREDICTED, r.outcome());
        assertEquals(21.0, r.predictedValue());
        assertArrayEquals(before, ModelSnapshot.toBytes(reg));
    }

    // ------------------------------------------------------------ divergence

    static final String DIVERGING_REGRESSION = """
            {"task":"regression","features":["x1","x2"],
             "layers":[{"units":4,"activation":"relu"},{"units":1,"activation":"identity"}],
             "loss":"mse","init":{"type":"he","seed":1},
             "optimizer":{"type":"sgd","learningRate":1e300},"standardize":false}""";

    private static void assertAllFinite(OnlineModel model) {
        JsonNode w = ModelSnapshot.toJson(model).get("weights");
        for (JsonNode layer : w) {
            for (JsonNode row : layer.get("W")) {
                for (JsonNode v : row) {
                    assertTrue(v.isNumber() && Double.isFinite(v.asDouble()), "weight " + v);
                }
            }
            for (JsonNode v : layer.get("b")) {
                assertTrue(v.isNumber() && Double.isFinite(v.asDouble()), "bias " + v);
            }
        }
    }

    private static int runUntilDiverged(OnlineModel model, ModelSpec spec, String[] readings, int rounds) {
        int diverged = 0;
        for (int round = 0; round < rounds; round++) {
            for (String json : readings) {
                Reading reading = SeedExamples.read(spec, json);
                byte[] before = ModelSnapshot.toBytes(model);
                long version = model.modelVersion();
                StepResult r = model.step(reading);
                if (r.outcome() == Outcome.DIVERGED) {
                    diverged++;
                    assertEquals(version, r.modelVersion());
                    assertEquals(version, model.modelVersion(), "a refused step is not an update");
                    assertArrayEquals(before, ModelSnapshot.toBytes(model), "a diverged step changed the model");
                } else {
                    assertEquals(Outcome.TRAINED, r.outcome());
                    assertEquals(version + 1, model.modelVersion());
                }
                assertAllFinite(model);
            }
        }
        return diverged;
    }

    @Test
    void hugeLearningRateOnBigInputsDivergesAndKeepsTheLastGoodWeights() {
        ModelSpec spec = SpecJson.parse(DIVERGING_REGRESSION);
        OnlineModel model = OnlineModel.create(spec);
        String[] readings = {
                "{\"sensorId\":\"s\",\"features\":{\"x1\":1e3,\"x2\":2e3},\"target\":1}",
                "{\"sensorId\":\"s\",\"features\":{\"x1\":-5e2,\"x2\":7e2},\"target\":-1}",
                "{\"sensorId\":\"s\",\"features\":{\"x1\":1e150,\"x2\":1e150},\"target\":0}"};
        int diverged = runUntilDiverged(model, spec, readings, 5);
        assertTrue(diverged > 0, "no step diverged");
    }

    @Test
    void divergenceOfAStandardisingMomentumClassifierLeavesScalerAndVelocityUntouched() {
        ModelSpec spec = SpecJson.parse("""
                {"features":["x1","x2"],"classes":["a","b","c"],
                 "layers":[{"units":4,"activation":"leaky_relu"},{"units":3,"activation":"softmax"}],
                 "loss":"cross_entropy","init":{"type":"he","seed":5},
                 "optimizer":{"type":"sgd","learningRate":1e300,"momentum":0.9},"standardize":true,
                 "averaging":{"decay":0.9}}""");
        OnlineModel model = OnlineModel.create(spec);
        String[] readings = {
                "{\"sensorId\":\"s\",\"features\":{\"x1\":1e200,\"x2\":-3e200},\"label\":\"a\"}",
                "{\"sensorId\":\"s\",\"features\":{\"x1\":-1e200,\"x2\":2e200},\"label\":\"b\"}",
                "{\"sensorId\":\"s\",\"features\":{\"x1\":5e199,\"x2\":1e200},\"label\":\"c\"}"};
        int diverged = runUntilDiverged(model, spec, readings, 5);
        assertTrue(diverged > 0, "no step diverged");
    }

    @Test
    void aFirstStepWithAnOverflowingGradientIsRefused() {
        ModelSpec spec = SpecJson.parse(SEED_000_SPEC.replace("0.01", "1e300"));
        OnlineModel model = OnlineModel.create(spec);
        byte[] before = ModelSnapshot.toBytes(model);
        StepResult r = model.step(SeedExamples.read(spec, "{\"sensorId\":\"s\",\"features\":{\"x1\":1e200,\"x2\":1e200},\"target\":3}"));
        assertEquals(Outcome.DIVERGED, r.outcome());
        assertArrayEquals(before, ModelSnapshot.toBytes(model));
        assertEquals(0, model.modelVersion());
        // The model still works afterwards: the seed's first step, exactly.
        r = model.step(SeedExamples.read(spec, SEED_000_READING));
        assertEquals(21.0, r.predictedValue());
        assertEquals(162.0, r.loss());
    }
}
