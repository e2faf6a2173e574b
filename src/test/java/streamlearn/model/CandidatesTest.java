package streamlearn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import streamlearn.app.SensorReadingGenerator;
import streamlearn.format.ModelSnapshot;
import streamlearn.format.SpecJson;

/** A spec with candidates: selection by measured loss, the mixture's weights, state, late labels, drift. */
class CandidatesTest {
    /**
     * A pool where one candidate cannot learn the stream (learning rate 1e-9: it stays at its
     * random init) and the other can. Mixture or champion, the good one leads.
     */
    private static ModelSpec pool(String method) {
        return pool(method, "");
    }

    /** {@link #pool(String)} with more fields of {@code "selection"} ({@code ,"maxLoss":1}). */
    private static ModelSpec pool(String method, String selection) {
        return SpecJson.parse("""
                {"features":["temperature","vibration"],"classes":["normal","warning","critical"],
                 "layers":[{"units":3,"activation":"softmax"}],"loss":"cross_entropy",
                 "optimizer":{"type":"sgd","learningRate":1e-9},"standardize":true,
                 "candidates":[{"name":"good","layers":[{"units":16,"activation":"relu"},{"units":3,"activation":"softmax"}],
                                "optimizer":{"type":"adam","learningRate":0.01}}],
                 "selection":{"method":"%s","halfLife":100%s}}""".formatted(method, selection));
    }

    /** Readings until the clearly better candidate is champion: stated bound 300. */
    static final int CHAMPION_WITHIN = 300;

    @org.junit.jupiter.api.Test
    void aClearlyBetterCandidateBecomesChampionWithinAFewHundredReadings() {
        for (String method : new String[] {"mixture", "champion"}) {
            OnlineModel model = OnlineModel.create(pool(method));
            assertEquals("main", model.champion());
            SensorReadingGenerator gen = new SensorReadingGenerator(3, 16, 0.0);
            Reading reading = new Reading(2);
            int changedAt = -1;
            String before = null;
            for (int i = 0; i < 5_000; i++) {
                gen.next(reading, i);
                StepResult r = model.step(reading);
                if (r.championBefore() != null && changedAt < 0) {
                    changedAt = i;
                    before = r.championBefore();
                }
            }
            assertTrue(changedAt >= 0 && changedAt < CHAMPION_WITHIN, method + ": champion changed at " + changedAt);
            assertEquals("main", before);
            assertEquals("good", model.champion(), method);
            assertTrue(model.candidateLoss(1) < model.candidateLoss(0), method);
            // The prediction names the champion that made it.
            gen.next(reading, 5_000);
            assertEquals("good", model.step(reading).champion());
        }
    }

    @org.junit.jupiter.api.Test
    void theMixturesWeightsFollowTheLosses() {
        OnlineModel model = OnlineModel.create(pool("mixture"));
        assertEquals(0.5, model.candidateWeight(0));
        assertTrue(Double.isNaN(model.candidateLoss(0)), "no loss before a labeled reading");
        SensorReadingGenerator gen = new SensorReadingGenerator(5, 16, 0.0);
        Reading reading = new Reading(2);
        double[] probabilities = new double[3];
        for (int i = 0; i < 2_000; i++) {
            gen.next(reading, i);
            // The weights before the step make the step's prediction: p = sum w_k p_k.
            double w0 = model.candidateWeight(0);
            double w1 = model.candidateWeight(1);
            StepResult r = model.step(reading);
            System.arraycopy(r.probabilities(), 0, probabilities, 0, 3);
            assertEquals(1.0, w0 + w1, 1e-12);
            double sum = probabilities[0] + probabilities[1] + probabilities[2];
            assertEquals(1.0, sum, 1e-9);
            // Hedge: w1 / w0 = exp(-eta (S1 - S0)), with S the discounted loss sums; the recent
            // losses are S (1 - g) / (1 - g^n), so their difference has the same sign as log(w0 / w1).
            double l0 = model.candidateLoss(0);
            double l1 = model.candidateLoss(1);
            double w0After = model.candidateWeight(0);
            double w1After = model.candidateWeight(1);
            if (l1 < l0) {
                assertTrue(w1After > w0After, "reading " + i + ": losses " + l0 + " " + l1 + ", weights " + w0After + " " + w1After);
            } else if (l1 > l0) {
                assertTrue(w1After < w0After, "reading " + i);
            }
            double n = i + 1;
            double g = Math.pow(2, -1.0 / 100);
            double scale = (1 - Math.pow(g, n)) / (1 - g);
            if (w0After > 0 && w1After > 0) {
                assertEquals(-(l1 - l0) * scale, Math.log(w1After / w0After), 1e-6 * Math.max(1, Math.abs(l1 - l0) * scale),
                        "reading " + i);
            } else {
                assertTrue(Math.abs(l1 - l0) * scale > CandidatePool.NEGLIGIBLE, "a weight is 0 only when negligible");
            }
        }
        assertTrue(model.candidateWeight(1) > 0.99, "the good candidate carries the mixture: " + model.candidateWeight(1));
    }

