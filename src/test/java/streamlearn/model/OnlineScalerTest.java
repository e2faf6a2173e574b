package streamlearn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import streamlearn.nn.RecordedState;

/**
 * The scaler's promises: one wild reading moves the statistics by a bounded amount, a level shift
 * is followed within a stated number of readings, an update is taken back bit for bit, and the
 * state round-trips through {@link streamlearn.nn.StateWriter}/{@link streamlearn.nn.StateReader}.
 */
class OnlineScalerTest {
    private static final double ALPHA = 1.0 / OnlineScaler.DEFAULT_MEMORY;

    /** Feature 0 uniform on [level, level + 20) (std 5.77), feature 1 uniform on [0, 1). */
    private static void feed(OnlineScaler scaler, SplittableRandom random, int readings, double level) {
        double[] x = new double[2];
        for (int i = 0; i < readings; i++) {
            x[0] = level + 20 * random.nextDouble();
            x[1] = random.nextDouble();
            scaler.update(x);
        }
    }

    @Test
    void oneSpikeMovesTheMeanByAtMostAlphaClipStdAndTheVarianceByABoundedFactor() {
        for (double spike : new double[] {1e200, -1e200, 65535, 9.9e37, -273.15, Double.MAX_VALUE}) {
            OnlineScaler scaler = new OnlineScaler(2);
            feed(scaler, new SplittableRandom(1), 3 * OnlineScaler.DEFAULT_MEMORY, 20);
            double mean = scaler.mean(0);
            double variance = scaler.variance(0);
            scaler.update(new double[] {spike, 0.5});
            double moved = Math.abs(scaler.mean(0) - mean);
            assertTrue(moved <= ALPHA * OnlineScaler.CLIP * Math.sqrt(variance) * (1 + 1e-12),
                    spike + " moved the mean by " + moved);
            double factor = scaler.variance(0) / variance;
            double bound = (1 - ALPHA) * (1 + ALPHA * OnlineScaler.CLIP * OnlineScaler.CLIP);
            assertTrue(factor <= bound * (1 + 1e-12) && factor >= 1 - ALPHA - 1e-12,
                    spike + " multiplied the variance by " + factor + " (bound " + bound + ")");
            // In numbers: a 5.77-std feature's mean moves by at most 0.0023, its variance by at most 0.16 %.
            assertTrue(moved < 0.0025 && factor < 1.0016, spike + ": " + moved + ", " + factor);

            // And the standardised reading itself stays bounded.
            double[] out = new double[2];
            scaler.transform(new double[] {spike, 0.5}, out);
            assertEquals(Math.signum(spike) * OnlineScaler.INPUT_BOUND, out[0], spike + "'s input");
        }
    }

    @Test
    void aSpikeDuringTheWarmUpIsBoundedToo() {
        OnlineScaler scaler = new OnlineScaler(2);
        feed(scaler, new SplittableRandom(2), 10, 20);
        double std = Math.sqrt(scaler.variance(0));
        double mean = scaler.mean(0);
        scaler.update(new double[] {1e200, 0.5});
        // The weight is 1/count while warming up: 1/11 here.
        assertTrue(Math.abs(scaler.mean(0) - mean) <= OnlineScaler.CLIP * std / 11 * (1 + 1e-12));
        feed(scaler, new SplittableRandom(3), OnlineScaler.DEFAULT_MEMORY, 20);
        assertEquals(30, scaler.mean(0), 0.3, "the warm-up spike is forgotten");
        assertEquals(20 / Math.sqrt(12), Math.sqrt(scaler.variance(0)), 0.3);
    }

    /** The spec's memory sets the rate: 500 readings follow the same shift twenty times sooner. */
    @Test
    void aShorterMemoryFollowsSooner() {
        OnlineScaler shortMemory = new OnlineScaler(2, 500);
        OnlineScaler usual = new OnlineScaler(2);
        for (OnlineScaler scaler : new OnlineScaler[] {shortMemory, usual}) {
            SplittableRandom random = new SplittableRandom(4);
            feed(scaler, random, 20_000, 20);
            feed(scaler, random, 1_500, 35);
        }
        // 1,500 readings = 3 memories of 500: 95 % of the +15 gap; 0.15 memories of 10,000: 14 %.
        assertEquals(45, shortMemory.mean(0), 0.15 * 15 / 2);
        assertEquals(30 + 15 * (1 - Math.exp(-0.15)), usual.mean(0), 0.5);
    }

    /** After a drift the model lets the statistics weigh their past as a few readings: they re-learn fast. */
    @Test
    void rememberingFewReadingsRelearnsAsAtTheStart() {
        OnlineScaler scaler = new OnlineScaler(2);
        SplittableRandom random = new SplittableRandom(9);
        feed(scaler, random, 30_000, 20);
        scaler.remember(200);
        assertEquals(200, scaler.count());
        feed(scaler, random, 2_000, 35);
        // The old level now weighs 200 / 2,200 of the mean: about 1.4 of the 15.
        assertEquals(45 - 15 * 200.0 / 2_200, scaler.mean(0), 0.5);
        scaler.remember(1_000_000);
        assertEquals(2_200, scaler.count(), "remembering never adds readings");
    }

