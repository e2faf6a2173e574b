package streamlearn.format;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Writes a finite double rounded to {@value #DIGITS} significant digits (half to even, from its
 * exact binary value), in the notation of Java's {@code Double.toString}: plain from 10^-3 up to
 * 10^7 ({@code 0.5}, {@code 1.0}, {@code 0.00123457}), else with an exponent ({@code 3.06619E-4}),
 * no trailing zeros beyond the one after the point. The text is the one Jackson's fast double
 * writer gives for the double nearest the rounded decimal, without Jackson's shortest round-trip
 * search and the string it makes for every number: what a prediction's probabilities cost most
 * (docs/BENCHMARKS.md).
 *
 * <p>The digits come from the double {@code |x|·10^k}, for the k that puts it in [10^5, 10^6),
 * rounded to an integer. That product is off the exact one by a few units of 10^-10 at most (10^k
 * is exact up to 10^22; beyond, it and the product are each rounded once, and twice below
 * 10^-308): enough to matter only within 10^-7 of a half, where the digits are taken from the
 * exact value instead (BigDecimal: slow, and about one number in five million). Near a power of
 * ten either k gives the same digits, so the search for k needs no such care.
 */
public final class SignificantDigits {
    public static final int DIGITS = 6;
    /** The longest text, as {@code -1.23456E-308}. */
    public static final int MAX_CHARS = 13;
    private static final double LOWEST = 1e5;
    private static final double BEYOND = 1e6;
    private static final double TIE_MARGIN = 1e-7;
    private static final MathContext EXACT = new MathContext(DIGITS, RoundingMode.HALF_EVEN);
    private static final double LOG10_2 = 0.30102999566398120;
    /** 10^0 to 10^308, each the double nearest to it (exact up to 10^22). */
    private static final double[] POWERS = new double[309];

    static {
        for (int i = 0; i < POWERS.length; i++) {
            POWERS[i] = Double.parseDouble("1e" + i);
        }
    }

    private SignificantDigits() {
    }

    /**
     * Writes {@code x}, finite, into {@code to} from index 0 ({@link #MAX_CHARS} long at least).
     *
     * @return the number of chars written
     */
    public static int write(double x, char[] to) {
        int at = 0;
        if (Double.doubleToRawLongBits(x) < 0) {
            to[at++] = '-';
            x = -x;
        }
        if (x == 0) {
            to[at++] = '0';
            to[at++] = '.';
            to[at++] = '0';
            return at;
        }
        // floor(log10 x), or one less: the loops below settle it.
        int k = DIGITS - 1 - (int) Math.floor(Math.getExponent(x) * LOG10_2);
        double scaled = scale(x, k);
        while (scaled >= BEYOND) {
            scaled = scale(x, --k);
        }
        while (scaled < LOWEST) {
            scaled = scale(x, ++k);
        }
        long digits;
        int exponent;
        if (Math.abs(scaled - Math.floor(scaled) - 0.5) > TIE_MARGIN) {
            digits = (long) Math.rint(scaled);
            exponent = DIGITS - 1 - k;
            if (digits == BEYOND) {
                // 999999.5 and up round to the next power of ten.
                digits /= 10;
                exponent++;
            }
        } else {
            BigDecimal rounded = new BigDecimal(x).round(EXACT);
            int precision = rounded.precision();
            digits = rounded.unscaledValue().longValueExact() * (long) POWERS[DIGITS - precision];
            exponent = precision - 1 - rounded.scale();
        }
        return at + text(digits, exponent, to, at);
    }

    /** x·10^k, k from -308 to 329 (x from the largest double down to the smallest subnormal). */
    private static double scale(double x, int k) {
        if (k < 0) {
            return x / POWERS[-k];
        }
        if (k < POWERS.length) {
            return x * POWERS[k];
        }
        return x * 1e22 * POWERS[k - 22];
    }

    /** {@code digits} (DIGITS of them) as d.ddddd·10^exponent, from {@code at}; returns the chars written. */
    private static int text(long digits, int exponent, char[] to, int at) {
        int length = DIGITS;
        while (length > 1 && digits % 10 == 0) {
            digits /= 10;
            length--;
        }
        int start = at;
        if (exponent < -3 || exponent >= 7) {
            // d.ddddE-n: the digits one place on, the first moved back before the point.
            put(digits, length, to, at + 1);
            to[at] = to[at + 1];
            to[at + 1] = '.';
            at += length + 1;
            if (length == 1) {
                to[at++] = '0';
            }
            to[at++] = 'E';
            if (exponent < 0) {
                to[at++] = '-';
                exponent = -exponent;
            }
            if (exponent >= 100) {
                to[at++] = (char) ('0' + exponent / 100);
            }
            if (exponent >= 10) {
                to[at++] = (char) ('0' + exponent / 10 % 10);
            }
            to[at++] = (char) ('0' + exponent % 10);
        } else if (exponent < 0) {
            to[at++] = '0';
            to[at++] = '.';
            for (int i = -1; i > exponent; i--) {
                to[at++] = '0';
            }
            put(digits, length, to, at);
            at += length;
        } else if (length <= exponent + 1) {
            // A whole number: its digits, the zeros up to the point, and ".0".
            put(digits, length, to, at);
            at += length;
            for (int i = length; i <= exponent; i++) {
                to[at++] = '0';
            }
            to[at++] = '.';
            to[at++] = '0';
        } else {
            // ddd.ddd: the digits one place on, the whole part moved back before the point.
            int whole = exponent + 1;
            put(digits, length, to, at + 1);
            System.arraycopy(to, at + 1, to, at, whole);
            to[at + whole] = '.';
            at += length + 1;
        }
        return at - start;
    }

    /** The {@code length} decimal digits of {@code digits} at to[at, at + length). */
    private static void put(long digits, int length, char[] to, int at) {
        for (int i = at + length - 1; i >= at; i--) {
            to[i] = (char) ('0' + digits % 10);
            digits /= 10;
        }
    }
}
