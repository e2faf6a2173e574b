package streamlearn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.SpecJson;

/**
 * {@link OnlineModel#predict}, what {@code POST /predict} answers with: it changes nothing in the
 * model (its whole state, as a snapshot, is the same bytes before and after), and it is, bit for
 * bit, the prediction the next {@link OnlineModel#step} makes for the same reading, labeled
 * (whose step first updates the input statistics) or not, before and after a drift.
 */
class OnlinePredictTest {
    /** The default spec's own network alone: a drift on this stream, and the learner's reaction to it. */
    @Test
    void predictChangesNothingAndIsTheNextStepsPrediction() {
        long drifts = compare(TestSpecs.singleNetwork());
        assertTrue(drifts > 0, "the stream drifted: " + drifts);
    }

    /** A pool of candidates (the default): their mixture, scored as one prediction. */
    @Test
    void aPoolsPredictionChangesNothingAndIsTheNextStepsPrediction() {
        ModelSpec spec = TestSpecs.pool();
        assertTrue(spec.hasCandidates(), "a pool");
        compare(spec);
    }

    /** Predicts and steps 6,000 readings, a change of machine at 3,000; returns the drifts detected. */
    private static long compare(ModelSpec spec) {
        assertTrue(spec.drift() != null && spec.standardize(), "the spec standardises and detects drift");
        OnlineModel model = OnlineModel.create(spec);
        OnlineModel.Scratch scratch = model.newScratch();
        SensorReadingGenerator generator = new SensorReadingGenerator(3, 4, 0.2);
        Random random = new Random(5);
        Reading reading = new Reading(spec.features().size());
        int compared = 0;
        for (int i = 0; i < 6_000; i++) {
            generator.next(reading, 1_000L * i);
            if (i >= 3_000) {
                // The machine runs hotter: the detector fires, the scaler relearns.
                reading.setFeature(0, reading.features()[0] + 15);
            }
            if (i % 7 == 0 || i < 5) {
                byte[] before = ModelSnapshot.toBytes(model);
                StepResult predicted = model.predict(reading, scratch);
                double[] probabilities = predicted.probabilities().clone();
                double[] output = predicted.output().clone();
                int predictedClass = predicted.predicted();
                long version = predicted.modelVersion();
                double loss = predicted.loss();
                boolean labeled = predicted.labeled();
                assertEquals(Outcome.PREDICTED, predicted.outcome());
                assertArrayEquals(before, ModelSnapshot.toBytes(model), "predict changed the model at reading " + i);

                StepResult stepped = model.step(reading);
                assertArrayEquals(probabilities, stepped.probabilities(), "probabilities at reading " + i);
                assertArrayEquals(output, stepped.output(), "pre-activations at reading " + i);
                assertEquals(predictedClass, stepped.predicted());
                assertEquals(version, stepped.modelVersion());
                assertEquals(labeled, stepped.labeled());
                assertEquals(Double.doubleToLongBits(loss), Double.doubleToLongBits(stepped.loss()),
                        "loss at reading " + i + ": " + loss + " vs " + stepped.loss());
                compared++;
            } else {
                model.step(reading);
            }
            if (random.nextInt(50) == 0) {
                // Interleaved predictions of other readings leave the next step alone too.
                Reading other = new Reading(spec.features().size());
                generator.next(other, 1_000L * i);
                model.predict(other, scratch);
            }
        }
        assertTrue(compared > 800, "compared " + compared);
        return model.drifts();
    }

    @Test
    void aPredictionOfAModelLeavesATwinModelIdentical() {
        ModelSpec spec = SpecJson.defaultSpec();
        OnlineModel a = OnlineModel.create(spec);
        OnlineModel b = OnlineModel.create(spec);
        OnlineModel.Scratch scratch = a.newScratch();
        SensorReadingGenerator generator = new SensorReadingGenerator(11, 2, 0.1);
        Reading reading = new Reading(spec.features().size());
        for (int i = 0; i < 2_000; i++) {
            generator.next(reading, 1_000L * i);
            a.predict(reading, scratch);
            a.step(reading);
            b.step(reading);
        }
        assertArrayEquals(ModelSnapshot.toBytes(b), ModelSnapshot.toBytes(a));
    }
}