    /** Snapshot (both forms), continued: bit for bit, predictions and champion alike. */
    @org.junit.jupiter.api.Test
    void aPoolsSnapshotContinuesBitForBitInBothForms() {
        ModelSpec spec = TestSpecs.pool();
        assertTrue(spec.hasCandidates());
        OnlineModel a = OnlineModel.create(spec);
        SensorReadingGenerator gen = new SensorReadingGenerator(9, 16, 0.1);
        Reading reading = new Reading(2);
        for (int i = 0; i < 3_000; i++) {
            gen.next(reading, i);
            a.step(reading);
        }
        byte[] bytes = ModelSnapshot.toBytes(a);
        OnlineModel b = ModelSnapshot.fromBytes(bytes);
        OnlineModel c = ModelSnapshot.fromJson(ModelSnapshot.toJsonString(a));
        assertArrayEquals(bytes, ModelSnapshot.toBytes(b));
        assertArrayEquals(bytes, ModelSnapshot.toBytes(c));
        assertEquals(ModelSnapshot.toJsonString(a), ModelSnapshot.toJsonString(c));
        for (int i = 3_000; i < 6_000; i++) {
            gen.next(reading, i);
            StepResult ra = a.step(reading);
            long[] expected = bits(ra.probabilities());
            String champion = ra.champion();
            for (OnlineModel restored : new OnlineModel[] {b, c}) {
                StepResult r = restored.step(reading);
                assertArrayEquals(expected, bits(r.probabilities()), "reading " + i);
                assertEquals(champion, r.champion());
            }
        }
        assertArrayEquals(ModelSnapshot.toBytes(a), ModelSnapshot.toBytes(b));
        assertArrayEquals(ModelSnapshot.toBytes(a), ModelSnapshot.toBytes(c));
        // The JSON names each candidate's state.
        String json = ModelSnapshot.toJsonString(a);
        assertTrue(json.contains("\"candidates\":{\"linear\":{\"modelVersion\":"), json.substring(0, 200));
        assertTrue(json.contains("\"selection\":{\"scored\":"), "selection state");
        // A snapshot lacking a candidate's weights is refused, naming them.
        String missing = json.replace("\"wide\":{\"modelVersion\"", "\"other\":{\"modelVersion\"");
        SpecException e = assertThrows(SpecException.class, () -> ModelSnapshot.fromJson(missing));
        assertTrue(e.getMessage().contains("candidates.wide"), e.getMessage());
    }

