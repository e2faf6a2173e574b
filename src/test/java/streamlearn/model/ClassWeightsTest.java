package streamlearn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.SpecJson;

/**
 * Balanced class weights: the formula over the labels counted, and the counts as model state that
 * both snapshot forms carry bit for bit, so a restored model goes on exactly as the original.
 */
class ClassWeightsTest {
    private static final double[] PLANT = {0.9, 0.08, 0.02};

    static ModelSpec balancedSpec() {
        String json = new String(SpecJson.defaultSpec().json());
        return SpecJson.parse(json.substring(0, json.length() - 1) + ",\"classWeights\":\"balanced\"}");
    }

    private static void train(OnlineModel model, SensorReadingGenerator generator, int readings) {
        Reading reading = new Reading(2);
        for (int i = 0; i < readings; i++) {
            generator.next(reading, i);
            model.step(reading);
        }
    }

    /**
     * Labels normal, normal, normal, warning: N = 4, counts 3/1/0, so w_c = (N + K) / (K (n_c + 1))
     * = 7/12, 7/6, 7/3; the step of each reading weighed with its own label counted.
     */
    @Test
    void balancedWeightsFollowTheLabelsCounted() {
        OnlineModel model = OnlineModel.create(balancedSpec());
        ClassWeights weights = model.classWeights();
        assertEquals(1.0, weights.weight(0), "all weights start at 1");
        assertEquals(1.0, weights.weight(2));
        assertEquals(2.0 / 3, weights.count(0), 1e-15, "the first label: (1 + 3) / (3 * 2)");
        weights.count(0);
        weights.count(0);
        assertEquals(7.0 / 6, weights.count(1), 1e-15);
        assertEquals(7.0 / 12, weights.weight(0), 1e-15);
        assertEquals(7.0 / 3, weights.weight(2), 1e-15);
        weights.uncount(1);
        assertEquals(6.0 / 3, weights.weight(1), 1e-15, "a refused step's label is taken back: (3 + 3) / (3 * 1)");
    }

    @Test
    void explicitWeightsAreFixed() {
        String json = SpecJson.defaultSpec().json();
        OnlineModel model = OnlineModel.create(SpecJson.parse(json.substring(0, json.length() - 1)
                + ",\"classWeights\":{\"critical\":10}}"));
        assertEquals(10.0, model.classWeights().count(2));
        assertEquals(1.0, model.classWeights().count(0));
        assertEquals(10.0, model.classWeights().weight(2));
    }

    /** On a plant's stream, after 20,000 readings the weights are near 1 / (3 p_c): 0.37, 4.2, 16.7. */
    @Test
    void balancedWeightsApproachOneOverKTimesTheFrequency() {
        OnlineModel model = OnlineModel.create(balancedSpec());
        train(model, new SensorReadingGenerator(3, 4, 0.0, PLANT), 20_000);
        for (int c = 0; c < 3; c++) {
            double expected = 1.0 / (3 * PLANT[c]);
            assertEquals(expected, model.classWeights().weight(c), 0.1 * expected, "class " + c);
        }
    }

    @Test
    void theLabelCountsRoundTripBitForBitInBothSnapshotFormsAndTheModelGoesOnAlike() {
        OnlineModel model = OnlineModel.create(balancedSpec());
        SensorReadingGenerator generator = new SensorReadingGenerator(9, 4, 0.1, PLANT);
        train(model, generator, 3_000);
        byte[] bytes = ModelSnapshot.toBytes(model);
        String json = ModelSnapshot.toJsonString(model);
        OnlineModel fromBytes = ModelSnapshot.fromBytes(bytes);
        OnlineModel fromJson = ModelSnapshot.fromJson(json);
        assertArrayEquals(bytes, ModelSnapshot.toBytes(fromBytes));
        assertArrayEquals(bytes, ModelSnapshot.toBytes(fromJson), "the JSON snapshot carries the counts exactly");
        assertEquals(json, ModelSnapshot.toJsonString(fromBytes));
        for (int c = 0; c < 3; c++) {
            assertEquals(Double.doubleToRawLongBits(model.classWeights().weight(c)),
                    Double.doubleToRawLongBits(fromJson.classWeights().weight(c)));
        }
        // The same next readings: the same model, bit for bit.
        SensorReadingGenerator again = new SensorReadingGenerator(10, 4, 0.1, PLANT);
        SensorReadingGenerator twin = new SensorReadingGenerator(10, 4, 0.1, PLANT);
        train(model, again, 2_000);
        train(fromJson, twin, 2_000);
        assertArrayEquals(ModelSnapshot.toBytes(model), ModelSnapshot.toBytes(fromJson));
    }

    /** The weights change what the model learns: the same stream without them gives another model. */
    @Test
    void weightsChangeTheSteps() {
        OnlineModel weighted = OnlineModel.create(balancedSpec());
        OnlineModel plain = OnlineModel.create(SpecJson.defaultSpec());
        train(weighted, new SensorReadingGenerator(2, 4, 0.0, PLANT), 200);
        train(plain, new SensorReadingGenerator(2, 4, 0.0, PLANT), 200);
        assertNotEquals(plain.trainer().parameters()[0], weighted.trainer().parameters()[0]);
    }
}
