package streamlearn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.SpecJson;

/**
 * {@link OnlineModel#learnLate}: a late label's step is the learner's own. Given the prediction an
 * inline-labeled reading got, the late step scores it to the same bits and trains the model to
 * the same bits (weights, average, scaler, optimizer, drift detector), for every kind of output
 * and through refused steps; and it scores the prediction made then, not the current model's.
 */
class LateLabelStepTest {
    private static final String BINARY = """
            {"features":["temperature","vibration"],"classes":["normal","warning"],
             "layers":[{"units":6,"activation":"relu"},{"units":1,"activation":"sigmoid"}],
             "loss":"binary_cross_entropy","init":{"type":"he","seed":3},
             "optimizer":{"type":"sgd","learningRate":0.05,"momentum":0.5},"standardize":{"memory":500},
             "drift":{"detector":"adwin","delta":0.01}}""";
    private static final String REGRESSION = """
            {"task":"regression","features":["temperature","vibration"],
             "layers":[{"units":8,"activation":"tanh"},{"units":1,"activation":"identity"}],
             "loss":"mse","init":{"type":"xavier","seed":9},"optimizer":{"type":"adam","learningRate":0.01},
             "averaging":{"decay":0.99},"drift":{"detector":"adwin"}}""";

    /** What a waiting reading holds, built from an inline step's prediction. */
    private static PendingReading waiting(ModelSpec spec, Reading reading, StepResult prediction) {
        PendingReading w = new PendingReading(spec);
        System.arraycopy(reading.features(), 0, w.features, 0, w.features.length);
        System.arraycopy(prediction.output(), 0, w.output, 0, w.output.length);
        w.modelVersion = prediction.modelVersion();
        return w;
    }

    private static LateLabel labelOf(Reading reading) {
        LateLabel label = new LateLabel();
        label.setSensorId(reading.sensorId());
        label.setTimestamp(reading.timestamp());
        if (reading.hasTarget()) {
            label.setTarget(reading.target());
        } else {
            label.setLabel(reading.label());
        }
        return label;
    }

    /** The seeds' stream (two classes for the binary spec, a target for regression), with a change at 3,000. */
    private static void next(SensorReadingGenerator generator, ModelSpec spec, Reading r, int i, SplittableRandom random) {
        generator.next(r, i);
        if (i >= 3_000) {
            r.setFeature(0, r.features()[0] + 15);
        }
        if (!spec.isClassification()) {
            r.setLabel(Reading.UNLABELED);
            r.setTarget(0.05 * r.features()[0] + r.features()[1] + 0.1 * random.nextGaussian() + (i >= 3_000 ? 3.0 : 0.0));
        } else if (spec.classes().size() == 2) {
            // normal against the rest, and from reading 3,000 on the other way round
            int positive = r.label() == 0 ? 0 : 1;
            r.setLabel(i >= 3_000 ? 1 - positive : positive);
        }
    }

    private static void assertSameAsInline(String json, int readings) {
        assertSameAsInline(SpecJson.parse(json), readings);
    }

