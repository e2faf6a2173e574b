package streamlearn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import streamlearn.format.SpecJson;
import streamlearn.model.ReplicaMerge.Recording;
import streamlearn.model.ReplicaMerge.Rule;

class ReplicaMergeTest {
    /** Readings of the default spec's two features, labeled by temperature; none beyond 4 standard deviations of [40, 60]. */
    private static List<Reading> readings(long seed, int n) {
        Random random = new Random(seed);
        List<Reading> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double t = 40 + 20 * random.nextDouble();
            double v = 2 * random.nextDouble();
            int label = t > 55 ? 2 : t > 50 ? 1 : 0;
            out.add(new Reading(2).set("s", i, new double[] {t, v}, label));
        }
        return out;
    }

    private static OnlineModel trained(ModelSpec spec, OnlineModel from, List<Reading> readings) {
        OnlineModel m = copy(from);
        for (Reading r : readings) {
            m.step(r);
        }
        return m;
    }

    private static OnlineModel copy(OnlineModel model) {
        OnlineModel m = OnlineModel.blank(model.spec());
        m.readState(Recording.of(model).reader());
        return m;
    }

    private static void assertSameBits(Recording expected, Recording actual) {
        assertEquals(expected.values.keySet(), actual.values.keySet());
        for (Map.Entry<String, ReplicaMerge.Value> e : expected.values.entrySet()) {
            double[] a = e.getValue().values();
            double[] b = actual.get(e.getKey()).values();
            assertEquals(a.length, b.length, e.getKey());
            for (int i = 0; i < a.length; i++) {
                assertEquals(Double.doubleToRawLongBits(a[i]), Double.doubleToRawLongBits(b[i]), e.getKey() + "[" + i + "]");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Rule.class)
    void oneReplicaMergedAndAdoptedIsThatReplicaBitForBit(Rule rule) {
        ModelSpec spec = TestSpecs.pool();
        OnlineModel base = trained(spec, OnlineModel.create(spec), readings(1, 300));
        OnlineModel replica = trained(spec, base, readings(2, 700));
        ReplicaMerge merge = new ReplicaMerge(rule);
        OnlineModel continued = merge.adopt(merge.merge(base, List.of(replica)), replica);
        assertSameBits(Recording.of(replica), Recording.of(continued));
        // And it goes on as the replica would: the same predictions, bit for bit.
        for (Reading r : readings(3, 200)) {
            assertEquals(replica.step(r).loss, continued.step(r).loss);
        }
        assertSameBits(Recording.of(replica), Recording.of(continued));
    }

    @ParameterizedTest
    @EnumSource(Rule.class)
    void oneReplicaThatReactedToADriftIsGivenBackBitForBit(Rule rule) {
        ModelSpec spec = TestSpecs.pool();
        OnlineModel base = trained(spec, OnlineModel.create(spec), readings(1, 300));
        OnlineModel replica = trained(spec, base, readings(2, 100));
        // The drift reaction's traces in the state: the average restarted, the scaler's count cut,
        // the output layer relearning; then more updates.
        Recording state = Recording.of(replica);
        state.parameters("averaging.weights", state.get("weights").values());
        state.count("averaging.age", 0);
        state.count("scaler.count", 50);
        state.count("outputRelearning", 2000);
        replica.readState(state.reader());
        replica = trained(spec, replica, readings(3, 60));
        ReplicaMerge merge = new ReplicaMerge(rule);
        assertSameBits(Recording.of(replica), Recording.of(merge.adopt(merge.merge(base, List.of(replica)), replica)));
    }

    @ParameterizedTest
    @EnumSource(value = Rule.class, names = {"PLAIN_AVERAGE", "UPDATE_WEIGHTED"})
    void identicalReplicasAverageToTheSameNetworksAndStatistics(Rule rule) {
        ModelSpec spec = TestSpecs.pool();
        OnlineModel base = OnlineModel.create(spec);
        OnlineModel replica = trained(spec, base, readings(2, 500));
        List<OnlineModel> three = List.of(replica, copy(replica), copy(replica));
        Recording merged = Recording.of(new ReplicaMerge(rule).merge(base, three));
        Recording one = Recording.of(replica);
        for (String name : one.values.keySet()) {
            if (name.startsWith("drift.detector.")) {
                continue;
            }
            double[] expected = one.get(name).values();
            double[] actual = merged.get(name).values();
            if (name.endsWith("modelVersion") || name.endsWith("averaging.age") || name.equals("selection.scored")
                    || name.equals("scaler.count") || name.equals("drift.drifts")) {
                // Three replicas' updates (and readings) are three times one's: each counts.
                assertEquals(3 * expected[0] - 2 * Recording.of(base).get(name).values()[0], actual[0], name);
                continue;
            }
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-14 * Math.max(1, Math.abs(expected[i])), name + "[" + i + "]");
            }
        }
    }

    @Test
    void deltaSumMovesByEveryReplicasChange() {
        ModelSpec spec = TestSpecs.pool();
        OnlineModel base = OnlineModel.create(spec);
        OnlineModel replica = trained(spec, base, readings(2, 500));
        double[] before = Recording.of(base).get("weights").values();
        double[] after = Recording.of(replica).get("weights").values();
        double[] merged = Recording.of(new ReplicaMerge(Rule.DELTA_SUM).merge(base, List.of(replica, copy(replica))))
                .get("weights").values();
        for (int i = 0; i < before.length; i++) {
            assertEquals(after[i] + (after[i] - before[i]), merged[i], 1e-15, "weights[" + i + "]");
        }
    }

    private static final String TINY = """
            {"task":"classification","features":["x"],"classes":["a","b"],
             "layers":[{"units":2,"activation":"softmax"}],"loss":"cross_entropy",
             "init":{"type":"he","seed":1},"optimizer":{"type":"sgd","learningRate":0.1},"standardize":false}""";

    /** A model of the tiny spec with the given update count and weights [w00, w10, b0, b1]. */
    private static OnlineModel tiny(long version, double... weights) {
        OnlineModel m = OnlineModel.blank(SpecJson.parse(TINY));
        Recording r = Recording.of(m);
        r.count("modelVersion", version);
        r.parameters("weights", weights);
        m.readState(r.reader());
        return m;
    }

    @Test
    void replicasWeighByTheirUpdatesSinceTheBase() {
        OnlineModel base = tiny(10, 0, 0, 0, 0);
        // Three updates since the base against one: 3/4 and 1/4.
        List<OnlineModel> replicas = List.of(tiny(13, 1, 2, 3, 4), tiny(11, 5, 6, 7, 8));
        Recording weighted = Recording.of(new ReplicaMerge(Rule.UPDATE_WEIGHTED).merge(base, replicas));
        assertArrayEquals(new double[] {2, 3, 4, 5}, weighted.get("weights").values());
        assertEquals(14, weighted.get("modelVersion").count());
        Recording plain = Recording.of(new ReplicaMerge(Rule.PLAIN_AVERAGE).merge(base, replicas));
        assertArrayEquals(new double[] {3, 4, 5, 6}, plain.get("weights").values());
        Recording sum = Recording.of(new ReplicaMerge(Rule.DELTA_SUM).merge(tiny(10, 1, 1, 1, 1), replicas));
        assertArrayEquals(new double[] {5, 7, 9, 11}, sum.get("weights").values());
        assertEquals(14, sum.get("modelVersion").count());
        // The weighted average [2, 3, 4, 5] is the base [1, 1, 1, 1] moved by [1, 2, 3, 4]: sqrt(2) times that.
        Recording scaled = Recording.of(new ReplicaMerge(Rule.SQRT_K_DELTA).merge(tiny(10, 1, 1, 1, 1), replicas));
        double r = Math.sqrt(2);
        assertArrayEquals(new double[] {1 + r, 1 + 2 * r, 1 + 3 * r, 1 + 4 * r}, scaled.get("weights").values(), 1e-15);
    }

    private static final String TINY_AVERAGED = TINY.replace("\"standardize\":false", "\"standardize\":false,\"averaging\":{\"decay\":0.99}");

    /** The share of its value a weight average of age {@code age} keeps over n updates, as Trainer's steps apply it one by one. */
    private static double kept(long age, long n, double decay) {
        double kept = 1.0;
        for (long a = age + 1; a <= age + n; a++) {
            kept *= Math.min(decay, (1.0 + a) / (10.0 + a));
        }
        return kept;
    }

    /** A model of the averaged tiny spec with the given update count, weights and weight average. */
    private static OnlineModel tinyAveraged(long version, double[] weights, double[] average) {
        OnlineModel m = OnlineModel.blank(SpecJson.parse(TINY_AVERAGED));
        Recording r = Recording.of(m);
        r.count("modelVersion", version);
        r.parameters("weights", weights);
        r.parameters("averaging.weights", average);
        m.readState(r.reader());
        return m;
    }

    @Test
    void batchScaledMergesTheWeightAverageAsOneTrainerOfEveryUpdate() {
        // Replicas whose weights stayed at w while they took 5, 20 and 60 updates from a base of
        // age 870 (the average's ramp (1 + a) / (10 + a) reaches the decay 0.99 at age 881): each
        // average is the base's moved toward w by its own updates, the merged one the base's
        // moved by all 85.
        double[] w = {1, -2, 3, 0.5};
        double[] a0 = {0, 1, -1, 2};
        long age = 870;
        long[] d = {5, 20, 60};
        List<OnlineModel> replicas = new ArrayList<>();
        for (long di : d) {
            double keep = kept(age, di, 0.99);
            double[] a = new double[4];
            for (int j = 0; j < 4; j++) {
                a[j] = keep * a0[j] + (1 - keep) * w[j];
            }
            replicas.add(tinyAveraged(age + di, w, a));
        }
        Recording merged = Recording.of(new ReplicaMerge(Rule.BATCH_SCALED).merge(tinyAveraged(age, a0, a0), replicas));
        double keep = kept(age, 85, 0.99);
        for (int j = 0; j < 4; j++) {
            assertEquals(keep * a0[j] + (1 - keep) * w[j], merged.get("averaging.weights").values()[j], 1e-12, "average " + j);
        }
        assertArrayEquals(w, merged.get("weights").values(), 1e-15);
        assertEquals(955, merged.get("modelVersion").count());
        // The update-weighted average of the averages holds more of the base (0.63 against 0.42):
        // its 85 updates count as some 40.
        Recording weighted = Recording.of(new ReplicaMerge(Rule.UPDATE_WEIGHTED).merge(tinyAveraged(age, a0, a0), replicas));
        assertEquals(0.37, weighted.get("averaging.weights").values()[0], 0.01);
        assertEquals(0.58, merged.get("averaging.weights").values()[0], 0.01);
    }

    @Test
    void batchScaledMergesTheRecentLossesAsOnePoolThatScoredEveryReading() {
        // Each candidate's loss the same at every reading: a pool that scored all the replicas'
        // readings would hold discount^D of the base's sums plus D readings of that loss.
        ModelSpec spec = TestSpecs.pool();
        double rho = spec.selection().discount();
        double[] loss = {0.1, 0.3, 0.7};
        OnlineModel base = trained(spec, OnlineModel.create(spec), readings(1, 300));
        Recording b = Recording.of(base);
        double[] s0 = b.get("selection.losses").values();
        long scored = b.get("selection.scored").count();
        long[] d = {400, 1500};
        List<OnlineModel> replicas = new ArrayList<>();
        for (long di : d) {
            OnlineModel replica = trained(spec, base, readings(2 + di, (int) di));
            Recording r = Recording.of(replica);
            double[] s = new double[3];
            for (int c = 0; c < 3; c++) {
                s[c] = Math.pow(rho, di) * s0[c] + loss[c] * (1 - Math.pow(rho, di)) / (1 - rho);
            }
            r.vector("selection.losses", s);
            replica.readState(r.reader());
            replicas.add(replica);
        }
        Recording merged = Recording.of(new ReplicaMerge(Rule.BATCH_SCALED).merge(base, replicas));
        assertEquals(scored + 1900, merged.get("selection.scored").count());
        for (int c = 0; c < 3; c++) {
            double expected = Math.pow(rho, 1900) * s0[c] + loss[c] * (1 - Math.pow(rho, 1900)) / (1 - rho);
            assertEquals(expected, merged.get("selection.losses").values()[c], 1e-12 * expected, "candidate " + c);
        }
    }

    @Test
    void batchScaledScalesSgdLinearlyAndAdamBySquareRoot() {
        OptimizerSpec sgd = new OptimizerSpec.Sgd(0.1, 0);
        OptimizerSpec adam = new OptimizerSpec.Adam(0.002, 0.9, 0.999, 1e-8);
        assertEquals(4.0, Rule.BATCH_SCALED.learningRateScale(sgd, 4));
        assertEquals(2.0, Rule.BATCH_SCALED.learningRateScale(adam, 4));
        assertEquals(Math.sqrt(2), Rule.BATCH_SCALED.learningRateScale(adam, 2));
        assertEquals(1.0, Rule.BATCH_SCALED.learningRateScale(sgd, 1));
        for (Rule rule : Rule.values()) {
            if (rule != Rule.BATCH_SCALED) {
                assertEquals(1.0, rule.learningRateScale(sgd, 4), rule.name());
                assertEquals(1.0, rule.learningRateScale(adam, 4), rule.name());
            }
        }
    }

    @Test
    void withoutUpdatesTheReplicasCountAlike() {
        OnlineModel base = tiny(10, 0, 0, 0, 0);
        Recording merged = Recording.of(new ReplicaMerge(Rule.UPDATE_WEIGHTED)
                .merge(base, List.of(tiny(10, 1, 2, 3, 4), tiny(10, 3, 4, 5, 6))));
        assertArrayEquals(new double[] {2, 3, 4, 5}, merged.get("weights").values());
    }

    @ParameterizedTest
    @EnumSource(Rule.class)
    void theMergedScalerIsTheScalerFedEveryReading(Rule rule) {
        ModelSpec spec = TestSpecs.pool();
        List<Reading> first = readings(1, 300);
        OnlineModel base = trained(spec, OnlineModel.create(spec), first);
        List<List<Reading>> shares = List.of(readings(2, 400), readings(3, 250), readings(4, 600));
        List<OnlineModel> replicas = new ArrayList<>();
        OnlineModel all = copy(base);
        for (List<Reading> share : shares) {
            replicas.add(trained(spec, base, share));
            for (Reading r : share) {
                all.step(r);
            }
        }
        OnlineScaler merged = new ReplicaMerge(rule).merge(base, replicas).scaler();
        OnlineScaler fed = all.scaler();
        assertEquals(fed.count(), merged.count());
        for (int i = 0; i < 2; i++) {
            assertEquals(fed.mean(i), merged.mean(i), 1e-12, "mean " + i);
            assertEquals(fed.variance(i), merged.variance(i), 1e-12, "variance " + i);
        }
    }

    @Test
    void theScalerPastItsMemoryForgetsAsTheScalerFedEveryReading() throws Exception {
        // Past the memory a reading's weight depends on its place in the order, which the
        // replicas do not share; with each replica's readings alike, the order no longer matters
        // within a replica, and the merge is the scaler fed them all (interleaved) but for the
        // alternation's own small bias.
        var root = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(TestSpecs.poolJson());
        root.putObject("standardize").put("memory", 200);
        ModelSpec spec = SpecJson.parse(root.toString());
        OnlineModel base = trained(spec, OnlineModel.create(spec), readings(1, 500));
        List<Reading> a = new ArrayList<>();
        List<Reading> b = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            a.add(new Reading(2).set("s", i, new double[] {48, 0.5}, 0));
            b.add(new Reading(2).set("s", i, new double[] {56, 1.5}, 2));
        }
        OnlineModel all = copy(base);
        for (int i = 0; i < a.size(); i++) {
            all.step(a.get(i));
            all.step(b.get(i));
        }
        OnlineScaler merged = new ReplicaMerge().merge(base, List.of(trained(spec, base, a), trained(spec, base, b))).scaler();
        OnlineScaler fed = all.scaler();
        assertEquals(fed.count(), merged.count());
        for (int i = 0; i < 2; i++) {
            assertEquals(fed.mean(i), merged.mean(i), 0.005 * Math.sqrt(fed.variance(i)), "mean " + i);
            assertEquals(fed.variance(i), merged.variance(i), 0.005 * fed.variance(i), "variance " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(Rule.class)
    void mergingIsDeterministic(Rule rule) {
        ModelSpec spec = TestSpecs.pool();
        OnlineModel base = trained(spec, OnlineModel.create(spec), readings(1, 300));
        List<OnlineModel> replicas = List.of(trained(spec, base, readings(2, 400)), trained(spec, base, readings(3, 100)));
        Recording once = Recording.of(new ReplicaMerge(rule).merge(base, replicas));
        Recording again = Recording.of(new ReplicaMerge(rule).merge(copy(base), List.of(copy(replicas.get(0)), copy(replicas.get(1)))));
        assertSameBits(once, again);
    }

    @Test
    void aReplicaKeepsItsOwnDetectorAndTheMergedModelAnEmptyOne() {
        ModelSpec spec = TestSpecs.pool();
        OnlineModel base = OnlineModel.create(spec);
        OnlineModel replica = trained(spec, base, readings(2, 400));
        ReplicaMerge merge = new ReplicaMerge();
        OnlineModel merged = merge.merge(base, List.of(replica, trained(spec, base, readings(3, 400))));
        Recording own = Recording.of(replica);
        Recording adopted = Recording.of(merge.adopt(merged, replica));
        Recording empty = Recording.of(OnlineModel.blank(spec));
        assertNotEquals(empty.get("drift.detector.seen").count(), own.get("drift.detector.seen").count());
        for (String name : own.values.keySet()) {
            if (name.startsWith("drift.detector.")) {
                assertArrayEquals(own.get(name).values(), adopted.get(name).values(), name);
                assertArrayEquals(empty.get(name).values(), Recording.of(merged).get(name).values(), name);
            } else {
                assertArrayEquals(Recording.of(merged).get(name).values(), adopted.get(name).values(), name);
            }
        }
    }

    @Test
    void aDriftInOneReplicaGivesTheMergedModelItsRestartedAverage() {
        ModelSpec spec = TestSpecs.singleNetwork();
        OnlineModel base = trained(spec, OnlineModel.create(spec), readings(1, 300));
        OnlineModel calm = trained(spec, base, readings(2, 100));
        OnlineModel drifted = trained(spec, base, readings(3, 100));
        Recording state = Recording.of(drifted);
        state.parameters("averaging.weights", state.get("weights").values());
        state.count("averaging.age", 0);
        drifted.readState(state.reader());
        Recording merged = Recording.of(new ReplicaMerge().merge(base, List.of(calm, drifted)));
        // The restarted replica's average alone, not the calm one's, nor their mean.
        assertArrayEquals(state.get("weights").values(), merged.get("averaging.weights").values());
        // The restarted replica's age, plus the other's updates since the base.
        assertEquals(100, merged.get("averaging.age").count());
        Recording neither = Recording.of(new ReplicaMerge().merge(base, List.of(calm, trained(spec, base, readings(3, 100)))));
        assertNotEquals(neither.get("weights").values()[0], neither.get("averaging.weights").values()[0]);
        assertEquals(500, neither.get("averaging.age").count());
    }

    @ParameterizedTest
    @EnumSource(Rule.class)
    void aReplicaThatRestartedItsRecentLossesAtADriftGivesTheMergedPoolItsLossesAlone(Rule rule) {
        // selection.restartOnDrift: the replica's losses and its scored count started over at its
        // drift, so its count grew by less than its updates (here it fell below the base's).
        ModelSpec spec = TestSpecs.pool();
        OnlineModel base = trained(spec, OnlineModel.create(spec), readings(1, 300));
        OnlineModel calm = trained(spec, base, readings(2, 100));
        OnlineModel drifted = trained(spec, base, readings(3, 100));
        Recording state = Recording.of(drifted);
        double[] recent = {0.05, 0.2, 0.4};
        state.vector("selection.losses", recent);
        state.count("selection.scored", 40);
        drifted.readState(state.reader());
        Recording merged = Recording.of(new ReplicaMerge(rule).merge(base, List.of(calm, drifted)));
        assertArrayEquals(recent, merged.get("selection.losses").values());
    }

    @Test
    void everyPartOfAnotherSpecsStateHasARuleAndLabelCountsAddUp() {
        // SGD's momentum, balanced class weights, no drift detection, no average, no candidates.
        ModelSpec spec = SpecJson.parse("""
                {"task":"classification","features":["temperature","vibration"],"classes":["normal","warning","critical"],
                 "layers":[{"units":8,"activation":"tanh"},{"units":3,"activation":"softmax"}],"loss":"cross_entropy",
                 "optimizer":{"type":"sgd","learningRate":0.05,"momentum":0.9},"classWeights":"balanced"}""");
        OnlineModel base = trained(spec, OnlineModel.create(spec), readings(1, 100));
        List<OnlineModel> replicas = List.of(trained(spec, base, readings(2, 200)), trained(spec, base, readings(3, 50)));
        Recording merged = Recording.of(new ReplicaMerge().merge(base, replicas));
        assertEquals(350, merged.get("modelVersion").count());
        double[] counts = merged.get("classWeights.labelCounts").values();
        double[] expected = Recording.of(base).get("classWeights.labelCounts").values().clone();
        for (OnlineModel r : replicas) {
            double[] c = Recording.of(r).get("classWeights.labelCounts").values();
            double[] b = Recording.of(base).get("classWeights.labelCounts").values();
            for (int i = 0; i < c.length; i++) {
                expected[i] += c[i] - b[i];
            }
        }
        assertArrayEquals(expected, counts);
        assertEquals(350, (long) (counts[0] + counts[1] + counts[2]));
    }

    @Test
    void aReplicaOfAnotherSpecOrBehindTheBaseIsRefused() {
        ModelSpec spec = TestSpecs.pool();
        OnlineModel base = trained(spec, OnlineModel.create(spec), readings(1, 300));
        ReplicaMerge merge = new ReplicaMerge();
        assertThrows(IllegalArgumentException.class, () -> merge.merge(base, List.of()));
        assertThrows(IllegalArgumentException.class, () -> merge.merge(base, List.of(OnlineModel.create(spec))));
        assertThrows(IllegalArgumentException.class,
                () -> merge.merge(base, List.of(OnlineModel.create(TestSpecs.singleNetwork()))));
    }

    @Test
    void aReplicaThatLearntNothingSinceSendingContinuesFromTheMergeWithItsOwnDetector() {
        ModelSpec spec = TestSpecs.pool();
        OnlineModel base = OnlineModel.create(spec);
        OnlineModel a = trained(spec, base, readings(3, 300));
        OnlineModel b = trained(spec, base, readings(4, 300));
        ReplicaMerge merge = new ReplicaMerge();
        OnlineModel merged = merge.merge(base, List.of(a, b));
        assertSameBits(Recording.of(merge.adopt(merged, a)), Recording.of(merge.rebase(merged, a, copy(a))));
    }

    @Test
    void aReplicaThatLearntSinceSendingAddsItsChangeToTheMerge() {
        ModelSpec spec = TestSpecs.pool();
        OnlineModel base = OnlineModel.create(spec);
        OnlineModel sent = trained(spec, base, readings(3, 300));
        OnlineModel other = trained(spec, base, readings(4, 300));
        OnlineModel current = trained(spec, sent, readings(5, 200));
        ReplicaMerge merge = new ReplicaMerge();
        OnlineModel merged = merge.merge(base, List.of(sent, other));
        Recording m = Recording.of(merged);
        Recording s = Recording.of(sent);
        Recording c = Recording.of(current);
        Recording r = Recording.of(merge.rebase(merged, sent, current));
        assertEquals(merged.modelVersion() + 200, r.get("modelVersion").count(), "every update counted once");
        for (String name : List.of("weights", "averaging.weights", "candidates.wide.weights", "scaler.mean")) {
            double[] expected = m.get(name).values().clone();
            for (int i = 0; i < expected.length; i++) {
                expected[i] += c.get(name).values()[i] - s.get(name).values()[i];
            }
            assertArrayEquals(expected, r.get(name).values(), 0.0, name + ": the merge plus the change since sending");
        }
        for (String name : List.of("optimizer.m", "optimizer.v", "drift.detector.seen")) {
            assertArrayEquals(c.get(name).values(), r.get(name).values(), 0.0, name + ": the replica's own");
        }
        for (double v : r.get("scaler.variance").values()) {
            assertTrue(v >= 0, "variance " + v);
        }
    }
}
