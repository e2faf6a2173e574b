package streamlearn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** ReLU is computed as (z + |z|) / 2 for speed; it must be max(z, 0) bit for bit where it claims to be. */
class ActivationTest {

    @Test
    void reluIsMaxOfZeroBitForBitUpToNineE307() {
        double[] special = {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, -Double.MIN_NORMAL,
            1e-310, -1e-310, 1.0, -1.0, 8.98e307, -Double.MAX_VALUE, Math.nextDown(Double.MAX_VALUE / 2)};
        for (double z : special) {
            assertBitsEqual(Math.max(z, 0.0), Activation.relu(z), z);
        }
        Random random = new Random(11);
        for (int i = 0; i < 100_000; i++) {
            // Every binary exponent a double has, both signs.
            double z = (random.nextBoolean() ? 1 : -1) * Math.scalb(1.0 + random.nextDouble(), random.nextInt(2097) - 1074);
            if (Math.abs(z) <= Double.MAX_VALUE / 2) {
                assertBitsEqual(Math.max(z, 0.0), Activation.relu(z), z);
            }
        }
    }

    @Test
    void reluOfAnOverflowingSumIsNotFinite() {
        // Documented: a sum this large has overflowed its layer; the non-finite value gets the step refused.
        assertTrue(Double.isInfinite(Activation.relu(1e308)));
        assertTrue(Double.isNaN(Activation.relu(Double.NEGATIVE_INFINITY)));
        assertTrue(Double.isNaN(Activation.relu(Double.NaN)));
        assertEquals(Double.POSITIVE_INFINITY, Activation.relu(Double.POSITIVE_INFINITY));
    }

    private static void assertBitsEqual(double expected, double actual, double z) {
        assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(actual), "relu(" + z + ")");
    }
}
