package streamlearn.app;

import java.util.SplittableRandom;
import streamlearn.model.Reading;

/**
 * What a real sensor sends now and then instead of a measurement, for the simulator's
 * {@code --glitch-rate}: a sentinel on one feature (65535, -999, 0, 1e6, -273.15, 9.9e37: the
 * values a bus, a driver or a PLC writes when it has no reading), a spike (one feature off by a
 * factor of 10 to 1,000), or a clock years off. Each glitch passes the reading format's checks,
 * so it reaches the learner unless the spec's {@code ranges} stop it.
 *
 * <p>Seeded apart from the clean stream, so that a rate of 0 leaves the simulator's readings
 * exactly as they were.
 */
public final class SensorGlitches {
    public enum Kind { SENTINEL, SPIKE, CLOCK }

    static final double[] SENTINELS = {65535, -999, 0, 1e6, -273.15, 9.9e37};
    /** How far a glitched clock is off: ten years either way. */
    static final long CLOCK_OFFSET_MS = 10L * 365 * 24 * 3600 * 1000;

    private final SplittableRandom random;
    private final double rate;
    private final long[] counts = new long[Kind.values().length];

    /** @param rate the fraction of readings glitched, 0 to 1 */
    public SensorGlitches(long seed, double rate) {
        this.random = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
        this.rate = rate;
    }

    /** Glitches the reading with probability {@code rate}; returns the kind, or null when it stays clean. */
    public Kind apply(Reading reading) {
        if (rate <= 0 || random.nextDouble() >= rate) {
            return null;
        }
        Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
        int feature = random.nextInt(reading.features().length);
        switch (kind) {
            case SENTINEL -> reading.setFeature(feature, SENTINELS[random.nextInt(SENTINELS.length)]);
            case SPIKE -> reading.setFeature(feature, reading.features()[feature] * Math.pow(10, 1 + 2 * random.nextDouble()));
            case CLOCK -> reading.setTimestamp(reading.timestamp() + (random.nextBoolean() ? 1 : -1) * CLOCK_OFFSET_MS);
        }
        counts[kind.ordinal()]++;
        return kind;
    }

    long count(Kind kind) {
        return counts[kind.ordinal()];
    }
}