    /**
     * A late label scores the prediction made then (the stored combined probabilities) bit for
     * bit, and trains every candidate.
     */
    @org.junit.jupiter.api.Test
    void aLateLabelScoresTheStoredCombinedPrediction() {
        ModelSpec spec = TestSpecs.pool();
        OnlineModel model = OnlineModel.create(spec);
        SensorReadingGenerator gen = new SensorReadingGenerator(2, 16, 0.0);
        Reading reading = new Reading(2);
        for (int i = 0; i < 1_000; i++) {
            gen.next(reading, i);
            model.step(reading);
        }
        gen.next(reading, 1_000);
        int label = reading.label();
        reading.label = Reading.UNLABELED;
        StepResult predicted = model.step(reading);
        long[] probabilities = bits(predicted.probabilities());
        PendingReading waiting = new PendingReading(spec).set(0, 1_000, model.modelVersion());
        System.arraycopy(reading.features(), 0, waiting.features(), 0, 2);
        System.arraycopy(predicted.output(), 0, waiting.output(), 0, 3);
        long version = model.modelVersion();
        // Other readings come between.
        for (int i = 1_001; i < 1_050; i++) {
            gen.next(reading, i);
            model.step(reading);
        }
        LateLabel late = new LateLabel();
        late.setLabel(label);
        StepResult r = model.learnLate(waiting, late);
        assertArrayEquals(probabilities, bits(r.probabilities()));
        assertEquals(-Math.log(Double.longBitsToDouble(probabilities[label])), r.loss());
        assertEquals(version, r.modelVersion());
        assertEquals(Outcome.TRAINED, r.outcome());
    }

    /**
     * One real change is one drift, for a single network and for the pool: the detector's window
     * is emptied after a drift, and with candidates it watches main's own error, which rises at a
     * change where the mixture's (led by the fastest candidate) barely does. Seeds 1-3, the
     * +15 °C change and the demo's +8 °C.
     */
    @org.junit.jupiter.api.Test
    void oneChangeIsOneDrift() {
        for (ModelSpec spec : new ModelSpec[] {TestSpecs.singleNetwork(), TestSpecs.pool()}) {
            for (double hotter : new double[] {15, 8}) {
                for (long seed = 1; seed <= 3; seed++) {
                    OnlineModel model = OnlineModel.create(spec);
                    SensorReadingGenerator gen = new SensorReadingGenerator(seed, 16, 0.0);
                    Reading reading = new Reading(2);
                    int before = 0;
                    int after = 0;
                    for (int i = 0; i < 40_000; i++) {
                        gen.next(reading, i);
                        if (i >= 30_000) {
                            reading.setFeature(0, reading.features()[0] + hotter);
                        }
                        if (model.step(reading).drift() != null) {
                            if (i < 30_000) {
                                before++;
                            } else {
                                after++;
                            }
                        }
                    }
                    String what = (spec.hasCandidates() ? "pool" : "single") + " +" + hotter + " seed " + seed;
                    assertEquals(0, before, what + ": drifts before the change");
                    assertEquals(1, after, what + ": drifts after the change");
                }
            }
        }
    }

    /**
     * A reading's loss counts at most selection.maxLoss: a recent loss, a discounted mean of
     * losses, never exceeds it, and the weights follow the capped losses. {@code main} stays at
     * its random init here, its log loss about 1 a reading.
     */
    @org.junit.jupiter.api.Test
    void aReadingsLossCountsAtMostMaxLoss() {
        double cap = 0.3;
        OnlineModel capped = OnlineModel.create(pool("mixture", ",\"maxLoss\":" + cap));
        OnlineModel uncapped = OnlineModel.create(pool("mixture"));
        SensorReadingGenerator gen = new SensorReadingGenerator(5, 16, 0.0);
        Reading reading = new Reading(2);
        double mostUncapped = 0;
        for (int i = 0; i < 2_000; i++) {
            gen.next(reading, i);
            capped.step(reading);
            uncapped.step(reading);
            for (int k = 0; k < 2; k++) {
                assertTrue(capped.candidateLoss(k) <= cap + 1e-12, "reading " + i + ": " + capped.candidateLoss(k));
            }
            mostUncapped = Math.max(mostUncapped, uncapped.candidateLoss(0));
            double g = Math.pow(2, -1.0 / 100);
            double scale = (1 - Math.pow(g, i + 1)) / (1 - g);
            double gap = (capped.candidateLoss(0) - capped.candidateLoss(1)) * scale;
            assertEquals(-gap, Math.log(capped.candidateWeight(0) / capped.candidateWeight(1)), 1e-6 * Math.max(1, Math.abs(gap)),
                    "reading " + i);
        }
        assertTrue(mostUncapped > 3 * cap, "without the cap main's recent loss is " + mostUncapped);
        assertTrue(capped.candidateWeight(1) > 0.99, "the good candidate still carries the mixture: " + capped.candidateWeight(1));
    }