    private static void assertSameAsInline(ModelSpec spec, int readings) {
        String json = spec.toString();
        OnlineModel inline = OnlineModel.create(spec);
        OnlineModel late = OnlineModel.create(spec);
        SensorReadingGenerator generator = new SensorReadingGenerator(5, 4, 0.0);
        SplittableRandom random = new SplittableRandom(5);
        Reading r = new Reading(2);
        Reading unlabeled = new Reading(2);
        int drifts = 0;
        for (int i = 0; i < readings; i++) {
            next(generator, spec, r, i, random);
            StepResult a = inline.step(r);
            PendingReading w = waiting(spec, r, a);
            double loss = a.loss();
            double[] probabilities = a.probabilities().clone();
            int predicted = a.predicted();
            double value = a.predictedValue();
            Outcome outcome = a.outcome();
            boolean drift = a.drift() != null;
            drifts += drift ? 1 : 0;

            // As in the stream: the late model predicted the reading unlabeled, and learns when the label comes.
            LateLabel label = labelOf(r);
            unlabeled.set(r.sensorId(), r.timestamp(), r.features(), Reading.UNLABELED);
            late.step(unlabeled);
            StepResult b = late.learnLate(w, label);
            assertEquals(Double.doubleToLongBits(loss), Double.doubleToLongBits(b.loss()), "loss of reading " + i);
            for (int c = 0; c < probabilities.length; c++) {
                assertEquals(Double.doubleToLongBits(probabilities[c]), Double.doubleToLongBits(b.probabilities()[c]));
            }
            assertEquals(predicted, b.predicted());
            assertEquals(Double.doubleToLongBits(value), Double.doubleToLongBits(b.predictedValue()));
            assertEquals(outcome, b.outcome(), "reading " + i);
            assertEquals(drift, b.drift() != null, "drift at reading " + i);
            assertEquals(a.modelVersion(), b.modelVersion());
            assertTrue(b.labeled());
        }
        assertEquals(inline.modelVersion(), late.modelVersion());
        assertArrayEquals(ModelSnapshot.toBytes(inline), ModelSnapshot.toBytes(late), json);
        if (spec.drift() != null) {
            assertTrue(drifts > 0, "the stream's change reached the drift detector through late labels too: " + json);
        }
    }

    @Test
    void theDefaultSpecLearnsFromALateLabelExactlyAsFromTheSameLabelInline() {
        assertSameAsInline(TestSpecs.singleNetwork(), 6_000);
        assertSameAsInline(TestSpecs.pool(), 6_000);
    }

    @Test
    void aSigmoidClassifierAndARegressionLearnFromLateLabelsExactlyAsInline() {
        assertSameAsInline(BINARY, 6_000);
        assertSameAsInline(REGRESSION, 6_000);
    }

    @Test
    void aRefusedLateStepLeavesTheModelAsItWas() {
        assertSameAsInline(OnlineModelTest.DIVERGING_REGRESSION.replace("\"x1\",\"x2\"", "\"temperature\",\"vibration\""), 300);
        ModelSpec spec = SpecJson.parse(OnlineModelTest.DIVERGING_REGRESSION);
        OnlineModel model = OnlineModel.create(spec);
        Reading huge = SeedExamples.read(spec, "{\"sensorId\":\"s\",\"features\":{\"x1\":1e150,\"x2\":1e150}}");
        StepResult predicted = model.step(huge);
        PendingReading w = waiting(spec, huge, predicted);
        byte[] before = ModelSnapshot.toBytes(model);
        LateLabel label = new LateLabel();
        label.setSensorId("s");
        label.setTarget(1e150);
        assertEquals(Outcome.DIVERGED, model.learnLate(w, label).outcome());
        assertArrayEquals(before, ModelSnapshot.toBytes(model));
    }

    @Test
    void aLateLabelScoresThePredictionMadeThenNotTheCurrentModels() {
        ModelSpec spec = SpecJson.defaultSpec();
        OnlineModel model = OnlineModel.create(spec);
        SensorReadingGenerator generator = new SensorReadingGenerator(1, 4, 0.0);
        Reading r = new Reading(2);
        generator.next(r, 0);
        int truth = r.label();
        r.setLabel(Reading.UNLABELED);
        StepResult first = model.step(r);
        PendingReading w = waiting(spec, r, first);
        double[] then = first.probabilities().clone();
        Reading same = new Reading(2).set(r.sensorId(), 0, r.features(), Reading.UNLABELED);
        for (int i = 1; i <= 2_000; i++) {
            generator.next(r, i);
            model.step(r);
        }
        double[] now = model.step(same).probabilities().clone();
        assertNotEquals(then[truth], now[truth], "2,000 updates changed the model's mind");
        LateLabel label = new LateLabel();
        label.setSensorId(r.sensorId());
        label.setLabel(truth);
        StepResult late = model.learnLate(w, label);
        assertArrayEquals(then, late.probabilities(), 0.0);
        assertEquals(-Math.log(then[truth]), late.loss(), 1e-15);
        assertEquals(0, late.modelVersion(), "the version that made the prediction");
        assertEquals(Outcome.TRAINED, late.outcome());
        assertEquals(2_001, model.modelVersion());
    }
}