    @Test
    void followsALevelShiftWithinThreeWindows() {
        OnlineScaler scaler = new OnlineScaler(2);
        SplittableRandom random = new SplittableRandom(4);
        feed(scaler, random, 3 * OnlineScaler.DEFAULT_MEMORY, 20);
        assertEquals(30, scaler.mean(0), 0.3);
        // +15 (2.6 std): the mean closes 1 - e^-3 = 95 % of the gap in 3 windows.
        feed(scaler, random, 3 * OnlineScaler.DEFAULT_MEMORY, 35);
        assertEquals(45, scaler.mean(0), 0.15 * 15 / 2);
        assertEquals(20 / Math.sqrt(12), Math.sqrt(scaler.variance(0)), 0.2 * 20 / Math.sqrt(12),
                "the shift's spread is mostly forgotten too");

        // A shift far beyond the clip (+200, 35 std) is followed as well: the clipped readings widen
        // the variance, which lets the mean move further at each step. The mean closes 90 % of the
        // gap in 3 windows; the widened variance takes about 9 to come back within 20 %.
        feed(scaler, random, 3 * OnlineScaler.DEFAULT_MEMORY, 235);
        assertEquals(245, scaler.mean(0), 0.1 * 200, "mean " + scaler.mean(0));
        feed(scaler, random, 6 * OnlineScaler.DEFAULT_MEMORY, 235);
        assertEquals(245, scaler.mean(0), 1, "mean " + scaler.mean(0));
        assertEquals(20 / Math.sqrt(12), Math.sqrt(scaler.variance(0)), 0.2 * 20 / Math.sqrt(12),
                "std " + Math.sqrt(scaler.variance(0)));
    }

    @Test
    void undoIsBitExactInTheWarmUpAndAfter() {
        OnlineScaler scaler = new OnlineScaler(2);
        SplittableRandom random = new SplittableRandom(5);
        for (int readings : new int[] {0, 1, 2, 50, OnlineScaler.DEFAULT_MEMORY}) {
            feed(scaler, random, readings, 20);
            RecordedState before = record(scaler);
            double[] outBefore = new double[2];
            scaler.transform(new double[] {33.3, 0.7}, outBefore);
            scaler.update(new double[] {1e200, -3});
            scaler.undoUpdate();
            assertBitsEqual(before, record(scaler), "after " + readings);
            double[] outAfter = new double[2];
            scaler.transform(new double[] {33.3, 0.7}, outAfter);
            assertEquals(Double.doubleToRawLongBits(outBefore[0]), Double.doubleToRawLongBits(outAfter[0]));
            assertEquals(Double.doubleToRawLongBits(outBefore[1]), Double.doubleToRawLongBits(outAfter[1]));
        }
    }

    @Test
    void stateRoundTripsAndContinuesBitForBit() {
        OnlineScaler a = new OnlineScaler(2);
        feed(a, new SplittableRandom(6), OnlineScaler.DEFAULT_MEMORY + 123, 20);
        RecordedState state = record(a);
        assertEquals(java.util.List.of("count", "mean", "variance"), java.util.List.copyOf(state.asMap().keySet()));
        OnlineScaler b = new OnlineScaler(2);
        b.readState(state.reader());
        assertBitsEqual(state, record(b), "restored");
        feed(a, new SplittableRandom(7), 500, 25);
        feed(b, new SplittableRandom(7), 500, 25);
        assertBitsEqual(record(a), record(b), "continued");
        double[] outA = new double[2];
        double[] outB = new double[2];
        a.transform(new double[] {41, 0.2}, outA);
        b.transform(new double[] {41, 0.2}, outB);
        assertEquals(Double.doubleToRawLongBits(outA[0]), Double.doubleToRawLongBits(outB[0]));
        assertEquals(Double.doubleToRawLongBits(outA[1]), Double.doubleToRawLongBits(outB[1]));
    }

    private static RecordedState record(OnlineScaler scaler) {
        RecordedState state = new RecordedState();
        scaler.writeState(state);
        return state;
    }

    private static void assertBitsEqual(RecordedState expected, RecordedState actual, String what) {
        assertEquals(expected.asMap().keySet(), actual.asMap().keySet(), what);
        expected.asMap().forEach((name, values) -> {
            double[] other = actual.get(name);
            assertEquals(values.length, other.length, what + ": " + name);
            for (int i = 0; i < values.length; i++) {
                assertEquals(Double.doubleToRawLongBits(values[i]), Double.doubleToRawLongBits(other[i]),
                        what + ": " + name + "[" + i + "]");
            }
        });
    }
}