    /**
     * With restartOnDrift the recent losses start over at main's drift: uniform weights, no
     * recent loss until the next label, then the weights follow the losses again. Without it
     * they are kept. The default pool, +15 °C from reading 30,000, seed 1.
     */
    @org.junit.jupiter.api.Test
    void restartOnDriftStartsTheRecentLossesOver() throws Exception {
        for (boolean restart : new boolean[] {true, false}) {
            ObjectNode root = (ObjectNode) new ObjectMapper().readTree(TestSpecs.poolJson());
            ((ObjectNode) root.get("selection")).put("restartOnDrift", restart);
            OnlineModel model = OnlineModel.create(SpecJson.parse(root.toString()));
            int k = model.candidateNames().size();
            SensorReadingGenerator gen = new SensorReadingGenerator(1, 16, 0.0);
            Reading reading = new Reading(2);
            int drifts = 0;
            for (int i = 0; i < 40_000; i++) {
                gen.next(reading, i);
                if (i >= 30_000) {
                    reading.setFeature(0, reading.features()[0] + 15);
                }
                DriftEvent event = model.step(reading).drift();
                boolean drift = event != null;
                if (drift) {
                    drifts++;
                    assertEquals(restart, event.actions().contains(DriftEvent.SELECTION_RESTARTED), "the event says what was done");
                    for (int c = 0; c < k; c++) {
                        if (restart) {
                            assertEquals(1.0 / k, model.candidateWeight(c), "weight of " + c + " at reading " + i);
                            assertTrue(Double.isNaN(model.candidateLoss(c)), "recent loss of " + c + " at reading " + i);
                        } else {
                            assertTrue(model.candidateLoss(c) > 0, "recent loss of " + c + " kept at reading " + i);
                        }
                    }
                    if (!restart) {
                        assertTrue(model.candidateWeight(0) != 1.0 / k, "weights kept at reading " + i);
                    }
                    gen.next(reading, ++i);
                    reading.setFeature(0, reading.features()[0] + 15);
                    model.step(reading);
                    assertTrue(model.candidateLoss(0) > 0, "the next label scores again");
                    assertTrue(model.candidateWeight(0) != 1.0 / k, "the weights follow the losses again");
                }
            }
            assertEquals(1, drifts, "restartOnDrift " + restart);
        }
    }

