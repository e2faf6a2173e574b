package streamlearn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import streamlearn.format.MetricsJson;
import streamlearn.format.SpecJson;

/**
 * Every figure of a window against a confusion matrix computed by hand, including a class that
 * never came, a window without labels, and the one case kappa cannot define.
 */
class PrequentialMetricsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelSpec CLASSIFIER = SpecJson.defaultSpec();
    private static final ModelSpec REGRESSOR = SpecJson.parse("""
            {"task":"regression","features":["temperature"],"layers":[{"units":1,"activation":"identity"}],
             "loss":"mse","optimizer":{"type":"sgd","learningRate":0.01}}""");
    private static final int NORMAL = 0;
    private static final int WARNING = 1;
    private static final int CRITICAL = 2;

    private static void add(PrequentialMetrics m, int label, int predicted, int times) {
        for (int i = 0; i < times; i++) {
            m.add(StepResults.classified(1, predicted, new double[3], label, 0.5), 1);
        }
    }

    private static JsonNode window(PrequentialMetrics m) throws Exception {
        return JSON.readTree(MetricsJson.window("default", 0, 10_000, m));
    }

    /**
     * Labels (rows) against predictions (columns), normal / warning / critical:
     * <pre>
     *   normal   7 1 0      support 8
     *   warning  1 4 1      support 6
     *   critical 0 0 0      support 0: never labeled, predicted once
     * </pre>
     * accuracy 11/14; recall 7/8, 4/6, undefined; precision 7/8, 4/5, 0/1; F1 7/8, 2(4/5)(2/3)/(4/5 + 2/3) = 8/11,
     * undefined; balanced accuracy (7/8 + 4/6) / 2 = 37/48 (the unseen class left out); kappa: p_o = 154/196,
     * p_e = (8*8 + 6*5 + 0*1)/196 = 94/196, so (154 - 94)/(196 - 94) = 10/17.
     */
    @Test
    void everyFigureMatchesAHandComputedConfusionMatrixWithAClassNeverLabeled() throws Exception {
        PrequentialMetrics m = new PrequentialMetrics(CLASSIFIER);
        add(m, NORMAL, NORMAL, 7);
        add(m, NORMAL, WARNING, 1);
        add(m, WARNING, NORMAL, 1);
        add(m, WARNING, WARNING, 4);
        add(m, WARNING, CRITICAL, 1);
        m.add(StepResults.classified(1, NORMAL, new double[3], Reading.UNLABELED, Double.NaN), 1);

        assertEquals(15, m.records());
        assertEquals(14, m.labeled());
        assertEquals(11.0 / 14, m.accuracy(), 1e-15);
        assertEquals(8, m.support(NORMAL));
        assertEquals(6, m.support(WARNING));
        assertEquals(0, m.support(CRITICAL));
        assertEquals(7.0 / 8, m.recall(NORMAL), 1e-15);
        assertEquals(4.0 / 6, m.recall(WARNING), 1e-15);
        assertTrue(Double.isNaN(m.recall(CRITICAL)), "no critical label: no recall");
        assertEquals(7.0 / 8, m.precision(NORMAL), 1e-15);
        assertEquals(4.0 / 5, m.precision(WARNING), 1e-15);
        assertEquals(0.0, m.precision(CRITICAL), "predicted once, wrongly");
        assertEquals(7.0 / 8, m.f1(NORMAL), 1e-15);
        assertEquals(8.0 / 11, m.f1(WARNING), 1e-15);
        assertTrue(Double.isNaN(m.f1(CRITICAL)));
        assertEquals(37.0 / 48, m.balancedAccuracy(), 1e-15);
        assertEquals(10.0 / 17, m.kappa(), 1e-15);

        JsonNode w = window(m);
        assertEquals(37.0 / 48, w.get("balancedAccuracy").asDouble(), 1e-15);
        assertEquals(10.0 / 17, w.get("kappa").asDouble(), 1e-15);
        JsonNode warning = w.get("perClass").get("warning");
        assertEquals(4.0 / 5, warning.get("precision").asDouble(), 1e-15);
        assertEquals(4.0 / 6, warning.get("recall").asDouble(), 1e-15);
        assertEquals(8.0 / 11, warning.get("f1").asDouble(), 1e-15);
        assertEquals(6, warning.get("support").asLong());
        JsonNode critical = w.get("perClass").get("critical");
        assertEquals(0.0, critical.get("precision").asDouble());
        assertTrue(critical.get("recall").isNull(), critical.toString());
        assertTrue(critical.get("f1").isNull(), critical.toString());
        assertEquals(0, critical.get("support").asLong());
        assertEquals(3, w.get("perClass").size());
        assertTrue(w.get("mae") == null && w.get("rmse") == null, "classification has no regression errors");
    }

    /** Recall, precision and F1 of a class that was labeled but never predicted: 0, undefined, undefined. */
    @Test
    void aClassLabeledButNeverPredictedHasRecallZeroAndNoPrecision() {
        PrequentialMetrics m = new PrequentialMetrics(CLASSIFIER);
        add(m, NORMAL, NORMAL, 3);
        add(m, CRITICAL, WARNING, 1);
        assertEquals(0.0, m.recall(CRITICAL));
        assertTrue(Double.isNaN(m.precision(CRITICAL)));
        assertTrue(Double.isNaN(m.f1(CRITICAL)));
        assertEquals(0.0, m.precision(WARNING));
        assertTrue(Double.isNaN(m.f1(WARNING)), "precision 0 and recall undefined: undefined");
        assertEquals(0.5, m.balancedAccuracy(), "(1 + 0) / 2");
        // p_o = 3/4, p_e = (3*3 + 1*0 + 0*1)/16 = 9/16: (12/16 - 9/16) / (7/16) = 3/7.
        assertEquals(3.0 / 7, m.kappa(), 1e-15);
    }

    @Test
    void aWindowWithoutLabelsDefinesNoFigureAndSaysNull() throws Exception {
        PrequentialMetrics m = new PrequentialMetrics(CLASSIFIER);
        for (int i = 0; i < 3; i++) {
            m.add(StepResults.classified(1, CRITICAL, new double[3], Reading.UNLABELED, Double.NaN), 1);
        }
        assertTrue(Double.isNaN(m.balancedAccuracy()));
        assertTrue(Double.isNaN(m.kappa()));
        JsonNode w = window(m);
        assertEquals(3, w.get("records").asLong());
        assertEquals(0, w.get("labeled").asLong());
        for (String field : new String[] {"meanLoss", "accuracy", "balancedAccuracy", "kappa"}) {
            assertTrue(w.get(field).isNull(), field + ": " + w);
        }
        for (JsonNode c : w.get("perClass")) {
            assertTrue(c.get("precision").isNull() && c.get("recall").isNull() && c.get("f1").isNull(), c.toString());
            assertEquals(0, c.get("support").asLong());
        }
    }

    /** Every label and every prediction normal: chance agreement is 1 and kappa undefined; the rest is perfect. */
    @Test
    void oneClassEverywhereLeavesKappaUndefinedAndBalancedAccuracyOne() {
        PrequentialMetrics m = new PrequentialMetrics(CLASSIFIER);
        add(m, NORMAL, NORMAL, 5);
        assertTrue(Double.isNaN(m.kappa()));
        assertEquals(1.0, m.balancedAccuracy());
        assertEquals(1.0, m.f1(NORMAL));
        assertTrue(Double.isNaN(m.recall(WARNING)) && Double.isNaN(m.precision(WARNING)));
    }

    /** Errors 1 and -3: MAE 2, RMSE sqrt(5); written as mae and rmse, with no classification figures. */
    @Test
    void regressionReportsMaeAndRmse() throws Exception {
        PrequentialMetrics m = new PrequentialMetrics(REGRESSOR);
        m.add(StepResults.regressed(1, 2.0, true, 1.0, 0.5), 2);
        m.add(StepResults.regressed(2, 0.0, true, 3.0, 4.5), 3);
        m.add(StepResults.regressed(3, 7.0, false, Double.NaN, Double.NaN), 3);
        assertEquals(2.0, m.meanAbsoluteError(), 1e-15);
        assertEquals(Math.sqrt(5.0), m.rootMeanSquaredError(), 1e-15);
        JsonNode w = window(m);
        assertEquals(2.0, w.get("mae").asDouble(), 1e-15);
        assertEquals(Math.sqrt(5.0), w.get("rmse").asDouble(), 1e-15);
        assertEquals(2.5, w.get("meanLoss").asDouble(), 1e-15);
        assertTrue(w.get("accuracy").isNull());
        assertTrue(w.get("balancedAccuracy") == null && w.get("perClass") == null, w.toString());

        PrequentialMetrics none = new PrequentialMetrics(REGRESSOR);
        none.add(StepResults.regressed(1, 7.0, false, Double.NaN, Double.NaN), 1);
        JsonNode empty = window(none);
        assertTrue(empty.get("mae").isNull() && empty.get("rmse").isNull(), empty.toString());
    }

    /** An open window survives a restart with its regression errors. */
    @Test
    void theBinaryFormCarriesTheErrors() {
        PrequentialMetrics m = new PrequentialMetrics(REGRESSOR);
        m.add(StepResults.regressed(1, 2.0, true, 1.0, 0.5), 2);
        m.add(StepResults.regressed(2, 0.0, true, 3.0, 4.5), 3);
        ByteBuffer bytes = ByteBuffer.allocate(m.binarySize());
        m.writeTo(bytes);
        PrequentialMetrics restored = new PrequentialMetrics(REGRESSOR);
        restored.readFrom(bytes.flip());
        assertEquals(m.meanAbsoluteError(), restored.meanAbsoluteError());
        assertEquals(m.rootMeanSquaredError(), restored.rootMeanSquaredError());
    }

    /**
     * A record of any other length than the one {@link PrequentialMetrics#writeTo} writes (cut
     * short, or with bytes after it) is refused with an error giving both lengths, and the window
     * is left as it was.
     */
    @ParameterizedTest(name = "{0} bytes off")
    @ValueSource(ints = {-32, -24, -8, -1, 1, 8, 24})
    void aRecordOfAnyOtherLengthIsRefused(int off) {
        PrequentialMetrics m = new PrequentialMetrics(CLASSIFIER);
        add(m, WARNING, CRITICAL, 3);
        ByteBuffer bytes = ByteBuffer.allocate(m.binarySize() + Math.max(off, 0));
        m.writeTo(bytes);
        ByteBuffer record = ByteBuffer.wrap(bytes.array(), 0, m.binarySize() + off).slice();
        PrequentialMetrics target = new PrequentialMetrics(CLASSIFIER);
        add(target, NORMAL, NORMAL, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> target.readFrom(record));
        assertEquals("unsupported metrics window record: " + (m.binarySize() + off) + " bytes, expected "
                + m.binarySize() + " for 3 classes", e.getMessage());
        assertEquals(2, target.records(), "nothing read");
        assertEquals(0, record.position(), "nothing read");
    }

    /** A regression window's record (no confusion matrix) is not read as a classifier's. */
    @Test
    void aRegressionRecordIsNotReadAsAClassifiers() {
        PrequentialMetrics regression = new PrequentialMetrics(REGRESSOR);
        ByteBuffer other = ByteBuffer.allocate(regression.binarySize());
        regression.writeTo(other);
        assertThrows(IllegalStateException.class, () -> new PrequentialMetrics(CLASSIFIER).readFrom(other.flip()));
    }
}
