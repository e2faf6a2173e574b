package streamlearn.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.io.NumberOutput;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * SignificantDigits against the plain reading of its contract: the exact binary value rounded by
 * BigDecimal to six significant digits, half to even, in Double.toString's notation; over the
 * whole range of doubles, over probabilities as a model makes them, and at the halves where the
 * double arithmetic of the fast path alone would round the wrong way.
 */
class SignificantDigitsTest {
    private static final MathContext SIX = new MathContext(6, RoundingMode.HALF_EVEN);

    /** The contract, slowly: round the exact value, strip trailing zeros, place the point as Double.toString does. */
    static String reference(double x) {
        if (x == 0) {
            return Double.doubleToRawLongBits(x) < 0 ? "-0.0" : "0.0";
        }
        BigDecimal rounded = new BigDecimal(x).round(SIX).stripTrailingZeros();
        String sign = rounded.signum() < 0 ? "-" : "";
        String digits = rounded.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - rounded.scale();
        if (exponent < -3 || exponent >= 7) {
            return sign + digits.charAt(0) + "." + (digits.length() == 1 ? "0" : digits.substring(1)) + "E" + exponent;
        }
        if (exponent < 0) {
            return sign + "0." + "0".repeat(-exponent - 1) + digits;
        }
        if (digits.length() <= exponent + 1) {
            return sign + digits + "0".repeat(exponent + 1 - digits.length()) + ".0";
        }
        return sign + digits.substring(0, exponent + 1) + "." + digits.substring(exponent + 1);
    }

    private static String written(double x) {
        char[] to = new char[SignificantDigits.MAX_CHARS];
        return new String(to, 0, SignificantDigits.write(x, to));
    }

    @Test
    void examples() {
        assertEquals("0.333333", written(1.0 / 3.0));
        assertEquals("0.666667", written(2.0 / 3.0));
        assertEquals("0.5", written(0.5));
        assertEquals("1.0", written(1.0));
        assertEquals("1.0", written(0.9999997));
        assertEquals("0.999999", written(0.9999994));
        assertEquals("0.001", written(0.001));
        assertEquals("9.99999E-4", written(0.000999999));
        assertEquals("0.001", written(0.0009999996));
        assertEquals("3.06619E-4", written(3.066186680757585E-4));
        assertEquals("8.26672E-20", written(8.266715495361576E-20));
        assertEquals("4.94066E-324", written(Double.MIN_VALUE));
        assertEquals("1.79769E308", written(Double.MAX_VALUE));
        assertEquals("123457.0", written(123456.789));
        assertEquals("1234570.0", written(1234567.0));
        assertEquals("1.23457E7", written(12345678.0));
        assertEquals("-0.25", written(-0.25));
        assertEquals("-0.0", written(-0.0));
        assertEquals("0.0", written(0.0));
        assertEquals("0.125", written(0.125));
        assertEquals("1.25E-6", written(1.25e-6));
        // Exact halves: to the even digit.
        assertEquals("100000.0", written(100000.5));
        assertEquals("100002.0", written(100001.5));
        assertEquals("1234560.0", written(1234565.0));
        assertEquals("1234580.0", written(1234575.0));
    }

    @Test
    void everyDoubleIsItsExactValueRoundedToSixDigits() {
        Random random = new Random(11);
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < 300_000; i++) {
            double any = Double.longBitsToDouble(random.nextLong());
            if (Double.isFinite(any)) {
                values.add(any);
            }
            values.add(random.nextDouble());
            // A softmax's small probabilities: every magnitude down to the subnormals.
            values.add(Math.exp(-random.nextDouble() * 745));
        }
        for (int e = -324; e <= 308; e++) {
            double power = Double.parseDouble("1e" + e);
            values.add(power);
            values.add(Math.nextUp(power));
            values.add(Math.nextDown(power));
            double top = Double.parseDouble("9.999995e" + e);
            values.add(top);
            values.add(Math.nextUp(top));
            values.add(Math.nextDown(top));
        }
        values.removeIf(x -> !Double.isFinite(x));
        for (double x : values) {
            assertEquals(reference(x), written(x), "for " + x);
            assertEquals(reference(-x), written(-x), "for " + -x);
        }
    }

    /** Doubles next to a half of the sixth digit, at every scale: where only the exact value can say which way. */
    @Test
    void halvesRoundAsTheExactValueSays() {
        Random random = new Random(12);
        for (int i = 0; i < 200_000; i++) {
            long sixDigits = 100_000 + random.nextInt(900_000);
            int exponent = random.nextInt(600) - 310;
            double half = Double.parseDouble(sixDigits + "5e" + (exponent - 6));
            for (double x : new double[] {half, Math.nextUp(half), Math.nextDown(half),
                Math.nextUp(Math.nextUp(half)), Math.nextDown(Math.nextDown(half))}) {
                assertEquals(reference(x), written(x), "for " + x);
            }
        }
    }

    /** The notation is the one the predictions had before: Jackson's text of the rounded value. */
    @Test
    void theTextIsJacksonsForTheRoundedValue() {
        Random random = new Random(13);
        for (int i = 0; i < 100_000; i++) {
            double x = i % 2 == 0 ? random.nextDouble() : Math.exp(-random.nextDouble() * 690);
            double rounded = new BigDecimal(x).round(SIX).doubleValue();
            assertEquals(NumberOutput.toString(rounded, true), written(x), "for " + x);
        }
    }
}