    @org.junit.jupiter.api.Test
    void selectionFieldsAreChecked() {
        String base = """
                {"features":["a"],"classes":["x","y"],"layers":[{"units":2,"activation":"softmax"}],"loss":"cross_entropy",
                 "optimizer":{"type":"sgd","learningRate":0.1},
                 "candidates":[{"name":"c","layers":[{"units":2,"activation":"softmax"}],"optimizer":{"type":"sgd","learningRate":0.1}}],
                 "selection":%s}""";
        for (String bad : new String[] {"0", "-1", "51", "\"3\""}) {
            SpecException e = assertThrows(SpecException.class, () -> SpecJson.parse(base.formatted("{\"maxLoss\":" + bad + "}")), bad);
            assertTrue(e.getMessage().startsWith("selection.maxLoss"), e.getMessage());
        }
        for (String bad : new String[] {"1", "\"true\"", "null"}) {
            SpecException e = assertThrows(SpecException.class,
                    () -> SpecJson.parse(base.formatted("{\"restartOnDrift\":" + bad + "}")), bad);
            assertTrue(e.getMessage().startsWith("selection.restartOnDrift"), e.getMessage());
        }
        SelectionSpec read = SpecJson.parse(base.formatted("{\"maxLoss\":3,\"restartOnDrift\":true}")).selection();
        assertEquals(3.0, read.maxLoss());
        assertTrue(read.restartOnDrift());
        SelectionSpec defaults = SpecJson.parse(base.formatted("{}")).selection();
        assertEquals(SelectionSpec.DEFAULT_MAX_LOSS, defaults.maxLoss());
        assertTrue(!defaults.restartOnDrift());
        // Either is part of the spec: a changed one is a changed spec.
        assertTrue(SpecMapping.differences(SpecJson.parse(base.formatted("{}")),
                SpecJson.parse(base.formatted("{\"maxLoss\":3}"))).startsWith("selection"));
    }

    @org.junit.jupiter.api.Test
    void candidatesAreCheckedWhenTheSpecIsRead() {
        String base = """
                {"features":["a"],"classes":["x","y"],"layers":[{"units":2,"activation":"softmax"}],"loss":"cross_entropy",
                 "optimizer":{"type":"sgd","learningRate":0.1},"candidates":%s}""";
        SpecException e = assertThrows(SpecException.class, () -> SpecJson.parse(base.formatted(
                "[{\"name\":\"main\",\"layers\":[{\"units\":2,\"activation\":\"softmax\"}],\"optimizer\":{\"type\":\"sgd\",\"learningRate\":0.1}}]")));
        assertTrue(e.getMessage().startsWith("candidates[0].name"), e.getMessage());
        e = assertThrows(SpecException.class, () -> SpecJson.parse(base.formatted(
                "[{\"name\":\"c\",\"layers\":[{\"units\":3,\"activation\":\"softmax\"}],\"optimizer\":{\"type\":\"sgd\",\"learningRate\":0.1}}]")));
        assertTrue(e.getMessage().startsWith("candidates[0].layers[0].units"), e.getMessage());
        e = assertThrows(SpecException.class, () -> SpecJson.parse(base.formatted(
                "[{\"name\":\"c\",\"layers\":[{\"units\":2,\"activation\":\"softmax\"}]}]")));
        assertTrue(e.getMessage().startsWith("candidates[0].optimizer"), e.getMessage());
        e = assertThrows(SpecException.class, () -> SpecJson.parse(base.formatted("null").replace(
                "\"candidates\":null", "\"selection\":{\"method\":\"champion\"}")));
        assertTrue(e.getMessage().startsWith("selection"), e.getMessage());
        ModelSpec ok = SpecJson.parse(base.formatted(
                "[{\"name\":\"c\",\"layers\":[{\"units\":2,\"activation\":\"softmax\"}],\"optimizer\":{\"type\":\"sgd\",\"learningRate\":0.1}}]"));
        assertEquals(java.util.List.of("main", "c"), ok.candidateNames());
        assertEquals(SelectionSpec.defaults(), ok.selection());
        // A changed pool is a changed spec.
        ModelSpec other = SpecJson.parse(base.formatted(
                "[{\"name\":\"c\",\"layers\":[{\"units\":2,\"activation\":\"softmax\"}],\"optimizer\":{\"type\":\"sgd\",\"learningRate\":0.2}}]"));
        assertTrue(!ok.equals(other));
        assertTrue(SpecMapping.differences(ok, other).startsWith("candidates"), SpecMapping.differences(ok, other));
        assertNull(SpecJson.parse(base.formatted("null")).selection());
        assertNotNull(ok.selection());
    }

    private static long[] bits(double[] v) {
        long[] b = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Double.doubleToLongBits(v[i]);
        }
        return b;
    }
}
